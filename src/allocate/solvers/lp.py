"""LP relaxation of the assignment problem (OR-Tools GLOP): a lower bound and a fractional guide.

Same model as :mod:`allocate.solvers.problem` with ``0 <= x <= 1``. Its optimum is a valid lower
bound on the integer optimum (balance slacks are continuous in both).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.linear_solver import pywraplp

from .problem import AssignmentProblem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LpResult:
    feasible: bool
    optimal: bool
    bound: float
    x: NDArray[np.float64]  # one value per candidate entry
    wall_s: float


def lp_relaxation(problem: AssignmentProblem, time_limit_s: float = 60.0) -> LpResult:
    """Solve the LP relaxation with GLOP (primal simplex is reliable on these sparse GAPs)."""
    p = problem
    t0 = time.perf_counter()
    solver = pywraplp.Solver.CreateSolver("GLOP")
    assert solver is not None
    solver.SetTimeLimit(int(max(1.0, time_limit_s) * 1000))
    inf = solver.infinity()
    item_of = p.item_of
    ub = np.ones(p.nnz)
    locked = p.fixed[item_of] >= 0
    ub[locked & (p.seller != p.fixed[item_of])] = 0.0
    x = [solver.NumVar(0.0, float(u), "") for u in ub]

    for i in range(p.n_items):
        ct = solver.Constraint(1.0, 1.0)
        for e in range(int(p.indptr[i]), int(p.indptr[i + 1])):
            ct.SetCoefficient(x[e], 1.0)
    order = np.argsort(p.seller, kind="stable")
    splits = np.searchsorted(p.seller[order], np.arange(p.n_sellers + 1))
    by_seller = [order[splits[s] : splits[s + 1]] for s in range(p.n_sellers)]
    for s, es in enumerate(by_seller):
        if len(es) == 0:
            continue
        ct = solver.Constraint(-inf, float(p.capacity[s]))
        for e in es:
            ct.SetCoefficient(x[e], float(p.load[e]))
        if p.max_items[s] >= 0:
            cc = solver.Constraint(-inf, float(p.max_items[s]))
            for e in es:
                cc.SetCoefficient(x[e], float(p.count[item_of[e]]))
    objective = solver.Objective()
    cost = p.cost_weight * p.cost
    stay = (p.current[item_of] >= 0) & (p.seller == p.current[item_of])
    moves_const = float(p.count[p.current >= 0].sum())
    coef = cost - p.move_weight * np.where(stay, p.count[item_of], 0)
    for e in range(p.nnz):
        if coef[e]:
            objective.SetCoefficient(x[e], float(coef[e]))
    objective.SetOffset(p.move_weight * moves_const)
    if p.max_moves is not None:
        ct = solver.Constraint(moves_const - p.max_moves, inf)
        for e in np.flatnonzero(stay):
            ct.SetCoefficient(x[e], float(p.count[item_of[e]]))
    _balance(solver, p, x, by_seller, item_of)
    objective.SetMinimization()
    status = solver.Solve()
    wall = time.perf_counter() - t0
    if status == pywraplp.Solver.INFEASIBLE:
        return LpResult(False, True, float("inf"), np.zeros(p.nnz), wall)
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        log.warning("LP relaxation stopped with status %s", status)
        return LpResult(True, False, float("-inf"), np.zeros(p.nnz), wall)
    vals = np.array([v.solution_value() for v in x])
    bound = objective.Value() if status == pywraplp.Solver.OPTIMAL else float("-inf")
    return LpResult(True, status == pywraplp.Solver.OPTIMAL, float(bound), vals, wall)


def _balance(solver, p: AssignmentProblem, x, by_seller, item_of) -> None:
    """Balance bands with auxiliary per-seller totals q_s and group totals T (keeps rows sparse)."""
    inf = solver.infinity()
    for b in p.balances:
        if b.measure == "load":
            w = p.load
        elif b.measure == "potential":
            w = p.potential[item_of]
        else:
            w = p.count[item_of].astype(float)
        for g in p.balance_groups:
            if len(g) < 2:
                continue
            q = {}
            for s in g:
                q[int(s)] = solver.NumVar(0.0, inf, "")
                ct = solver.Constraint(0.0, 0.0)
                ct.SetCoefficient(q[int(s)], -1.0)
                for e in by_seller[int(s)]:
                    if w[e]:
                        ct.SetCoefficient(x[e], float(w[e]))
            total = solver.NumVar(0.0, inf, "")
            ct = solver.Constraint(0.0, 0.0)
            ct.SetCoefficient(total, -1.0)
            for v in q.values():
                ct.SetCoefficient(v, 1.0)
            share = p.capacity[g] / p.capacity[g].sum()
            for s, kappa in zip(g, share, strict=True):
                for sign, factor in ((1.0, 1 + b.tolerance), (-1.0, 1 - b.tolerance)):
                    ct = solver.Constraint(-inf, 0.0)
                    ct.SetCoefficient(q[int(s)], sign)
                    ct.SetCoefficient(total, -sign * factor * float(kappa))
                    if not b.hard:
                        slack = solver.NumVar(0.0, inf, "")
                        ct.SetCoefficient(slack, -1.0)
                        solver.Objective().SetCoefficient(slack, float(b.weight))
