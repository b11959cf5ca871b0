"""The CP-SAT model of the p-median on the pairs that survive fixing."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.sat.python import cp_model

from allocate.sizing.pmedian.model import PMedianModel
from allocate.solvers.cpsat.setup import new_solver
from tests.sizing.pmedian.cases import brute_force


def _solve(model: PMedianModel):
    solver = new_solver(10, 1, 0)
    status = solver.solve(model.model)
    return status, solver


def test_the_full_model_finds_the_brute_force_optimum() -> None:
    rng = np.random.default_rng(2)
    costs = rng.integers(1, 50, size=(8, 6)).astype(np.int64)
    model = PMedianModel(costs, 2, np.ones((8, 6), bool), np.zeros(6, bool), np.zeros(6, bool))
    status, solver = _solve(model)
    assert status == cp_model.OPTIMAL
    medians, assignment = model.solution(solver)
    assert len(medians) == 2 and set(assignment.tolist()) <= set(medians.tolist())
    assert solver.objective_value == pytest.approx(brute_force(costs.astype(float), 2))


def test_fixings_capacity_and_self_service_hold() -> None:
    # clients at 0, 1, 2, 3 on a line, every one a candidate; capacity 2 clients per median
    costs = np.abs(np.subtract.outer(np.arange(4), np.arange(4))).astype(np.int64)
    closed = np.array([True, False, False, False])
    model = PMedianModel(
        costs, 2, np.ones((4, 4), bool), closed, np.zeros(4, bool),
        demand=np.ones(4, np.int64), capacity=np.full(4, 2, np.int64), colocated=np.arange(4),
    )  # fmt: skip
    model.add_hint(np.array([1, 3]), np.array([1, 1, 3, 3]))
    status, solver = _solve(model)
    assert status == cp_model.OPTIMAL
    medians, assignment = model.solution(solver)
    assert 0 not in medians.tolist()
    assert all(assignment[j] == j for j in medians)  # an open median serves its own town
    assert max(np.bincount(assignment, minlength=4)) <= 2
    assert solver.objective_value == 2  # e.g. {1, 2}: 0 -> 1 and 3 -> 2
