"""Tests of the capacitated p-median local search and its allocation model."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from allocate import SolveStatus
from allocate.sizing import solve_pmedian
from allocate.sizing.capacitated import (
    AllocationModel,
    CapacitatedProblem,
    LocationAllocationSearch,
    knapsack_bound,
    knapsack_fixing,
    regret_allocation,
)


def _planar(n: int, seed: int, p: int, slack: int) -> CapacitatedProblem:
    """Square instance on random points: floor-Euclidean costs, tight equal capacities."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, size=(n, 2))
    costs = np.floor(np.linalg.norm(xy[:, None] - xy[None, :], axis=2)).astype(np.int64)
    demand = rng.integers(1, 10, size=n).astype(np.int64)
    capacity = np.full(n, int(np.ceil(demand.sum() / p)) + slack, dtype=np.int64)
    return CapacitatedProblem(costs, p, demand, capacity, np.arange(n))


def _best_allocation(problem: CapacitatedProblem, medians: tuple[int, ...]) -> float:
    """Optimal allocation cost to fixed medians by enumerating every assignment (inf if none)."""
    n = problem.costs.shape[0]
    choice = np.array(list(itertools.product(range(len(medians)), repeat=n)))
    served_by = np.asarray(medians)[choice]
    ok = np.ones(len(choice), dtype=bool)
    for k, j in enumerate(medians):
        ok &= (problem.demand * (choice == k)).sum(axis=1) <= problem.capacity[j]
        ok &= choice[:, problem.colocated[j]] == k  # an open median serves its own town
    if not ok.any():
        return np.inf
    return float(problem.costs[np.arange(n), served_by[ok]].sum(axis=1).min())


def _brute_force(problem: CapacitatedProblem) -> float:
    """Optimal capacitated value by enumerating median sets and assignments."""
    m = problem.costs.shape[1]
    return min(
        _best_allocation(problem, medians)
        for medians in itertools.combinations(range(m), problem.p)
    )


def _assert_feasible(problem: CapacitatedProblem, medians, assignment) -> None:
    medians, assignment = np.asarray(medians), np.asarray(assignment)
    assert len(set(medians.tolist())) == problem.p
    assert set(assignment.tolist()) <= set(medians.tolist())
    for j in medians:
        assert problem.demand[assignment == j].sum() <= problem.capacity[j]
        assert assignment[problem.colocated[j]] == j
    assert problem.is_feasible(medians, assignment)


def test_feasibility_check_catches_overload_and_missing_self_service():
    problem = _planar(6, 9, 2, 0)
    medians = np.array([0, 3])
    assignment = np.where(np.arange(6) < 3, 0, 3)
    overloaded = CapacitatedProblem(
        problem.costs, 2, problem.demand, np.full(6, 1, dtype=np.int64), problem.colocated
    )
    assert not overloaded.is_feasible(medians, assignment)
    roomy = CapacitatedProblem(
        problem.costs, 2, problem.demand, np.full(6, 100, dtype=np.int64), problem.colocated
    )
    assert roomy.is_feasible(medians, assignment)
    swapped = assignment.copy()
    swapped[3] = 0  # median 3 no longer serves its own town
    assert not roomy.is_feasible(medians, swapped)


@pytest.mark.parametrize(("seed", "p", "slack"), [(0, 3, 1), (1, 3, 3), (2, 2, 0)])
def test_solve_pmedian_capacitated_matches_brute_force(seed, p, slack):
    problem = _planar(9, seed, p, slack)
    optimum = _brute_force(problem)
    result = solve_pmedian(
        problem.costs.astype(float),
        p,
        demand=problem.demand,
        capacity=problem.capacity,
        time_limit_s=10,
    )
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == optimum
    _assert_feasible(problem, result.medians, result.assignment)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_local_search_alone_reaches_brute_force_optimum(seed):
    problem = _planar(9, seed, 3, 1)
    search = LocationAllocationSearch(problem, time.monotonic() + 10, seed=0, rounds=10)
    found = search.run([np.array([0, 1, 2])])
    assert found is not None
    assert found.cost == _brute_force(problem)
    assert found.cost == problem.cost_of(found.assignment)
    _assert_feasible(problem, found.medians, found.assignment)


