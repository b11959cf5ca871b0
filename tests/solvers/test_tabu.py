"""The tabu search for tight capacities: valid, reproducible, and optimal on small cases."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.solvers import Balance, evaluate
from allocate.solvers.heuristics import repair
from allocate.solvers.tabu import applies, tabu_search
from tests.solvers.test_pipeline import brute_force, dense_problem


def tight_problem(seed: int, n: int = 8, m: int = 3):
    """GAP-like, costs falling as loads rise (the hard 'type D' pattern), tight capacity."""
    rng = np.random.default_rng(seed)
    load = rng.integers(1, 20, size=(m, n))
    cost = 25 - load + rng.integers(0, 6, size=(m, n))
    cap = np.full(m, int(load.min(axis=0).sum() / m / 0.7) + 1)
    return dense_problem(cost, load, cap)


@pytest.mark.parametrize("seed", range(8))
def test_reaches_brute_force_optimum(seed):
    p = tight_problem(seed)
    best = brute_force(p)
    if not np.isfinite(best):
        pytest.skip("infeasible draw")
    start = np.array([int(p.indptr[i]) for i in range(p.n_items)])  # everything on seller 0
    choice, finished = tabu_search(p, start, iterations=3000, seed=seed)
    ev = evaluate(p, choice)
    assert finished
    assert ev.feasible
    assert ev.objective == pytest.approx(best)


def test_infeasible_start_comes_back_feasible_and_only_improves():
    p = tight_problem(3, n=30, m=5)
    start = np.array([int(p.indptr[i]) for i in range(p.n_items)])
    assert not evaluate(p, start).feasible
    choice, _ = tabu_search(p, start, iterations=2000, seed=0)
    ev = evaluate(p, choice)
    assert ev.feasible
    fixed = repair(p, start, rounds=6)
    if evaluate(p, fixed).feasible:
        again, _ = tabu_search(p, fixed, iterations=2000, seed=0)
        assert evaluate(p, again).objective <= evaluate(p, fixed).objective + 1e-9


def test_same_seed_same_result_and_locks_hold():
    p = tight_problem(5, n=30, m=5)
    fixed = np.full(p.n_items, -1)
    fixed[:4] = 2
    p = dense_problem(
        p.cost.reshape(p.n_items, -1).T, p.load.reshape(p.n_items, -1).T, p.capacity, fixed=fixed
    )
    start = repair(
        p, np.array([int(p.indptr[i]) + (2 if i < 4 else 0) for i in range(p.n_items)]), rounds=6
    )
    a, _ = tabu_search(p, start, iterations=1500, seed=7)
    b, _ = tabu_search(p, start, iterations=1500, seed=7)
    assert np.array_equal(a, b)
    assert (p.seller[a[:4]] == 2).all()


def test_applies_only_to_linear_objectives():
    p = tight_problem(0)
    assert applies(p)
    q = dense_problem(
        p.cost.reshape(p.n_items, -1).T, p.load.reshape(p.n_items, -1).T, p.capacity,
        balance_groups=(np.arange(3),), balances=(Balance("load", 0.1),),
    )  # fmt: skip
    assert not applies(q)
