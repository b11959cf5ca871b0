"""The capacitated p-median's data: costs of assignments and the feasibility check."""

from __future__ import annotations

import numpy as np

from allocate.sizing.capacitated.problem import CapacitatedProblem
from tests.sizing.capacitated.cases import planar


def test_cost_of_sums_the_chosen_pairs():
    costs = np.array([[0, 4, 9], [4, 0, 5], [9, 5, 0]], dtype=np.int64)
    problem = CapacitatedProblem(costs, 1, np.ones(3, np.int64), np.full(3, 3), np.arange(3))
    # everyone at candidate 1: 4 + 0 + 5
    assert problem.cost_of(np.array([1, 1, 1])) == 9
    assert problem.is_feasible(np.array([1]), np.array([1, 1, 1]))
    # capacity 2 cannot hold three clients of demand 1
    short = CapacitatedProblem(costs, 1, np.ones(3, np.int64), np.full(3, 2), np.arange(3))
    assert not short.is_feasible(np.array([1]), np.array([1, 1, 1]))


def test_feasibility_check_catches_overload_and_missing_self_service():
    problem = planar(6, 9, 2, 0)
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
