"""One status enum for every solve."""

from __future__ import annotations

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
