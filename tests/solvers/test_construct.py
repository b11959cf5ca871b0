"""Feasibility first: capacity restored by shifts and ejection chains, on problems built so that
an assignment within capacity is known to exist (its feasibility checked by ``evaluate``)."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.solvers.budget import Clock
from allocate.solvers.construct import cheapest, restore_capacity
from allocate.solvers.problem import AssignmentProblem, evaluate, seller_totals


def planted(seed: int, n: int = 120, m: int = 8, k: int = 3, slack: float = 1.0) -> tuple[AssignmentProblem, np.ndarray]:
    """A sparse problem (``k`` candidates per item, seller-specific loads) whose capacities are
    exactly the loads of a hidden assignment times ``slack``; cheap sellers are few, so each
    item's cheapest choice overloads them. Returns the problem and the hidden choice."""
    rng = np.random.default_rng(seed)
    seller = np.concatenate([rng.choice(m, size=k, replace=False) for _ in range(n)])
    indptr = np.arange(0, (n + 1) * k, k)
    load = rng.integers(1, 6, size=n * k).astype(float)
    cost = rng.integers(1, 30, size=n * k).astype(float)
    cost[seller < 2] = 0.0  # sellers 0 and 1 are everybody's favourite
    hidden = indptr[:-1] + rng.integers(0, k, size=n)
    cap = np.bincount(seller[hidden], weights=load[hidden], minlength=m) * slack
    p = AssignmentProblem(capacity=cap, indptr=indptr, seller=seller, cost=cost, load=load)
    return p, hidden


@pytest.mark.parametrize("seed", range(12))
def test_restores_capacity_when_an_assignment_within_it_exists(seed: int) -> None:
    p, hidden = planted(seed, slack=1.05)
    assert evaluate(p, hidden).feasible  # the witness
    start = cheapest(p)
    assert not evaluate(p, start).feasible  # the favourites are overloaded
    out = restore_capacity(p, start, max_work=10**8)
    loads, _ = seller_totals(p, out)
    assert np.all(loads <= p.capacity + 1e-9), (loads - p.capacity).max()
    assert evaluate(p, out).feasible


def test_an_ejection_chain_clears_an_overload_no_single_shift_can() -> None:
    # seller 0 (cap 4) holds a0 and a1 (3 h each); they may go to seller 1 only, which is full
    # with b (4 h); b may go to seller 2 (empty). No shift lowers the overload (a0 on seller
    # 1 adds 3 h there for 2 h relieved); the chain a0 -> 1, b -> 2 ends it.
    p = AssignmentProblem(
        capacity=np.array([4.0, 4.0, 4.0]),
        indptr=np.array([0, 2, 4, 6]),
        seller=np.array([0, 1, 0, 1, 1, 2]),
        cost=np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]),
        load=np.array([3.0, 3.0, 3.0, 3.0, 4.0, 4.0]),
    )
    start = np.array([0, 2, 4])
    out = restore_capacity(p, start, max_work=10**6)
    assert evaluate(p, out).feasible
    assert sorted(p.seller[out].tolist()) == [0, 1, 2]


def test_locks_stay_and_account_limits_are_not_crossed() -> None:
    p, _ = planted(3, slack=1.1)
    rng = np.random.default_rng(0)
    start = cheapest(p)
    locked = rng.choice(p.n_items, size=10, replace=False)
    fixed = np.full(p.n_items, -1)
    fixed[locked] = p.seller[start[locked]]
    limit = np.full(p.n_sellers, p.n_items // 4)
    from dataclasses import replace

    q = replace(p, fixed=fixed, max_items=limit)
    out = restore_capacity(q, start, max_work=10**8)
    assert np.array_equal(q.seller[out[locked]], fixed[locked])
    _, counts = seller_totals(q, out)
    assert counts.max() <= limit.max()


def test_the_budget_and_the_clock_stop_it() -> None:
    p, _ = planted(5, n=400, m=10, slack=1.02)
    start = cheapest(p)
    # a tiny budget stops it early: fewer moves than with a large one
    small = restore_capacity(p, start, max_work=1)
    assert (small != start).sum() < (restore_capacity(p, start, max_work=10**8) != start).sum()
    # a deadline long gone (and no grace) stops it at once, and the stop is recorded
    clock = Clock(0.0)
    out = restore_capacity(p, start, max_work=10**8, clock=clock)
    assert np.array_equal(out, start)
    assert clock.stopped == ["capacity restoration"]


def test_same_input_same_output() -> None:
    p, _ = planted(7, slack=1.05)
    a = restore_capacity(p, cheapest(p), max_work=10**8)
    b = restore_capacity(p, cheapest(p), max_work=10**8)
    assert np.array_equal(a, b)
