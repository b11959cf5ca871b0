"""Deterministic budgets sized from a limit, and the wall-clock safety net that records stops."""

from __future__ import annotations

import threading
import time

import pytest

from allocate.solvers.budget import (
    Clock,
    cpsat_det,
    evaluations,
    finish_s,
    glop_det,
    numpy_passes,
    overhead_s,
    pdlp_iterations,
    search_seconds,
)


def test_budgets_grow_with_the_seconds_and_have_floors() -> None:
    assert cpsat_det(10) > cpsat_det(1) > 0
    assert glop_det(10) > glop_det(1) > 0
    assert evaluations(10) > evaluations(1) >= 1000
    assert pdlp_iterations(10, 1000) > pdlp_iterations(1, 1000) >= 100
    assert pdlp_iterations(1, 10_000) < pdlp_iterations(1, 1000)  # bigger matrix, fewer steps
    assert numpy_passes(0.0, 10, least=3) == 3


def test_search_seconds_pay_the_fixed_costs_first() -> None:
    small, big = 1_000, 1_000_000
    assert overhead_s(big) > overhead_s(small)
    assert finish_s(big) > finish_s(small)
    assert search_seconds(30, small) == pytest.approx(30 - overhead_s(small))
    assert search_seconds(30, big) < search_seconds(30, small)
    assert search_seconds(1, 10**9) == pytest.approx(0.1)  # never below a tenth of the limit


def test_budgets_depend_only_on_their_arguments() -> None:
    # sized from the limit and the size, never from a clock: the same every call
    assert [search_seconds(7, 5000), cpsat_det(3)] == [search_seconds(7, 5000), cpsat_det(3)]


def test_clock_records_each_stopped_stage_once() -> None:
    clock = Clock.after(60)
    assert clock.deterministic and clock.reason() == ""
    assert not clock.expired() and 59 < clock.left() <= 60
    clock.fired("LNS")
    clock.fired("LNS")
    clock.fired("tabu search")
    assert clock.stopped == ["LNS", "tabu search"]
    assert not clock.deterministic
    assert clock.reason() == "the wall-clock safety net stopped: LNS, tabu search"


def test_clock_deadline_counts_from_the_given_start() -> None:
    start = time.perf_counter() - 5
    assert Clock.after(4, start).expired()
    assert not Clock.after(4, start).expired(margin=-2)
    assert Clock.after(10, start).expired(margin=6)


def test_clock_is_shared_by_threads() -> None:
    clock = Clock.after(60)
    threads = [threading.Thread(target=clock.fired, args=(f"s{k % 3}",)) for k in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(clock.stopped) == ["s0", "s1", "s2"]


def test_the_model_build_estimate_grows_with_the_entries() -> None:
    from allocate.solvers.budget import cpsat_build_s

    assert cpsat_build_s(0) == 0.0
    assert 0 < cpsat_build_s(1_000) < cpsat_build_s(60_000)
    # fr-national's geography model (58,710 entries) is not built whole for a 5 s search
    from allocate.solvers.pipeline import FULL_BUILD_SHARE

    assert cpsat_build_s(58_710) > FULL_BUILD_SHARE * 5.0
    assert cpsat_build_s(23_088) <= FULL_BUILD_SHARE * 5.0  # fr-pme's largest at 6 s is
