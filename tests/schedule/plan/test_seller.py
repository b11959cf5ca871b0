"""One seller's problem: binding weeks, groups and why a group cannot be planned at all."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from allocate.schedule.plan.seller import group_members, precheck
from tests.schedule.plan.builders import desk_problem


def test_binding_weeks_are_those_holding_less_than_their_days() -> None:
    p = desk_problem([30], [0], [60] * 5 + [0, 0] + [60] * 5 + [0, 0])
    assert p.n == 1
    assert p.binding_weeks.size == 0  # no week cap
    p = replace(p, week_cap=np.array([200, 300]))
    assert p.binding_weeks.tolist() == [True, False]


def test_groups_list_their_members_in_chain_order() -> None:
    p = replace(desk_problem([10, 10, 10], [1, 0, 1], [60]), chain_rank=np.array([1, 0, 0]))
    assert group_members(p) == {0: [1], 1: [2, 0]}


def test_precheck_reasons() -> None:
    long = desk_problem([90], [0], [60])
    assert precheck(long, [0]) == "capacity"  # longer than any day
    assert precheck(replace(long, free_cap=np.array([120])), [0]) == "calendar"
    # 0 -> 1 exactly one day apart, but day 1 is off (on the plain calendar too)
    gap = desk_problem([30, 30], [0, 0], [60, 0, 60], lags=((0, 1, 1, 1),))
    assert precheck(gap, [0, 1]) == "lag"
    # five days apart on a three-day horizon
    far = desk_problem([30, 30], [0, 0], [60, 60, 60], lags=((0, 1, 5, -1),))
    assert precheck(far, [0, 1]) == "horizon"
    assert precheck(desk_problem([30, 30], [0, 0], [60, 60], lags=((0, 1, 1, 1),)), [0, 1]) == ""


def test_precheck_singles_agrees_with_precheck() -> None:
    # the vectorized precheck of one-action groups (issue 14: schedule within its limit)
    from allocate.core.travel import TravelModel
    from allocate.schedule.plan.seller import SellerProblem, precheck, precheck_singles

    rng = np.random.default_rng(5)
    for _ in range(30):
        n_days = 14
        day_cap = rng.choice([0, 60, 120, 480], size=n_days).astype(np.int64)
        free_cap = np.maximum(day_cap, rng.choice([0, 480], size=n_days)).astype(np.int64)
        n = 12
        is_visit = rng.random(n) < 0.5
        p = SellerProblem(
            seller=0,
            day_cap=day_cap,
            free_cap=free_cap,
            duration=rng.choice([15, 60, 200, 500], size=n).astype(np.int64),
            is_visit=is_visit,
            release=rng.integers(0, 16, size=n),
            due=np.full(n, -1, dtype=np.int64),
            group=np.arange(n, dtype=np.int64),
            chain_rank=np.zeros(n, dtype=np.int64),
            value=np.ones(n),
            lags=(),
            base_min=np.where(is_visit, rng.integers(0, 200, size=n), 0).astype(float),
            lat=np.full(n, 45.0),
            lon=np.full(n, 5.0),
            travel=TravelModel(),
            budget_s=1.0,
            seed=0,
        )
        assert precheck_singles(p, list(range(n))) == [precheck(p, [i]) for i in range(n)]
