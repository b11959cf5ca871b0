"""Contiguous territories above the exact model's size: the exact flow model, a few sellers at a time.

Beyond :data:`~allocate.solvers.contiguity.exact.EXACT_MAX_UNITS` units the flow model of
:mod:`allocate.solvers.contiguity.exact` over every seller is too large for the product's
time budgets. This module keeps its formulation but applies it to neighbourhoods:

1. **Contiguous start.** The solver's alignment after the enclave repair of
   :mod:`allocate.solvers.contiguity.repair` (kept as it is when the repair left no split) is
   made contiguous by
   :func:`~allocate.solvers.contiguity.grow.grow_contiguous` (each seller keeps its heaviest
   piece per component of the unit graph; freed units go one by one to an adjacent seller with
   room) and polished by :func:`~allocate.solvers.contiguity.grow.improve_contiguous`
   (border moves that keep both territories connected). Both growth variants are tried and
   the start with the least overload, then the lowest objective, is kept.
2. **Neighbourhoods.** A seed seller (split or overloaded territories first, then a seeded
   random order) and up to ``group - 1`` sellers whose territories touch it. The bundles of
   these sellers are freed and may move among them only; every other bundle is fixed.
3. **Exact step.** The assignment model of the free bundles plus the single-commodity flow of
   each seller of the group (the formulation of :mod:`allocate.solvers.contiguity.exact`) is
   (:mod:`allocate.solvers.contiguity.flow`) solved by CP-SAT, hinted with the current
   alignment, on a deterministic budget. Inside a
   step each territory of the group is connected (per component of the unit graph), so a step
   can only remove splits; the territories outside the group do not change. The unit graph,
   its components and the sellers' base units
   (:class:`~allocate.solvers.contiguity.graph.UnitGraph`) are built once, by the caller, and
   shared by every step.
4. **Acceptance.** A step is kept when it lowers, in this order, the number of split
   territories, the capacity overload, or the objective (travel, balance, moves).

The result is not proven optimal (the bound reported stays the pipeline's), but every
territory the steps touched is connected, and the number of split territories only falls.
Territories that stay split are counted in the KPI ``non_contiguous_territories``.
"""

from __future__ import annotations

import logging
import time

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.budget import Clock, cpsat_det, lns_step_det
from allocate.solvers.contiguity.flow import ContiguityFlow
from allocate.solvers.contiguity.graph import (
    Adjacency,
    UnitGraph,
    split_sellers,
)
from allocate.solvers.contiguity.grow import BOTH_STARTS_S, contiguous_starts
from allocate.solvers.cpsat import STOP, AssignmentModel, solve_model
from allocate.solvers.problem import AssignmentProblem, evaluate
from allocate.solvers.scaling import scales_for, snap

log = logging.getLogger(__name__)

#: Sellers per neighbourhood (the seed and its neighbours).
GROUP = 2
#: Deterministic time per step (CP-SAT units).
STEP_DET = 1.0
#: Seconds that growing a contiguous start costs per unit holding accounts (the growth has no
#: budget of its own: about 2.3 ms per unit under a load of 2 on the reference machine);
#: taken off the search's budget so that the wall clock need not stop it.
GROW_S_PER_UNIT = 2.5e-3


def touching_sellers(
    adj: Adjacency, b_unit: NDArray[np.int64], b_seller: NDArray[np.int64], m: int
) -> list[list[int]]:
    """For each seller, the sellers whose territories share a unit border with it.

    Parameters
    ----------
    adj
        Neighbours of each unit.
    b_unit
        Unit of each item (``-1`` outside the graph).
    b_seller
        Seller of each item.
    m
        Number of sellers.

    Returns
    -------
    list of list of int
        Per seller, the other sellers owning a unit adjacent to (or shared with) one of its
        units, sorted.
    """
    owner: dict[int, set[int]] = {}
    for b in np.flatnonzero(b_unit >= 0):
        owner.setdefault(int(b_unit[b]), set()).add(int(b_seller[b]))
    touch: list[set[int]] = [set() for _ in range(m)]
    for u, us in owner.items():
        for v in adj[u]:
            for s in us:
                for t in owner.get(v, ()):
                    if s != t:
                        touch[s].add(t)
    return [sorted(t) for t in touch]


