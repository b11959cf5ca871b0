"""The knapsack Lagrangian bound of the capacitated p-median and its reduced-cost fixing."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from allocate.sizing.capacitated.allocation import AllocationModel
from allocate.sizing.capacitated.bound import knapsack_bound, knapsack_fixing
from allocate.sizing.capacitated.problem import CapacitatedProblem
from allocate.sizing.capacitated.search import LocationAllocationSearch
from tests.sizing.capacitated.cases import best_allocation, brute_force, planar


def _best_knapsack(problem: CapacitatedProblem, u: np.ndarray, j: int) -> float:
    """Knapsack value of candidate j by enumerating the subsets that contain its own client."""
    n = problem.costs.shape[0]
    best = np.inf
    for mask in itertools.product([0, 1], repeat=n):
        z = np.array(mask, dtype=bool)
        if z[problem.colocated[j]] and problem.demand[z].sum() <= problem.capacity[j]:
            best = min(best, float((problem.costs[z, j] - u[z]).sum()))
    return best


@pytest.mark.parametrize("seed", [0, 3])
def test_knapsack_bound_is_valid_and_its_knapsacks_exact(seed):
    problem = planar(9, seed, 3, 0)
    optimum = brute_force(problem)
    start = np.sort(problem.costs, axis=1)[:, 1].astype(float)
    result = knapsack_bound(problem, optimum, start, time.monotonic() + 10, max_steps=50)
    assert result is not None
    assert result.bound <= optimum + 1e-6
    for j in (0, 4, 8):
        assert result.rho[j] == pytest.approx(_best_knapsack(problem, result.multipliers, j))
    # The bound is the Lagrangian value at its own multipliers.
    value = result.multipliers.sum() + np.sort(result.rho)[: problem.p].sum()
    assert result.bound == pytest.approx(value)


def test_knapsack_bound_beats_the_uncapacitated_optimum_when_capacity_binds():
    problem = planar(9, 1, 3, 0)
    optimum = brute_force(problem)
    uncapacitated = min(
        float(problem.costs[:, list(s)].min(axis=1).sum())
        for s in itertools.combinations(range(9), 3)
    )
    assert optimum > uncapacitated  # capacities bind here
    start = np.sort(problem.costs, axis=1)[:, 1].astype(float)
    result = knapsack_bound(problem, optimum, start, time.monotonic() + 10)
    assert result is not None
    assert result.bound > uncapacitated + 1e-6


def test_knapsack_fixing_keeps_every_optimal_solution():
    problem = planar(9, 2, 3, 0)
    optimum = brute_force(problem)
    start = np.sort(problem.costs, axis=1)[:, 1].astype(float)
    result = knapsack_bound(problem, optimum + 1, start, time.monotonic() + 10)
    assert result is not None
    found = LocationAllocationSearch(problem, time.monotonic() + 10, seed=0, rounds=10).run(
        [np.array([0, 1, 2])]
    )
    assert found is not None and found.cost == optimum
    # A worse incumbent (its medians and pairs are always kept, so it must not be the optimum).
    worse = next(
        np.array(s)
        for s in itertools.combinations(range(9), 3)
        if optimum < best_allocation(problem, s) < np.inf
    )
    incumbent = AllocationModel(problem).solve(worse, time.monotonic() + 10)
    assert incumbent is not None
    # Fixing against upper = optimum + 1 keeps whatever an optimal solution uses...
    allowed, closed, _ = knapsack_fixing(problem, result, optimum + 1, worse, incumbent)
    for medians in itertools.combinations(range(9), 3):
        if best_allocation(problem, medians) == optimum:
            assert not closed[list(medians)].any()
    assert allowed[np.arange(9), found.assignment].all()
    # ...and removes something, else this test would not test anything.
    assert closed.any() or not allowed.all()
