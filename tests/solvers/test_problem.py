"""The assignment problem's checks and its float evaluation (the reference of every solver)."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.solvers.problem import (
    AssignmentProblem,
    Balance,
    band_deviation,
    evaluate,
    move_item,
    seller_totals,
)
from tests.solvers.cpsat.conftest import three_items


def test_defaults_and_candidates() -> None:
    p = three_items()
    assert (p.n_items, p.n_sellers, p.nnz) == (3, 2, 6)
    assert p.count.tolist() == [1, 1, 1] and p.fixed.tolist() == [-1, -1, -1]
    assert p.item_of.tolist() == [0, 0, 1, 1, 2, 2]
    assert p.candidate_index(2, 1) == 5
    one = AssignmentProblem(np.ones(2), np.array([0, 1]), np.array([1]), np.ones(1), np.ones(1))
    assert one.candidate_index(0, 0) == -1


def test_inconsistent_arrays_are_refused() -> None:
    with pytest.raises(ValueError, match="indptr"):
        AssignmentProblem(np.ones(2), np.array([0, 2]), np.array([0]), np.ones(1), np.ones(1))
    with pytest.raises(ValueError, match="out of range"):
        AssignmentProblem(np.ones(2), np.array([0, 1]), np.array([2]), np.ones(1), np.ones(1))
    with pytest.raises(ValueError, match="non-negative"):
        AssignmentProblem(np.ones(2), np.array([0, 1]), np.array([0]), np.ones(1), -np.ones(1))


def test_evaluate_cost_overload_and_moves() -> None:
    p = three_items(current=np.array([1, 1, -1]), move_weight=0.5)
    ev = evaluate(p, np.array([0, 2, 4]))  # everything to seller 0: 6 h on 4
    assert ev.cost == pytest.approx(5.0)
    assert ev.overload == pytest.approx(2.0) and not ev.feasible
    assert ev.moves == 2  # items 0 and 1 left seller 1
    assert ev.objective == pytest.approx(5.0 + 0.5 * 2)


def test_evaluate_locks_and_move_cap() -> None:
    assert not evaluate(three_items(fixed=np.array([1, -1, -1])), np.array([0, 2, 5])).feasible
    capped = three_items(current=np.array([1, 1, 1]), max_moves=1)
    assert not evaluate(capped, np.array([0, 2, 5])).feasible  # two moves
    assert evaluate(capped, np.array([0, 3, 5])).feasible


def test_band_deviation_by_hand() -> None:
    # equal capacities: mean 5 of (2, 8); a ±20 % band is [4, 6]: 2 below, 2 above
    assert band_deviation(np.array([2.0, 8.0]), np.array([1.0, 1.0]), 0.2) == pytest.approx(4.0)
    assert band_deviation(np.array([5.0, 5.0]), np.array([1.0, 1.0]), 0.0) == 0.0


def test_soft_balance_in_the_objective_and_hard_balance_in_feasibility() -> None:
    groups = (np.array([0, 1]),)
    soft = three_items(balances=(Balance("count", 0.0, weight=2.0),), balance_groups=groups)
    ev = evaluate(soft, np.array([0, 2, 5]))  # counts (2, 1) around 1.5: 0.5 off each
    assert ev.imbalance == pytest.approx(2.0 * 1.0)
    assert ev.objective == pytest.approx(4.0 + 2.0)
    hard = three_items(balances=(Balance("count", 0.0, hard=True),), balance_groups=groups)
    assert not evaluate(hard, np.array([0, 2, 5])).feasible


def test_seller_totals() -> None:
    p = three_items(count=np.array([1, 3, 2]))
    loads, counts = seller_totals(p, np.array([0, 2, 5]))  # items 0 and 1 to seller 0, item 2 to 1
    assert loads.tolist() == [4.0, 2.0] and counts.tolist() == [4.0, 2.0]
    loads, counts = seller_totals(p, np.array([1, 3, 5]))
    assert loads.tolist() == [0.0, 6.0] and counts.tolist() == [0.0, 6.0]


def test_move_item_updates_the_totals() -> None:
    p = AssignmentProblem(
        capacity=np.array([4.0, 4.0]),
        indptr=np.array([0, 2, 4, 6]),
        seller=np.array([0, 1, 0, 1, 0, 1]),
        cost=np.ones(6),
        load=np.array([2.0, 1.0, 2.0, 2.5, 2.0, 2.0]),
        count=np.array([1, 3, 2]),
    )
    choice = np.array([0, 2, 5])
    s_of = p.seller[choice]
    loads, counts = seller_totals(p, choice)
    move_item(p, choice, s_of, loads, counts, 0, 1)  # item 0 to seller 1 (its load there: 1)
    assert choice.tolist() == [1, 2, 5] and s_of.tolist() == [1, 0, 1]
    want_loads, want_counts = seller_totals(p, choice)
    assert loads.tolist() == want_loads.tolist() == [2.0, 3.0]
    assert counts.tolist() == want_counts.tolist() == [3.0, 3.0]


def test_moves_count_the_accounts_that_leave_their_seller_today() -> None:
    # item 0 bundles 3 accounts: 2 with seller 0 today, 1 with seller 1; item 1 has none
    from allocate.solvers.problem import AssignmentProblem, evaluate

    p = AssignmentProblem(
        capacity=np.array([10.0, 10.0]),
        indptr=np.array([0, 2, 4]),
        seller=np.array([0, 1, 0, 1]),
        cost=np.zeros(4),
        load=np.ones(4),
        count=np.array([3, 1]),
        stays=np.array([2, 1, 0, 0]),
        movable=np.array([3, 0]),
        move_weight=0.5,
    )
    assert p.entry_moves.tolist() == [1, 2, 0, 0]
    assert evaluate(p, np.array([0, 2])).moves == 1  # the account of seller 1 moves
    assert evaluate(p, np.array([1, 3])).moves == 2
    assert evaluate(p, np.array([1, 3])).objective == pytest.approx(1.0)
    # without stays, they follow ``current``: the whole item stays or moves
    q = AssignmentProblem(
        capacity=np.array([10.0, 10.0]), indptr=np.array([0, 2]), seller=np.array([0, 1]),
        cost=np.zeros(2), load=np.ones(2), count=np.array([3]), current=np.array([1]),
    )
    assert q.stays.tolist() == [0, 3] and q.movable.tolist() == [3]
    with pytest.raises(ValueError, match="stays"):
        AssignmentProblem(
            capacity=np.array([1.0]), indptr=np.array([0, 1]), seller=np.array([0]),
            cost=np.zeros(1), load=np.ones(1), stays=np.array([1, 1]),
        )
