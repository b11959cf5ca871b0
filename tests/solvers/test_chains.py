"""Ejection chains: the hand-checked cases that no shift or swap can mend (a path through a
full seller, a cycle of three full sellers), and the rules every result keeps on random
problems."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from allocate.solvers import AssignmentProblem, evaluate
from allocate.solvers.chains import chains
from allocate.solvers.heuristics import improve
from allocate.solvers.swaps import balance_swaps
from tests.solvers.test_pipeline import brute_force
from tests.solvers.test_swaps import random_banded


def path_through_a_full_seller() -> AssignmentProblem:
    """Sellers 0, 1, 2 of 1 h; item 0 may go to seller 0 (cost 0) or 1 (cost 1), item 1 to
    seller 0 (cost 0) or 2 (cost 0.2), every load 1 h. From item 0 on seller 1 and item 1 on
    seller 0 (cost 1): item 0 cannot go to full seller 0 alone, item 1 alone to seller 2 costs
    more, and they cannot swap (item 1 may not go to seller 1). Item 1 to seller 2 and item 0
    to seller 0 together: 0.2."""
    return AssignmentProblem(
        capacity=np.ones(3),
        indptr=np.array([0, 2, 4]),
        seller=np.array([0, 1, 0, 2]),
        cost=np.array([0.0, 1.0, 0.0, 0.2]),
        load=np.ones(4),
    )


def three_full_sellers() -> AssignmentProblem:
    """Sellers 0, 1, 2 of 1 h, each holding one item of 1 h whose cheaper seller is the next
    one (cost 0 there, 1 where it is, and no third candidate): every shift overloads a
    seller, no two items may swap; the cycle 0 → 1 → 2 → 0 costs 0 against 3."""
    return AssignmentProblem(
        capacity=np.ones(3),
        indptr=np.array([0, 2, 4, 6]),
        seller=np.array([0, 1, 1, 2, 2, 0]),
        cost=np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0]),
        load=np.ones(6),
    )


@pytest.mark.parametrize(
    ("make", "start", "best"), [(path_through_a_full_seller, [1, 2], 0.2), (three_full_sellers, [0, 2, 4], 0.0)]
)
def test_a_chain_mends_what_no_shift_or_swap_can(make, start, best) -> None:
    p = make()
    start = np.array(start)
    assert evaluate(p, start).feasible
    assert improve(p, start).tolist() == start.tolist()
    assert balance_swaps(p, start, 1e6).tolist() == start.tolist()
    out = chains(p, start, 1e6)
    ev = evaluate(p, out)
    assert ev.feasible
    assert ev.objective == pytest.approx(brute_force(p)) == pytest.approx(best)


@pytest.mark.parametrize("seed", range(12))
def test_chains_never_worsen_and_keep_the_hard_rules(seed: int) -> None:
    p = random_banded(seed)
    p = replace(p, capacity=2.5 * p.capacity)  # today's alignment within capacity
    start = p.indptr[:-1].copy()  # everyone with today's seller: 0 moves
    before = evaluate(p, start)
    out = chains(p, start, max_work=1e6)
    after = evaluate(p, out)
    assert after.objective <= before.objective + 1e-9
    if before.feasible:
        assert after.feasible  # capacity kept on every seller a chain touches
        # and they do something: today's alignment of these draws is far from the best one
        assert after.objective < before.objective - 1e-6
    # budget 0: nothing moves
    assert chains(p, start, max_work=0).tolist() == start.tolist()


def test_nothing_under_a_move_cap_and_deterministic() -> None:
    p = random_banded(3, max_moves=3)
    start = p.indptr[:-1].copy()
    assert chains(p, start, 1e6).tolist() == start.tolist()
    q = random_banded(3)
    assert chains(q, start, 1e6).tolist() == chains(q, start, 1e6).tolist()
