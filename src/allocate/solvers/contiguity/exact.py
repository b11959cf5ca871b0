"""Exact contiguity of geographic territories: the CP-SAT assignment model plus a flow per seller.

The model is the assignment model of :mod:`allocate.solvers.problem`, built by
:class:`~allocate.solvers.cpsat.AssignmentModel`, with territories forced to be connected sets
of units by the single-commodity flow of :mod:`allocate.solvers.contiguity.flow`. The objective
and every other constraint are those of the assignment model, so the result is the best
contiguous alignment (optimal when CP-SAT proves it).

Warm start. CP-SAT (a few workers) rarely finds a contiguous alignment by itself within
seconds, so it gets a complete, feasible one: ``start_choice`` (usually the heuristic
repair's output) is made contiguous by
:func:`~allocate.solvers.contiguity.grow.grow_contiguous` (each seller keeps one piece
per graph component, freed units go one by one to an adjacent seller with room, the emptiest
first), polished by :func:`~allocate.solvers.contiguity.grow.improve_contiguous` (border moves that keep the giver connected),
and hinted in full, roots at the sellers' *base units* (the unit whose polygon contains the
base, else the nearest one) and flows along a spanning tree. When the start stays split the
hint covers only its consistent part (the largest piece of each territory).

Beyond :data:`EXACT_MAX_UNITS` units the flow model over every seller grows too large for the
time budgets of the product: :mod:`allocate.solvers.contiguity.lns` applies it to a few
neighbouring sellers at a time instead.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from allocate.solvers.budget import Clock, cpsat_det
from allocate.solvers.contiguity.flow import ContiguityFlow
from allocate.solvers.contiguity.graph import UnitGraph, split_sellers
from allocate.solvers.contiguity.grow import contiguous_starts
from allocate.solvers.cpsat import AssignmentModel, solve_model
from allocate.solvers.problem import AssignmentProblem, evaluate
from allocate.solvers.scaling import scales_for, snap

log = logging.getLogger(__name__)

#: Largest number of bundle-holding units for which the exact flow model is built.
EXACT_MAX_UNITS = 1000


@dataclass(frozen=True)
class ContiguousOutcome:
    """Result of the exact contiguous model.

    Attributes
    ----------
    choice
        The contiguous alignment (candidate entry per item): CP-SAT's, else the feasible
        contiguous warm start; ``None`` when neither exists.
    optimal
        CP-SAT proved the contiguous model optimal.
    objective, bound
        Its objective, and the best bound of the contiguous model (the objective when
        optimal).
    wall_s
        Wall time of the stage.
    """

    choice: NDArray[np.int64] | None
    optimal: bool
    objective: float
    bound: float
    wall_s: float


def solve_contiguous(
    problem: AssignmentProblem,
    graph: UnitGraph,
    start_choice: NDArray[np.int64] | None,
    time_limit_s: float,
    workers: int,
    seed: int,
    *,
    deterministic: bool = True,
    lower_bound: float = float("-inf"),
    clock: Clock | None = None,
) -> ContiguousOutcome:
    """Solve the assignment model with contiguous territories (see the module docstring).

    Parameters
    ----------
    problem
        The assignment problem of the geographic model.
    graph
        Its unit graph.
    start_choice
        A complete assignment used as warm start (candidate entry per bundle), or ``None``.
    time_limit_s, workers, seed
        Seconds the budgets are sized from, number of workers and random seed.
    deterministic
        Stop on deterministic budgets sized from ``time_limit_s`` (CP-SAT's deterministic
        time, a count of trial moves for the warm start), so that the same seed and worker
        count give the same alignment; the wall clock stays a safety net.
    clock
        The safety net (default: ``time_limit_s`` from now); a stop by its deadline is
        recorded on it.
    lower_bound
        A proven lower bound of the model *without* contiguity (e.g. the pipeline's): it
        also bounds the contiguous model, and lets CP-SAT stop once it reaches it.

    Returns
    -------
    ContiguousOutcome
        The best contiguous alignment found, and whether it is proven optimal.
    """
    t0 = time.perf_counter()
    clock = clock or Clock.after(time_limit_s, t0)
    scales = scales_for(problem)
    p = snap(problem, scales)
    if start_choice is not None:
        # on the snapped data, so that what the heuristics call feasible CP-SAT does too
        starts = contiguous_starts(p, graph, start_choice, min(0.3 * time_limit_s, 10.0) / 2, clock)
        if not split_sellers(graph.adj, graph.b_unit, p.seller[start_choice], graph.comp_of):
            # a contiguous start (e.g. annealed) is a candidate as it is: regrowing it may only
            # lose what the search before found
            starts.append(np.asarray(start_choice, dtype=np.int64))
        start_choice = min(starts, key=lambda c: _start_key(p, c))
        log.info("contiguous warm start: %s", evaluate(p, start_choice))
    model = AssignmentModel(p, scales, base=start_choice)
    flow = ContiguityFlow(model, graph)
    model.add_lower_bound(lower_bound)
    if start_choice is not None:
        broken = flow.hint(start_choice)
        log.info("contiguous model: warm start has %d non-contiguous territories", broken)
    log.info(
        "contiguous model: %d units, %d roots, %d flow arcs, %.2fs to build",
        len(flow.units),
        len(flow.r),
        len(flow.f),
        time.perf_counter() - t0,
    )
    search_s = time_limit_s - min(0.3 * time_limit_s, 10.0)
    det = cpsat_det(search_s) if deterministic else None
    wall = max(0.05, clock.left() if deterministic else min(search_s, clock.left()))
    out = solve_model(model, wall, workers, seed, det)
    if deterministic and out.clock_stopped:
        clock.fired("contiguity (exact model)")
    wall = time.perf_counter() - t0
    if out.choice is None:
        log.info("contiguous model: no solution in %.1fs (status %d)", wall, out.status)
        if start_choice is not None and evaluate(p, start_choice).feasible:
            # the contiguous warm start is a contiguous alignment too: better than none
            ev = evaluate(problem, start_choice)
            return ContiguousOutcome(start_choice, False, ev.objective, out.bound, wall)
        return ContiguousOutcome(None, False, float("nan"), out.bound, wall)
    optimal = out.status == cp_model.OPTIMAL
    log.info(
        "contiguous model: objective %.4f, bound %.4f, optimal %s, %.1fs",
        out.objective,
        out.bound,
        optimal,
        wall,
    )
    return ContiguousOutcome(
        out.choice, optimal, out.objective, out.objective if optimal else out.bound, wall
    )


def _start_key(p: AssignmentProblem, choice: NDArray[np.int64]) -> tuple[float, bool, float]:
    """Warm starts compare by overload, then feasibility, then objective."""
    ev = evaluate(p, choice)
    return (ev.overload, not ev.feasible, ev.objective)

