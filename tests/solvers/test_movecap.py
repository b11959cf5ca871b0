"""The move cap restored by returning items to their sellers of today."""

from __future__ import annotations

import numpy as np

from allocate.solvers.movecap import restore_moves
from allocate.solvers.problem import AssignmentProblem, evaluate


def _problem(max_moves: int | None, capacity: float = 10.0) -> AssignmentProblem:
    # three items of one account each, all with seller 0 today; seller 1 is cheaper for all,
    # item 2 the most (returning it costs most)
    return AssignmentProblem(
        capacity=np.array([capacity, 10.0]),
        indptr=np.array([0, 2, 4, 6]),
        seller=np.array([0, 1, 0, 1, 0, 1]),
        cost=np.array([2.0, 1.0, 2.0, 1.5, 5.0, 1.0]),
        load=np.ones(6),
        current=np.array([0, 0, 0]),
        max_moves=max_moves,
    )


def test_cheapest_returns_first_until_the_cap_holds() -> None:
    p = _problem(max_moves=1)
    moved = np.array([1, 3, 5])  # everything on seller 1: 3 moves
    out = restore_moves(p, moved)
    ev = evaluate(p, out)
    assert ev.moves == 1 and ev.feasible
    assert out.tolist() == [2 * 0, 2 * 1, 5]  # items 1 (+0.5) and 0 (+1) return, item 2 (+4) stays
    assert moved.tolist() == [1, 3, 5]  # the input is not modified


def test_no_return_beyond_capacity_and_nothing_to_do_without_a_cap() -> None:
    p = _problem(max_moves=0, capacity=1.0)
    out = restore_moves(p, np.array([1, 3, 5]))
    assert evaluate(p, out).moves == 2  # only one item fits back on seller 0
    assert evaluate(p, out).overload == 0.0
    free = _problem(max_moves=None)
    assert restore_moves(free, np.array([1, 3, 5])).tolist() == [1, 3, 5]
