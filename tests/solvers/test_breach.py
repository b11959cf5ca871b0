"""Tests of allocate.solvers.breach: how far an alignment breaks the hard rules, and the least."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocate.core.status import SolveStatus
from allocate.solvers.breach import Breach, breach, least_breaching
from allocate.solvers.pipeline import AssignmentSolution, _least_breaching
from allocate.solvers.problem import AssignmentProblem, Balance, evaluate


def _overloaded_today(max_moves: int = 1) -> AssignmentProblem:
    # four items of 1 h, all on seller 0 today (capacity 2 h), seller 1 has 3 h: capacity
    # needs 2 moves, the cap allows max_moves; seller 1 is cheaper for every item
    return AssignmentProblem(
        capacity=np.array([2.0, 3.0]),
        indptr=np.arange(0, 9, 2),
        seller=np.tile(np.arange(2), 4),
        cost=np.array([2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.5]),
        load=np.ones(8),
        current=np.zeros(4, dtype=np.int64),
        max_moves=max_moves,
    )


def _entries(sellers: list[int]) -> np.ndarray:
    """Candidate entries of _overloaded_today choosing ``sellers`` (entry 2i + s)."""
    return np.array([2 * i + s for i, s in enumerate(sellers)], dtype=np.int64)


def test_capacity_comes_before_the_cap_and_the_objective_last() -> None:
    p = _overloaded_today(max_moves=1)
    today = _entries([0, 0, 0, 0])  # 2 h over seller 0's capacity, within the cap
    one = _entries([1, 0, 0, 0])  # 1 h over, within the cap
    two = _entries([1, 1, 0, 0])  # capacity holds, one move over the cap
    two_dear = _entries([0, 0, 1, 1])  # the same breach, item 3's move is dearer (1.5)
    four = _entries([1, 1, 1, 1])  # seller 1 1 h over, three moves over the cap
    assert breach(p, today) == Breach(load=2.0)
    assert breach(p, one) == Breach(load=1.0)
    assert breach(p, two) == Breach(moves=1)
    assert breach(p, four) == Breach(load=1.0, moves=3)
    assert breach(p, two).rules() == ("move cap",) and breach(p, four).rules() == ("capacity", "move cap")
    chosen, broken = least_breaching(p, [today, four, two_dear, one, two])
    assert chosen is two and broken == Breach(moves=1)  # the cheaper of the two one move over
    assert evaluate(p, two).objective < evaluate(p, two_dear).objective
    # with a cap of 2 the same alignment breaks nothing
    assert breach(_overloaded_today(max_moves=2), two).none
    with pytest.raises(ValueError):
        least_breaching(p, [])


def test_locks_come_first() -> None:
    p = _overloaded_today(max_moves=4)
    locked = replace(p, fixed=np.array([0, -1, -1, -1]))
    off_lock = _entries([1, 1, 0, 0])  # capacity and cap hold, item 0 off its lock
    over = _entries([0, 0, 0, 1])  # item 0 locked where it is, seller 0 1 h over
    assert breach(locked, off_lock) == Breach(locks=1)
    assert least_breaching(locked, [off_lock, over])[0] is over


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=5, max_size=5), st.integers(0, 5), st.booleans())
def test_breaking_nothing_is_what_evaluate_calls_feasible(sellers, cap, band) -> None:
    # three sellers, five items with locks, account limits, a hard band and a cap
    p = AssignmentProblem(
        capacity=np.array([2.0, 2.5, 3.0]),
        indptr=np.arange(0, 16, 3),
        seller=np.tile(np.arange(3), 5),
        cost=np.arange(15, dtype=float),
        load=np.linspace(0.5, 1.2, 15),
        max_items=np.array([2, -1, 3]),
        fixed=np.array([-1, 1, -1, -1, -1]),
        current=np.array([0, 1, 2, 0, 1]),
        balance_groups=(np.arange(3),),
        balances=(Balance("count", 0.5, hard=True),) if band else (),
        max_moves=cap,
    )
    choice = np.array([3 * i + s for i, s in enumerate(sellers)], dtype=np.int64)
    broken = breach(p, choice)
    assert broken.none == evaluate(p, choice).feasible
    assert (broken.moves > 0) == (evaluate(p, choice).moves > cap)


def test_an_unknown_solve_returns_the_candidate_that_breaks_least() -> None:
    p = _overloaded_today(max_moves=1)
    far = _entries([1, 1, 1, 1])
    sol = AssignmentSolution(SolveStatus.UNKNOWN, far, evaluate(p, far).objective, 0.0, 0.0, 1.0, True, 0.0)
    kept = _least_breaching(p, sol, [_entries([0, 0, 0, 0]), _entries([1, 1, 0, 0])])
    assert kept.status is SolveStatus.UNKNOWN and kept.choice.tolist() == _entries([1, 1, 0, 0]).tolist()
    assert kept.objective == pytest.approx(evaluate(p, kept.choice).objective)
    # a candidate that breaks nothing on the real data makes the solve feasible
    loose = _overloaded_today(max_moves=2)
    assert _least_breaching(loose, sol, [_entries([1, 1, 0, 0])]).status is SolveStatus.FEASIBLE
    # a solve that found a valid alignment keeps it
    ok = AssignmentSolution(SolveStatus.FEASIBLE, far, 0.0, 0.0, 0.0, 1.0, True, 0.0)
    assert _least_breaching(p, ok, [_entries([1, 1, 0, 0])]) is ok
