"""Small capacitated p-median instances and their brute-force optima, shared by the capacitated tests."""

from __future__ import annotations

import itertools

import numpy as np

from allocate.sizing.capacitated.problem import CapacitatedProblem


def planar(n: int, seed: int, p: int, slack: int) -> CapacitatedProblem:
    """Square instance on random points: floor-Euclidean costs, tight equal capacities."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, size=(n, 2))
    costs = np.floor(np.linalg.norm(xy[:, None] - xy[None, :], axis=2)).astype(np.int64)
    demand = rng.integers(1, 10, size=n).astype(np.int64)
    capacity = np.full(n, int(np.ceil(demand.sum() / p)) + slack, dtype=np.int64)
    return CapacitatedProblem(costs, p, demand, capacity, np.arange(n))


def best_allocation(problem: CapacitatedProblem, medians: tuple[int, ...]) -> float:
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


def brute_force(problem: CapacitatedProblem) -> float:
    """Optimal capacitated value by enumerating median sets and assignments."""
    m = problem.costs.shape[1]
    return min(
        best_allocation(problem, medians)
        for medians in itertools.combinations(range(m), problem.p)
    )


def assert_feasible(problem: CapacitatedProblem, medians, assignment) -> None:
    medians, assignment = np.asarray(medians), np.asarray(assignment)
    assert len(set(medians.tolist())) == problem.p
    assert set(assignment.tolist()) <= set(medians.tolist())
    for j in medians:
        assert problem.demand[assignment == j].sum() <= problem.capacity[j]
        assert assignment[problem.colocated[j]] == j
    assert problem.is_feasible(medians, assignment)
