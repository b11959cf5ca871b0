"""Allocation to fixed medians: the exact GAP model and the regret greedy."""

from __future__ import annotations

import time

import numpy as np

from allocate.sizing.capacitated.allocation import AllocationModel, regret_allocation
from allocate.sizing.capacitated.problem import CapacitatedProblem
from tests.sizing.capacitated.cases import assert_feasible, best_allocation, planar


def test_regret_greedy_serves_the_client_with_most_to_lose_first():
    # medians 0 and 1 hold 2 demand each and serve themselves; clients 2 and 3 both prefer 0
    costs = np.array([[0, 9, 1, 2], [9, 0, 8, 3], [1, 8, 0, 9], [2, 3, 9, 0]], dtype=np.int64).T
    problem = CapacitatedProblem(costs, 2, np.ones(4, np.int64), np.array([2, 2, 9, 9]), np.arange(4))
    # client 2: 1 at median 0 vs 8 at median 1 (regret 7); client 3: 2 vs 3 (regret 1)
    assignment = regret_allocation(problem, np.array([0, 1]))
    assert assignment is not None
    assert assignment.tolist() == [0, 1, 0, 1]
    assert problem.cost_of(assignment) == 0 + 0 + 1 + 3


def test_allocation_model_is_exact_and_honours_the_cutoff():
    problem = planar(9, 3, 3, 0)
    model = AllocationModel(problem)
    medians = np.array([1, 4, 7])
    expected = best_allocation(problem, (1, 4, 7))
    assert np.isfinite(expected)
    assignment = model.solve(medians, time.monotonic() + 10)
    assert assignment is not None
    assert problem.cost_of(assignment) == expected
    assert_feasible(problem, medians, assignment)
    # Re-targeted at another median set, then asked for something strictly better than optimal.
    other = model.solve(np.array([0, 2, 5]), time.monotonic() + 10)
    assert other is not None
    assert problem.cost_of(other) == best_allocation(problem, (0, 2, 5))
    assert model.solve(medians, time.monotonic() + 10, below=int(expected)) is None
    again = model.solve(medians, time.monotonic() + 10, hint=assignment, below=int(expected) + 1)
    assert again is not None and problem.cost_of(again) == expected


def test_allocation_model_reports_infeasible_median_sets():
    problem = planar(8, 4, 2, 0)
    # Capacity of exactly one median short of the demand: nothing fits.
    tight = CapacitatedProblem(
        problem.costs, 2, problem.demand, problem.capacity // 3, problem.colocated
    )
    assert AllocationModel(tight).solve(np.array([0, 1]), time.monotonic() + 10) is None
    assert regret_allocation(tight, np.array([0, 1])) is None
