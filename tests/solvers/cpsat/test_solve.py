"""Solving the assignment model: one search, the deterministic portfolio, progress reports."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.sat.python import cp_model

from allocate.solvers.cpsat.model import AssignmentModel
from allocate.solvers.cpsat.solve import CpSatOutcome, _best_of, solve_model
from allocate.solvers.scaling import scales_for


def _model(p, **kw) -> AssignmentModel:
    return AssignmentModel(p, scales_for(p), **kw)


def test_the_hand_checked_optimum(problem) -> None:
    out = solve_model(_model(problem), 5.0, 1, 0)
    assert out.status == cp_model.OPTIMAL
    assert out.choice.tolist() == [0, 2, 5]
    assert out.objective == pytest.approx(4.0)
    assert out.bound == pytest.approx(4.0)


def test_fixed_items_are_copied_and_counted(problem) -> None:
    # items 0 and 1 fixed at seller 0; item 2 starts there too (over capacity) and must leave
    base = np.array([0, 2, 4])
    out = solve_model(_model(problem, free=np.array([2]), base=base), 5.0, 1, 0)
    assert out.choice.tolist() == [0, 2, 5]
    assert out.objective == pytest.approx(4.0)  # fixed items' cost included


def test_a_light_presolve_still_solves_a_neighbourhood(problem) -> None:
    # the LNS's neighbourhoods skip inclusion detection and probing (seconds on fr-national)
    base = np.array([0, 2, 4])
    out = solve_model(_model(problem, free=np.array([1, 2]), base=base), 5.0, 1, 0, 1.0, light_presolve=True)
    assert out.status == cp_model.OPTIMAL
    assert out.choice.tolist() == [0, 2, 5]
    assert out.objective == pytest.approx(4.0)


def test_the_deterministic_portfolio_is_reproducible(problem) -> None:
    outs = [solve_model(_model(problem), 5.0, 2, 3, deterministic_time=1.0) for _ in range(2)]
    assert all(o.status == cp_model.OPTIMAL for o in outs)
    assert outs[0].choice.tolist() == outs[1].choice.tolist() == [0, 2, 5]


def test_progress_reports_improving_objectives(problem) -> None:
    seen: list[float] = []
    out = solve_model(_model(problem, base=np.array([1, 3, 4])), 5.0, 1, 0, on_solution=seen.append)
    assert seen and seen[-1] == pytest.approx(out.objective)
    assert seen == sorted(seen, reverse=True)


def _outcome(status, objective, bound, choice=True) -> CpSatOutcome:
    return CpSatOutcome(status, np.zeros(1, dtype=np.int64) if choice else None, objective, bound, 1.0, 2.0)


def test_best_of_prefers_a_proof_then_the_lowest_objective() -> None:
    a = _outcome(cp_model.FEASIBLE, 5.0, 3.0)
    b = _outcome(cp_model.FEASIBLE, 4.0, 3.5)
    best = _best_of([a, b])
    assert best.objective == 4.0 and best.status == cp_model.FEASIBLE and best.bound == 3.5
    c = _outcome(cp_model.OPTIMAL, 4.5, 4.5)
    best = _best_of([b, c])
    assert best.objective == 4.5 and best.status == cp_model.OPTIMAL and best.bound == 4.5


def test_best_of_without_solution_keeps_an_infeasibility_proof() -> None:
    none = _outcome(cp_model.UNKNOWN, float("nan"), 1.0, choice=False)
    proof = _outcome(cp_model.INFEASIBLE, float("nan"), 2.0, choice=False)
    out = _best_of([none, proof])
    assert out.choice is None and out.status == cp_model.INFEASIBLE and out.bound == 2.0
