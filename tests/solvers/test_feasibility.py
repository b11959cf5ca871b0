"""Capacity shortfalls: the groups of items whose eligible sellers cannot carry them."""

from __future__ import annotations

import numpy as np

from allocate.solvers.feasibility import capacity_shortfalls
from allocate.solvers.problem import AssignmentProblem
from tests.solvers.cpsat.conftest import three_items


def test_enough_capacity_no_shortfall() -> None:
    assert capacity_shortfalls(three_items()) == []


def test_a_group_short_of_capacity() -> None:
    # 3 items of at least 2 h on 2 + 2 h of capacity
    short = capacity_shortfalls(three_items(capacity=(2.0, 2.0)))
    assert len(short) == 1
    assert short[0].demand_h == 6.0 and short[0].capacity_h == 4.0


def test_items_without_seller_and_impossible_locks() -> None:
    # item "a" has no candidate
    p = AssignmentProblem(
        np.ones(2), np.array([0, 0, 1]), np.array([0]), np.ones(1), np.ones(1), labels=("a", "b")
    )
    assert [s.group for s in capacity_shortfalls(p)] == ["a (no eligible seller)"]
    # the same with the item without candidate last (used to raise IndexError in reduceat)
    last = AssignmentProblem(
        np.ones(2), np.array([0, 1, 1]), np.array([0]), np.ones(1), np.ones(1), labels=("a", "b")
    )
    assert [s.group for s in capacity_shortfalls(last)] == ["b (no eligible seller)"]
    locked = three_items(fixed=np.array([-1, -1, 1]), capacity=(4.0, 1.0))
    groups = [s.group for s in capacity_shortfalls(locked)]
    assert "locked accounts of seller 1" in groups