def contiguous_lns(
    problem: AssignmentProblem,
    graph: UnitGraph,
    start_choice: NDArray[np.int64],
    time_limit_s: float,
    seed: int = 0,
    deterministic: bool = True,
    clock: Clock | None = None,
) -> NDArray[np.int64]:
    """A contiguous alignment near ``start_choice``, improved by exact steps on a few sellers.

    Parameters
    ----------
    problem
        The assignment problem of the geographic model.
    graph
        Its unit graph, shared by every step.
    start_choice
        A complete assignment (candidate entry per bundle), e.g. the pipeline's after repair.
    time_limit_s
        Seconds the budgets are sized from: with ``deterministic`` the steps stop on a
        deterministic budget (:func:`~allocate.solvers.budget.cpsat_det`) and the warm start
        on a count of trial moves, so the same seed gives the same alignment.
    seed
        Seeds the neighbourhood order and the CP-SAT searches.
    deterministic
        Count the steps' deterministic time (else their wall time) against the budget.
    clock
        The wall-clock safety net (default: ``time_limit_s`` from now); a stop by its
        deadline is recorded on it.

    Returns
    -------
    NDArray[np.int64]
        The best alignment found: meeting the hard rules (capacity, hard bands, move cap)
        when the given one does, then fewest split territories, least overload, lowest
        objective.
    """
    t0 = time.perf_counter()
    clock = clock or Clock.after(time_limit_s, t0)
    deadline = clock.deadline
    scales = scales_for(problem)
    p = snap(problem, scales)
    b_unit, comp_of, adj = graph.b_unit, graph.comp_of, graph.adj
    # a start that the enclave repair made contiguous needs no grown one (growing costs
    # seconds per thousand units and cannot lower the splits below none)
    given = np.asarray(start_choice, dtype=np.int64)
    grow = bool(split_sellers(adj, b_unit, p.seller[given], comp_of))
    start_s = min(0.1 * time_limit_s, 5.0) if grow else 0.0
    starts = contiguous_starts(p, graph, start_choice, start_s, clock) if grow else []
    rng = np.random.default_rng(seed)

    def score(choice: NDArray[np.int64]) -> tuple[bool, int, float, float]:
        # hard rules first (a grown start may break a hard balance band): never traded for
        # contiguity; then split territories, overload, objective. On the real data, not the
        # snapped one: rounding may put a plan that meets every capacity a hair above one
        ev = evaluate(problem, choice)
        return (
            not ev.feasible,
            len(split_sellers(adj, b_unit, p.seller[choice], comp_of)),
            round(ev.overload, 9),
            ev.objective,
        )

    # the given alignment is a start too: when every grown start breaks a hard rule it meets
    scored = [(score(c), k) for k, c in enumerate([*starts, np.asarray(start_choice, dtype=np.int64)])]
    cur_score, k_best = min(scored)
    current = [*starts, np.asarray(start_choice, dtype=np.int64)][k_best]
    if log.isEnabledFor(logging.DEBUG):  # two full evaluations, for the log only
        for grown in starts:
            log.debug("contiguous start candidate: %s", evaluate(p, grown))
        log.debug("before contiguity: %s", evaluate(p, np.asarray(start_choice, dtype=np.int64)))
    log.info("contiguous LNS start: %d split, overload %.3f, objective %.4f", *cur_score[1:])
    grow_s = (
        GROW_S_PER_UNIT * len(np.unique(b_unit[b_unit >= 0])) * (2 if start_s >= BOTH_STARTS_S else 1)
        if grow
        else 0.0
    )
    det_budget = cpsat_det(max(0.0, time_limit_s - max(start_s, grow_s)))
    if not deterministic:
        det_budget = max(0.0, deadline - time.perf_counter())  # counted in wall seconds
    det_used = 0.0
    order = list(rng.permutation(p.n_sellers))
    step = 0
    while not STOP.is_set() and det_used < det_budget:
        if time.perf_counter() >= deadline - 0.2:
            if deterministic:
                clock.fired("contiguity (neighbourhood search)")
            break
        b_seller = p.seller[current]
        split = sorted(split_sellers(adj, b_unit, b_seller, comp_of))
        loads = np.bincount(b_seller, weights=p.load[current], minlength=p.n_sellers)
        over = [int(s) for s in np.flatnonzero(loads > p.capacity + 1e-9)]
        urgent = split + [s for s in over if s not in split]
        seed_seller = (
            int(urgent[step % len(urgent)])
            if urgent and step % 2 == 0
            else int(order[step % len(order)])
        )
        step += 1
        touch = touching_sellers(adj, b_unit, b_seller, p.n_sellers)[seed_seller]
        pick: list[int] = (
            sorted(rng.choice(len(touch), size=min(GROUP - 1, len(touch)), replace=False).tolist())
            if touch
            else []
        )
        group = np.array([seed_seller] + [touch[k] for k in pick], dtype=np.int64)
        free = np.flatnonzero(np.isin(b_seller, group) & (p.fixed < 0))
        if deterministic:  # the step's own work, counted whatever CP-SAT counts
            det_used += lns_step_det(len(free))
        if len(free) == 0:
            continue
        model = AssignmentModel(p, scales, free=free, base=current, sellers=group)
        ContiguityFlow(model, graph).hint(current)
        step_det = min(STEP_DET, det_budget - det_used)
        out = solve_model(
            model,
            max(0.05, min(deadline - time.perf_counter(), 1e9 if deterministic else 3 * STEP_DET)),
            1,
            seed + step,
            step_det if deterministic else None,
        )
        if deterministic and out.clock_stopped:
            clock.fired("contiguity (neighbourhood search)")
        det_used += out.det_time if deterministic else out.wall_s
        log.debug(
            "contiguous LNS step %d: group %s, %d free, status %d, objective %.4f, det %.2f",
            step,
            group.tolist(),
            len(free),
            out.status,
            out.objective,
            out.det_time,
        )
        if out.choice is None:
            continue
        new_score = score(out.choice)
        if new_score < cur_score:
            current, cur_score = out.choice, new_score
    log.info("contiguous LNS: %d steps, %d split, overload %.3f, objective %.4f", step, *cur_score[1:])
    return current

