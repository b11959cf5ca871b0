"""The p-median entry point: :func:`solve_pmedian` runs the stages of :mod:`allocate.sizing.pmedian`.

One concept, the staging of a solve: each stage lives in its own module; this one shares the
time limit among them, keeps the incumbent and the best bound, and packages the result.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from allocate.core.errors import InfeasibleError, Shortfall
from allocate.core.status import SolveStatus
from allocate.sizing.capacitated.bound import KnapsackBound, knapsack_bound, knapsack_fixing
from allocate.sizing.capacitated.problem import CapacitatedProblem
from allocate.sizing.capacitated.search import LocationAllocationSearch
from allocate.sizing.pmedian.branch import branch_and_bound
from allocate.sizing.pmedian.fixing import reduced_cost_fixing
from allocate.sizing.pmedian.heuristic import interchange
from allocate.sizing.pmedian.lagrangian import lagrangian, polish_from_dual
from allocate.sizing.pmedian.model import PMedianModel
from allocate.sizing.pmedian.scaling import TOL, colocated_clients, integer_costs, integer_demand
from allocate.solvers.cpsat.setup import new_solver
from allocate.solvers.pmedian import assign, greedy

logger = logging.getLogger(__name__)

#: Share of the time limit the Lagrangian branch-and-bound may use before CP-SAT takes over.
_BNB_SHARE = 0.5
#: Share of the time limit the capacitated local search may use before CP-SAT takes over.
_SEARCH_SHARE = 0.5
#: Share of the time limit the capacitated (knapsack) Lagrangian bound may use at most.
_KNAPSACK_SHARE = 0.1
#: Subgradient steps refining the knapsack bound after the local search improved the incumbent.
_KNAPSACK_REFINE_STEPS = 200
#: Perturbation rounds of the capacitated local search (it stops earlier at its time share).
_SEARCH_ROUNDS = 60
#: (client, candidate) pairs of the exact model built and presolved per second, about: a
#: capacitated model of 900,000 pairs took 35 s on the 2-core benchmark machine, an
#: uncapacitated one of 2.1 million pairs 150 s (both under load).
_CPSAT_PAIRS_PER_S = 25_000
#: Seconds kept back from CP-SAT's time limit for its shutdown and our bookkeeping.
_CPSAT_MARGIN_S = 1.5


@dataclass(frozen=True)
class PMedianResult:
    """Solution of a p-median problem.

    Attributes
    ----------
    status
        Whether the solution is proven optimal.
    objective
        Total cost ``sum_i cost[i, assignment[i]]`` in the caller's units (``nan`` if none).
    best_bound
        Proven lower bound on the optimal cost, in the caller's units.
    gap
        ``(objective - best_bound) / max(|objective|, 1e-9)``; 0 when optimal.
    wall_s
        Wall-clock seconds spent in :func:`solve_pmedian`.
    medians
        Sorted candidate indices of the open medians.
    assignment
        ``assignment[i]`` is the candidate index that serves client ``i``.
    """

    status: SolveStatus
    objective: float
    best_bound: float
    gap: float
    wall_s: float
    medians: tuple[int, ...]
    assignment: tuple[int, ...]


def solve_pmedian(
    cost: np.ndarray,
    p: int,
    demand: np.ndarray | None = None,
    capacity: float | np.ndarray | None = None,
    time_limit_s: float = 60,
    workers: int = 2,
    seed: int = 0,
) -> PMedianResult:
    """Choose ``p`` medians among the candidates and serve every client from one of them.

    Parameters
    ----------
    cost
        ``(n_clients, n_candidates)`` matrix; ``cost[i, j]`` is the full cost of serving
        client ``i`` from candidate ``j`` (e.g. travel minutes times visits). When the matrix
        is square with a zero diagonal, client ``k`` and candidate ``k`` are the same place.
    p
        Number of medians to open, ``1 <= p <= n_candidates``.
    demand
        Client demands (default 1 each); only used by the capacity constraints.
    capacity
        Demand a median may serve: a scalar or one value per candidate. ``None`` means
        uncapacitated. With capacity, a median co-located with a client serves that client.
    time_limit_s
        Wall-clock limit for the whole solve. The best solution found is returned.
    workers
        CP-SAT workers of the final exact stage. The numpy stages are deterministic.
        Uncapacitated: with more than one worker CP-SAT runs with ``interleave_search``, so a
        solve that finishes within the time limit is reproducible for a given ``seed`` and
        ``workers``. Capacitated: the local search (single-threaded CP-SAT with deterministic
        work limits, seeded perturbations) is reproducible for a given ``seed`` when it
        completes its ``_SEARCH_ROUNDS`` rounds within ``_SEARCH_SHARE`` of the time limit
        (pmedcap1 at n=100 may not); the final CP-SAT stage then runs the parallel
        portfolio, which never returns a worse solution than the search's but, when the time
        limit stops it, may return a better one on some runs only.
    seed
        Seed of the capacitated local search and of CP-SAT.

    Returns
    -------
    PMedianResult
        Status, objective, proven bound, gap, time, medians and assignment.

    Raises
    ------
    InfeasibleError
        If the capacitated problem is proven infeasible.
    """
    start = time.monotonic()
    deadline = start + time_limit_s
    cost = np.asarray(cost, dtype=float)
    if cost.ndim != 2 or not np.all(np.isfinite(cost)):
        raise ValueError("cost must be a finite 2-D matrix")
    n, m = cost.shape
    if not 1 <= p <= m:
        raise ValueError(f"p={p} must lie in 1..{m} (number of candidates)")
    costs, scale = integer_costs(cost)
    fcosts = costs.astype(float)
    colocated = colocated_clients(n, m, cost)
    capacitated = capacity is not None
    int_demand = int_capacity = None
    if capacitated:
        raw_demand = np.ones(n) if demand is None else np.asarray(demand, dtype=float)
        raw_capacity = np.broadcast_to(np.asarray(capacity, dtype=float), (m,))
        int_demand, int_capacity = integer_demand(raw_demand, raw_capacity)
        _check_total_capacity(int_demand, int_capacity, p)

    medians = interchange(fcosts, greedy(fcosts, p), deadline)
    lag = lagrangian(fcosts, p, medians, deadline)
    medians = polish_from_dual(fcosts, p, lag, deadline)
    assignment, upper = assign(fcosts, medians)
    lower = math.ceil(lag.bound - TOL)
    logger.info("p-median heuristic %.0f, Lagrangian bound %.2f", upper, lag.bound)

    problem: CapacitatedProblem | None = None
    knapsack: KnapsackBound | None = None
    if capacitated:
        assert int_demand is not None and int_capacity is not None
        problem = CapacitatedProblem(costs, p, int_demand, int_capacity, colocated)
        local_search = LocationAllocationSearch(
            problem, start + _SEARCH_SHARE * time_limit_s, seed=seed, rounds=_SEARCH_ROUNDS
        )
        local = local_search.first_optimum([medians, greedy(fcosts, p)], target=lower)
        if local is None:
            assignment, upper = np.full(n, -1), math.inf
        else:
            # The capacitated bound lets the search stop as soon as it is met.
            knapsack = knapsack_bound(
                problem,
                local.cost,
                lag.multipliers,
                time.monotonic() + _KNAPSACK_SHARE * time_limit_s,
            )
            if knapsack is not None:
                lower = max(lower, math.ceil(knapsack.bound - TOL))
            improved = local_search.improve(local, target=lower)
            if knapsack is not None and lower < improved.cost < local.cost:
                # Restarted from its best multipliers (so never weaker): a better incumbent
                # steers the subgradient steps towards a tighter bound.
                refined = knapsack_bound(
                    problem,
                    improved.cost,
                    knapsack.multipliers,
                    time.monotonic() + _KNAPSACK_SHARE * time_limit_s,
                    max_steps=_KNAPSACK_REFINE_STEPS,
                )
                if refined is not None and refined.bound > knapsack.bound:
                    knapsack = refined
                    lower = max(lower, math.ceil(knapsack.bound - TOL))
            medians, assignment = improved.medians, improved.assignment
            upper = float(improved.cost)
            if knapsack is not None:
                logger.info("capacitated Lagrangian bound %.2f", knapsack.bound)

    if lower >= upper:  # a Lagrangian bound (either one for the capacitated case) meets it
        return _result(cost, scale, SolveStatus.OPTIMAL, medians, assignment, lower, start)

    if math.isfinite(upper):
        allowed, closed, fixed_open = reduced_cost_fixing(
            fcosts, p, lag, medians, assignment, upper, nearest_rule=not capacitated
        )
        if knapsack is not None:
            assert problem is not None
            more = knapsack_fixing(problem, knapsack, upper, medians, assignment)
            allowed &= more[0]
            closed |= more[1]
            fixed_open |= more[2]
        if not capacitated:
            # Small LP gaps with few medians are closed fastest by branching on Lagrangian bounds.
            search = branch_and_bound(
                fcosts, p, allowed, closed, medians, upper, lag.multipliers,
                deadline=start + _BNB_SHARE * time_limit_s,
            )  # fmt: skip
            medians = search.medians
            assignment, upper = assign(fcosts, medians)
            if search.proven:
                return _result(
                    cost, scale, SolveStatus.OPTIMAL, medians, assignment, upper, start
                )
            allowed[np.arange(n), assignment] = True
            closed[medians] = False
    else:
        allowed = np.ones((n, m), dtype=bool)
        closed = fixed_open = np.zeros(m, dtype=bool)
    logger.info(
        "p-median reduced model: %d of %d pairs, %d medians closed, %d open",
        int(allowed.sum()),
        n * m,
        int(closed.sum()),
        int(fixed_open.sum()),
    )
    pairs = int(allowed.sum())
    if pairs > _CPSAT_PAIRS_PER_S * (deadline - time.monotonic()):
        # building the exact model alone would overrun the limit: keep what the search found
        logger.info("no time left for the exact model on %d pairs", pairs)
        if math.isfinite(upper):
            return _result(cost, scale, SolveStatus.FEASIBLE, medians, assignment, lower, start)
        return PMedianResult(
            SolveStatus.UNKNOWN, math.nan, lower / scale, math.inf,
            time.monotonic() - start, (), (),
        )  # fmt: skip
    model = PMedianModel(costs, p, allowed, closed, fixed_open, int_demand, int_capacity, colocated)
    if math.isfinite(upper):
        model.add_hint(medians, assignment)

    # CP-SAT can overrun its limit by about a second on big models; keep that inside ours.
    solver = new_solver(max(0.1, deadline - time.monotonic() - _CPSAT_MARGIN_S), workers, seed)
    params = solver.parameters
    # Uncapacitated: CP-SAT only finishes what the branch-and-bound left, and interleaved
    # search keeps it reproducible. Capacitated: the parallel portfolio finds far better
    # solutions on pmedcap1, at the price of run-to-run variation when the time limit stops it.
    params.interleave_search = workers > 1 and not capacitated
    status = solver.solve(model.model)

    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found_medians, found_assignment = model.solution(solver)
        found = float(solver.objective_value)
        if found <= upper:
            medians, assignment, upper = found_medians, found_assignment, found
        bound = max(lower, math.ceil(solver.best_objective_bound - TOL))
        optimal = status == cp_model.OPTIMAL or bound >= upper
        kind = SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE
        return _result(cost, scale, kind, medians, assignment, min(bound, upper), start)
    if status == cp_model.INFEASIBLE:
        if math.isfinite(upper):  # nothing better than the incumbent exists
            return _result(cost, scale, SolveStatus.OPTIMAL, medians, assignment, upper, start)
        raise InfeasibleError(f"no placement of {p} medians satisfies the capacities")
    if math.isfinite(upper):
        return _result(cost, scale, SolveStatus.FEASIBLE, medians, assignment, lower, start)
    return PMedianResult(
        SolveStatus.UNKNOWN, math.nan, lower / scale, math.inf, time.monotonic() - start, (), ()
    )


def _check_total_capacity(demand: np.ndarray, capacity: np.ndarray, p: int) -> None:
    """Fail early when even the p largest capacities cannot hold the total demand."""
    total = int(demand.sum())
    best = int(np.sort(capacity)[::-1][:p].sum())
    if total > best:
        raise InfeasibleError(
            f"{p} medians cannot serve the demand",
            [Shortfall("all medians", float(total), float(best))],
        )


def _result(
    cost: np.ndarray,
    scale: int,
    status: SolveStatus,
    medians: np.ndarray,
    assignment: np.ndarray,
    bound: float,
    start: float,
) -> PMedianResult:
    """Package a solution, recomputing its objective from the caller's matrix."""
    objective = float(cost[np.arange(cost.shape[0]), assignment].sum())
    best_bound = min(bound / scale, objective)
    if status is SolveStatus.OPTIMAL:
        best_bound = objective if scale == 1 else best_bound
    gap = (objective - best_bound) / max(abs(objective), 1e-9)
    return PMedianResult(
        status=status,
        objective=objective,
        best_bound=best_bound,
        gap=max(gap, 0.0),
        wall_s=time.monotonic() - start,
        medians=tuple(sorted(int(j) for j in medians)),
        assignment=tuple(int(j) for j in assignment),
    )
