"""Swaps between neighbouring sellers: the hand-checked case where no shift helps, and the
rules every result keeps on random problems."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.solvers import AssignmentProblem, Balance, evaluate
from allocate.solvers.heuristics import improve
from allocate.solvers.swaps import applies, balance_swaps
from tests.solvers.test_pipeline import brute_force


def two_full_sellers() -> AssignmentProblem:
    """Two sellers of 4 h, full: seller 0 holds the two rich accounts (10k each), seller 1
    the two poor ones (0). Every item may go to either seller at the same cost and 2 h of load.
    The potential band (±10 %, 1 per 1,000 €) costs 2 × 9k: 18 now, 0 after one swap."""
    return AssignmentProblem(
        capacity=np.array([4.0, 4.0]),
        indptr=np.arange(0, 9, 2),
        seller=np.tile([0, 1], 4),
        cost=np.ones(8),
        load=np.full(8, 2.0),
        potential=np.array([10_000.0, 10_000.0, 0.0, 0.0]),
        balance_groups=(np.array([0, 1]),),
        balances=(Balance("potential", 0.1, weight=1e-3),),
    )


def test_a_swap_balances_two_full_sellers_where_no_shift_can() -> None:
    p = two_full_sellers()
    start = np.array([0, 2, 5, 7])  # rich items 0, 1 on seller 0; poor 2, 3 on seller 1
    assert evaluate(p, start).objective == pytest.approx(4 + 18)
    assert improve(p, start).tolist() == start.tolist()  # every shift overloads a seller
    out = balance_swaps(p, start, max_work=1e6)
    ev = evaluate(p, out)
    assert ev.feasible
    assert ev.objective == pytest.approx(brute_force(p)) == pytest.approx(4.0)
    assert sorted(p.seller[out].tolist()) == [0, 0, 1, 1]


def test_nothing_without_balance_groups() -> None:
    p = two_full_sellers()
    from dataclasses import replace

    q = replace(p, balance_groups=())
    assert not applies(q)
    start = np.array([0, 2, 5, 7])
    assert balance_swaps(q, start, 1e6).tolist() == start.tolist()


def random_banded(seed: int, **kw) -> AssignmentProblem:
    rng = np.random.default_rng(seed)
    n, m = 12, 4
    cand = [np.sort(rng.choice(m, size=3, replace=False)) for _ in range(n)]
    indptr = np.r_[0, np.cumsum([len(c) for c in cand])]
    nnz = int(indptr[-1])
    return AssignmentProblem(
        capacity=np.array([12.0, 10.0, 11.0, 9.0]),
        indptr=indptr,
        seller=np.concatenate(cand),
        cost=rng.integers(1, 6, nnz).astype(float),
        load=rng.integers(1, 5, nnz).astype(float),
        potential=rng.integers(0, 20_000, n).astype(float),
        current=np.array([c[0] for c in cand]),
        balance_groups=(np.arange(4),),
        balances=(Balance("load", 0.15, weight=2.0), Balance("potential", 0.3, weight=5e-4),
                  Balance("count", 0.2, weight=0.5)),
        move_weight=0.25,
        **kw,
    )


@pytest.mark.parametrize("seed", range(12))
def test_swaps_never_worsen_and_keep_the_hard_rules(seed: int) -> None:
    p = random_banded(seed, max_moves=3)
    start = p.indptr[:-1].copy()  # everyone with today's seller: 0 moves
    before = evaluate(p, start)
    out = balance_swaps(p, start, max_work=1e6)
    after = evaluate(p, out)
    assert after.objective <= before.objective + 1e-9
    assert after.moves <= 3
    if before.feasible:
        assert after.feasible  # capacity kept on every move
    # budget 0: nothing moves
    assert balance_swaps(p, start, max_work=0).tolist() == start.tolist()


def test_swaps_are_deterministic() -> None:
    p = random_banded(3)
    start = p.indptr[:-1].copy()
    assert balance_swaps(p, start, 1e6).tolist() == balance_swaps(p, start, 1e6).tolist()
