"""Alignment and Result invariants: read-only arrays, equal lengths, the gap."""

from __future__ import annotations

import math

import numpy as np
import pytest

from allocate.core.result import Alignment, Result
from allocate.core.scenario import Scenario
from allocate.core.status import SolveStatus


def _alignment(n=3):
    return Alignment("geography", [0, 1, 2][:n], [1, 0, 1][:n], ("",) * n, "")


def test_alignment_arrays_are_int64_and_read_only():
    al = _alignment()
    assert len(al) == 3
    assert al.account.dtype == np.int64 and al.seller.dtype == np.int64
    with pytest.raises(ValueError):
        al.seller[0] = 2


def test_alignment_freezes_the_caller_array_it_keeps():
    # an int64 contiguous array is kept as is (no copy), so the caller's array is frozen too
    seller = np.array([1, 0, 1], dtype=np.int64)
    al = Alignment("geography", np.arange(3), seller, ("",) * 3, "")
    assert al.seller is seller and not seller.flags.writeable


def test_alignment_is_not_changed_through_a_view_base():
    base = np.array([1, 0, 1, 5], dtype=np.int64)
    al = Alignment("geography", np.arange(3), base[:3], ("",) * 3, "")
    base[0] = 9
    assert al.seller.tolist() == [1, 0, 1]


def test_alignment_lengths_must_agree():
    with pytest.raises(ValueError, match="same length"):
        Alignment("geography", [0, 1], [0], ("", ""), "")
    with pytest.raises(ValueError, match="same length"):
        Alignment("value_proposition", [0, 0], [0, 1], ("payroll",), "product_line")


def _result(objective, bound):
    return Result(
        status=SolveStatus.FEASIBLE,
        objective=objective,
        best_bound=bound,
        lp_bound=bound,
        wall_s=1.0,
        alignment=_alignment(),
        scenario=Scenario(),
        deterministic=True,
        solver_objective=objective,
    )


@pytest.mark.parametrize(
    ("objective", "bound", "gap"),
    [
        (100.0, 90.0, 0.1),
        (100.0, 100.0, 0.0),
        (100.0, 120.0, 0.0),  # a bound above the objective (rounding) is no negative gap
        (-50.0, -60.0, 0.2),  # relative to |objective|
        (0.0, 0.0, 0.0),
    ],
)
def test_gap(objective, bound, gap):
    assert _result(objective, bound).gap == pytest.approx(gap)


def test_gap_is_nan_without_a_finite_bound_or_objective():
    assert math.isnan(_result(100.0, -math.inf).gap)
    assert math.isnan(_result(math.inf, 10.0).gap)


def test_result_defaults_and_frozen():
    r = _result(10.0, 9.0)
    assert r.interrupted is False
    with pytest.raises(AttributeError):
        r.objective = 0.0  # type: ignore[misc]
