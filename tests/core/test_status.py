"""One status enum for every solve."""

from __future__ import annotations

import math

import pytest

from allocate.core.status import SolveStatus


def test_values_are_lower_case_strings():
    assert [s.value for s in SolveStatus] == ["optimal", "feasible", "infeasible", "unknown"]
    assert SolveStatus.OPTIMAL == "optimal"
    assert SolveStatus("feasible") is SolveStatus.FEASIBLE
    assert f"{SolveStatus.INFEASIBLE}" == "infeasible"


@pytest.mark.parametrize(
    ("status", "has"),
    [
        (SolveStatus.OPTIMAL, True),
        (SolveStatus.FEASIBLE, True),
        (SolveStatus.INFEASIBLE, False),
        (SolveStatus.UNKNOWN, False),
    ],
)
def test_has_solution(status, has):
    assert status.has_solution is has


def test_unknown_value_is_refused():
    with pytest.raises(ValueError):
        SolveStatus("timeout")


def test_relative_gap_by_hand():
    from allocate.core.status import relative_gap

    assert relative_gap(110.0, 100.0) == 10.0 / 110.0
    assert relative_gap(100.0, 100.0) == 0.0
    assert relative_gap(100.0, 101.0) == 0.0  # a bound above the objective is no negative gap
    assert relative_gap(0.0, 0.0) == 0.0  # no division by zero
    assert math.isnan(relative_gap(100.0, float("-inf")))
    assert math.isnan(relative_gap(float("inf"), 3.0))