def test_allocation_model_is_exact_and_honours_the_cutoff():
    problem = _planar(9, 3, 3, 0)
    model = AllocationModel(problem)
    medians = np.array([1, 4, 7])
    expected = _best_allocation(problem, (1, 4, 7))
    assert np.isfinite(expected)
    assignment = model.solve(medians, time.monotonic() + 10)
    assert assignment is not None
    assert problem.cost_of(assignment) == expected
    _assert_feasible(problem, medians, assignment)
    # Re-targeted at another median set, then asked for something strictly better than optimal.
    other = model.solve(np.array([0, 2, 5]), time.monotonic() + 10)
    assert other is not None
    assert problem.cost_of(other) == _best_allocation(problem, (0, 2, 5))
    assert model.solve(medians, time.monotonic() + 10, below=int(expected)) is None
    again = model.solve(medians, time.monotonic() + 10, hint=assignment, below=int(expected) + 1)
    assert again is not None and problem.cost_of(again) == expected


def test_allocation_model_reports_infeasible_median_sets():
    problem = _planar(8, 4, 2, 0)
    # Capacity of exactly one median short of the demand: nothing fits.
    tight = CapacitatedProblem(
        problem.costs, 2, problem.demand, problem.capacity // 3, problem.colocated
    )
    assert AllocationModel(tight).solve(np.array([0, 1]), time.monotonic() + 10) is None
    assert regret_allocation(tight, np.array([0, 1])) is None


def test_local_search_respects_capacity_and_self_service_on_a_larger_instance():
    problem = _planar(60, 5, 6, 2)
    search = LocationAllocationSearch(problem, time.monotonic() + 8, seed=0, rounds=5)
    start = np.arange(6)
    first = regret_allocation(problem, start)
    found = search.run([start])
    assert found is not None
    _assert_feasible(problem, found.medians, found.assignment)
    assert found.cost == problem.cost_of(found.assignment)
    if first is not None:  # the search never ends worse than its greedy start
        assert found.cost <= problem.cost_of(first)


def test_local_search_is_deterministic_for_a_seed():
    problem = _planar(40, 6, 4, 2)
    runs = [
        LocationAllocationSearch(problem, time.monotonic() + 30, seed=7, rounds=5).run(
            [np.arange(4)]
        )
        for _ in range(2)
    ]
    assert runs[0] is not None and runs[1] is not None
    assert runs[0].medians.tolist() == runs[1].medians.tolist()
    assert runs[0].assignment.tolist() == runs[1].assignment.tolist()


def test_non_square_capacitated_instance_without_colocated_clients():
    rng = np.random.default_rng(8)
    clients, sites = rng.uniform(0, 50, size=(25, 2)), rng.uniform(0, 50, size=(8, 2))
    cost = np.linalg.norm(clients[:, None] - sites[None, :], axis=2)  # fractional costs
    demand = rng.uniform(0.5, 3.0, size=25)
    capacity = demand.sum() / 3 * 1.15
    result = solve_pmedian(cost, 3, demand=demand, capacity=capacity, time_limit_s=10)
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    assignment = np.array(result.assignment)
    for j in result.medians:
        assert demand[assignment == j].sum() <= capacity + 1e-9
    assert set(result.assignment) <= set(result.medians)
    assert result.objective == pytest.approx(cost[np.arange(25), assignment].sum())


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
    problem = _planar(9, seed, 3, 0)
    optimum = _brute_force(problem)
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
    problem = _planar(9, 1, 3, 0)
    optimum = _brute_force(problem)
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
    problem = _planar(9, 2, 3, 0)
    optimum = _brute_force(problem)
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
        if optimum < _best_allocation(problem, s) < np.inf
    )
    incumbent = AllocationModel(problem).solve(worse, time.monotonic() + 10)
    assert incumbent is not None
    # Fixing against upper = optimum + 1 keeps whatever an optimal solution uses...
    allowed, closed, _ = knapsack_fixing(problem, result, optimum + 1, worse, incumbent)
    for medians in itertools.combinations(range(9), 3):
        if _best_allocation(problem, medians) == optimum:
            assert not closed[list(medians)].any()
    assert allowed[np.arange(9), found.assignment].all()
    # ...and removes something, else this test would not test anything.
    assert closed.any() or not allowed.all()


def test_big_capacitated_model_keeps_to_the_time_limit() -> None:
    # 900,000 pairs: building the exact CP-SAT model alone took ~35 s before the guard
    rng = np.random.default_rng(0)
    clients, towns = rng.random((600, 2)), rng.random((1500, 2))
    cost = np.hypot(*(clients[:, None, :] - towns[None, :, :]).transpose(2, 0, 1)) * 100
    start = time.monotonic()
    res = solve_pmedian(cost, 5, demand=np.ones(600), capacity=130.0, time_limit_s=2, workers=1)
    assert time.monotonic() - start < 10
    if res.medians:  # whatever was found is a real capacitated solution
        load = np.bincount(np.asarray(res.assignment), minlength=1500)
        assert load.max() <= 130 and set(np.flatnonzero(load)) <= set(res.medians)
