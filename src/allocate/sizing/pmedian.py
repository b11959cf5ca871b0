"""p-median placement: where to base ``p`` sellers among candidate towns.

The engine runs in these stages, all on plain numpy arrays:

1. **Heuristic.** Greedy addition followed by a best-improvement vertex interchange
   (Teitz & Bart 1968, with the swap gains of every (insert, remove) pair evaluated at once by
   one matrix product, in the spirit of Whitaker's fast interchange).
2. **Lagrangian bound.** The assignment constraints are relaxed with multipliers ``u``; the
   subproblem is solved in closed form and the multipliers are improved by subgradient steps.
   The p-median has the integrality property for this relaxation, so the bound tends to the
   LP bound. Lagrangian solutions are repaired into new incumbents on the way.
   A local search from the Lagrangian solution at the best multipliers often finds the optimum.
   The uncapacitated bound is also a (weaker) bound of the capacitated problem.
3. **Capacitated search and bound** (capacitated only, :mod:`allocate.sizing.capacitated`):
   an iterated location-allocation local search started from the uncapacitated medians
   (exact allocations to fixed medians as small generalized assignment problems solved by
   CP-SAT, median relocation inside clusters, swap moves screened by an interchange estimate,
   seeded perturbations; at most ``_SEARCH_SHARE`` of the time limit), and a second
   Lagrangian bound that relaxes the assignment rows but keeps the capacities (one 0-1
   knapsack per candidate, by dynamic programming). That bound is far stronger than the
   uncapacitated one; the search stops as soon as it meets it.
4. **Reduced-cost fixing.** With the final multipliers, any median or client-median pair whose
   forced Lagrangian bound cannot beat the incumbent is removed. This usually leaves a few
   pairs per client. Capacitated: the knapsack bound's multipliers fix more medians closed.
5. **Lagrangian branch-and-bound** (uncapacitated only): depth-first branching on the medians,
   with warm-started subgradient bounds and reduced-cost fixing at every node. It closes the
   small LP gaps of instances with few medians, where CP-SAT's bound stalls. It may use
   ``_BNB_SHARE`` of the time limit.
6. **CP-SAT** solves the reduced model (:class:`PMedianModel`), hinted with the incumbent, for
   the time left. Besides an incumbent that meets a Lagrangian bound, it is the only stage
   that proves a capacitated solution optimal.

Costs are scaled to integers in one place (:func:`_integer_costs`); objective values reported
in :class:`PMedianResult` are recomputed from the caller's (unscaled) matrix.
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
from allocate.sizing.capacitated import (
    CapacitatedProblem,
    KnapsackBound,
    LocationAllocationSearch,
    knapsack_bound,
    knapsack_fixing,
    median_fixing,
)
from allocate.solvers.cpsat.setup import new_solver

__all__ = ["PMedianModel", "PMedianResult", "solve_pmedian"]

logger = logging.getLogger(__name__)

#: Factor applied to non-integer costs before rounding them for CP-SAT (1/1000 of a minute).
COST_SCALE = 1000
#: Factor applied to non-integer demands and capacities before rounding them.
DEMAND_SCALE = 1000
#: Objective values above this cannot be represented exactly by CP-SAT's double-based bound.
_MAX_EXACT = 2**53
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
#: Subgradient steps per branch-and-bound node (warm-started from the parent's multipliers).
_NODE_STEPS = 40
#: (client, candidate) pairs of the exact model built and presolved per second, about: a
#: capacitated model of 900,000 pairs took 35 s on the 2-core benchmark machine, an
#: uncapacitated one of 2.1 million pairs 150 s (both under load).
_CPSAT_PAIRS_PER_S = 25_000
#: Seconds kept back from CP-SAT's time limit for its shutdown and our bookkeeping.
_CPSAT_MARGIN_S = 1.5
#: Cost given to removed client-median pairs inside the Lagrangian.
_PROHIBITIVE = 1e12
#: Tolerance used when comparing Lagrangian (floating point) bounds with integer objectives.
_TOL = 1e-6


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


# --------------------------------------------------------------------------- data preparation


def _integer_costs(cost: np.ndarray) -> tuple[np.ndarray, int]:
    """Return ``(integer cost matrix, scale)``: the single place where costs become integers."""
    if np.all(np.equal(np.mod(cost, 1), 0)):
        scaled, scale = cost.astype(np.int64), 1
    else:
        scaled, scale = np.rint(cost * COST_SCALE).astype(np.int64), COST_SCALE
    worst = float(scaled.max(axis=1).sum())
    if worst >= _MAX_EXACT:
        logger.warning(
            "p-median costs reach %.3g after scaling by %d; CP-SAT bounds may be inexact",
            worst,
            scale,
        )
    return scaled, scale


def _integer_demand(demand: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Round demands and capacities to integers, scaling both when either is fractional."""
    if np.all(np.mod(demand, 1) == 0) and np.all(np.mod(capacity, 1) == 0):
        return demand.astype(np.int64), capacity.astype(np.int64)
    # Demands round up and capacities down, so a scaled solution stays feasible in real units.
    return (
        np.ceil(demand * DEMAND_SCALE - 1e-9).astype(np.int64),
        np.floor(capacity * DEMAND_SCALE + 1e-9).astype(np.int64),
    )


def _colocated_clients(n_clients: int, n_candidates: int, cost: np.ndarray) -> np.ndarray:
    """Client co-located with each candidate (-1 if none): the identity on a zero-diagonal square."""
    if n_clients == n_candidates and np.all(np.diag(cost) == 0):
        return np.arange(n_candidates)
    return np.full(n_candidates, -1)


# --------------------------------------------------------------------------- heuristic


def _assign(costs: np.ndarray, medians: np.ndarray) -> tuple[np.ndarray, float]:
    """Nearest-median assignment (candidate indices) and its total cost."""
    sub = costs[:, medians]
    pos = sub.argmin(axis=1)
    return medians[pos], float(sub[np.arange(costs.shape[0]), pos].sum())


def _greedy(costs: np.ndarray, p: int) -> np.ndarray:
    """Add, one at a time, the candidate that lowers the total cost most."""
    n, m = costs.shape
    nearest = np.full(n, np.inf)
    chosen: list[int] = []
    is_open = np.zeros(m, dtype=bool)
    for _ in range(p):
        totals = np.minimum(nearest[:, None], costs).sum(axis=0)
        totals[is_open] = np.inf
        j = int(totals.argmin())
        chosen.append(j)
        is_open[j] = True
        nearest = np.minimum(nearest, costs[:, j])
    return np.array(chosen)


def _interchange(costs: np.ndarray, medians: np.ndarray, deadline: float) -> np.ndarray:
    """Best-improvement swap local search; returns a swap-optimal set of medians.

    For every client ``i`` let ``d1`` and ``d2`` be its nearest and second-nearest open cost.
    Inserting ``j`` and removing median ``r`` changes the total by
    ``G_j + sum_{i served by r} (min(d2_i, c_ij) - min(d1_i, c_ij))`` with
    ``G_j = sum_i min(0, c_ij - d1_i)``; the second term for all (r, j) is one matrix product.
    """
    n, m = costs.shape
    medians = medians.copy()
    p = medians.size
    if p == m:
        return medians
    rows = np.arange(n)
    while time.monotonic() < deadline:
        sub = costs[:, medians]
        order = np.argsort(sub, axis=1, kind="stable")
        first = order[:, 0]
        d1 = sub[rows, first]
        d2 = sub[rows, order[:, 1]] if p > 1 else np.full(n, np.inf)
        gain = np.minimum(costs - d1[:, None], 0.0).sum(axis=0)
        loss = np.minimum(d2[:, None], costs) - np.minimum(d1[:, None], costs)
        served = np.zeros((p, n))
        served[first, rows] = 1.0
        delta = gain[None, :] + served @ loss
        delta[:, medians] = np.inf
        r, j = np.unravel_index(int(delta.argmin()), delta.shape)
        if not delta[r, j] < -_TOL:
            break
        medians[r] = j
    return medians


# --------------------------------------------------------------------------- Lagrangian bound


@dataclass(frozen=True)
class _Lagrangian:
    """Best Lagrangian bound found, its multipliers and the improved incumbent."""

    bound: float
    multipliers: np.ndarray
    medians: np.ndarray
    upper: float


def _lagrangian(
    costs: np.ndarray,
    p: int,
    medians: np.ndarray,
    deadline: float,
    closed: np.ndarray | None = None,
    start: np.ndarray | None = None,
) -> _Lagrangian:
    """Subgradient optimisation of the Lagrangian dual of the assignment constraints.

    ``L(u) = sum_i u_i + min_{|S| = p} sum_{j in S} rho_j`` with
    ``rho_j = sum_i min(0, c_ij - u_i)``. Costs are integers, so the search stops as soon as
    ``ceil(L) >= upper``. Removed pairs carry a prohibitive cost and ``closed`` candidates
    cannot be chosen, which is what makes later rounds stronger than the LP bound.
    """
    n, m = costs.shape
    _, best_ub = _assign(costs, medians)
    u = costs[:, medians].min(axis=1).astype(float) if start is None else start.copy()
    # every client pays at least its cheapest open pair: the bound when time is already out
    usable = costs if closed is None else costs[:, ~closed]
    best_lb = float(usable.min(axis=1).sum()) if usable.shape[1] else -np.inf
    best_u = u.copy()
    step_scale, stall, seen = 2.0, 0, set()
    for _ in range(3000):
        if time.monotonic() > deadline:
            break
        reduced = np.minimum(costs - u[:, None], 0.0)
        rho = reduced.sum(axis=0)
        if closed is not None:
            rho[closed] = np.inf
        chosen = np.argpartition(rho, p - 1)[:p] if p < m else np.arange(m)
        bound = float(u.sum() + rho[chosen].sum())
        if bound > best_lb + _TOL:
            best_lb, best_u, stall = bound, u.copy(), 0
        else:
            stall += 1
            if stall >= 25:
                step_scale, stall = step_scale / 2, 0
        key = hash(np.sort(chosen).tobytes())
        if key not in seen:
            seen.add(key)
            _, value = _assign(costs, chosen)
            if value < best_ub - _TOL:
                chosen = _interchange(costs, chosen, deadline)
                _, value = _assign(costs, chosen)
                if value < best_ub - _TOL:
                    medians, best_ub = chosen, value
                    logger.debug("Lagrangian repair found incumbent %.0f", value)
        if math.ceil(best_lb - _TOL) >= best_ub or step_scale < 1e-4:
            break
        covered = (reduced[:, chosen] < 0).sum(axis=1)
        subgradient = 1.0 - covered
        norm = float(subgradient @ subgradient)
        if norm == 0:
            best_lb = max(best_lb, bound)
            break
        u = u + step_scale * (best_ub - bound) / norm * subgradient
    return _Lagrangian(best_lb, best_u, medians, best_ub)


def _polish_from_dual(costs: np.ndarray, p: int, lag: _Lagrangian, deadline: float) -> np.ndarray:
    """Local search from the Lagrangian solution at the best multipliers; keep the better one."""
    rho = np.minimum(costs - lag.multipliers[:, None], 0.0).sum(axis=0)
    dual_set = _interchange(costs, np.argsort(rho, kind="stable")[:p], deadline)
    if _assign(costs, dual_set)[1] < lag.upper - _TOL:
        return dual_set
    return lag.medians


def _reduce(
    costs: np.ndarray,
    p: int,
    lag: _Lagrangian,
    incumbent: np.ndarray,
    assignment: np.ndarray,
    upper: float,
    nearest_rule: bool,
    prior_closed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reduced-cost fixing against ``upper``: keep what a strictly better solution may use.

    Returns ``(allowed pairs mask, fixed-closed mask, fixed-open mask)``. The incumbent's
    medians and pairs are always kept, so the reduced model still contains the incumbent.
    """
    n, m = costs.shape
    u = lag.multipliers
    gap_to = upper - 1 + _TOL  # integer costs: a better solution costs at most upper - 1
    reduced = costs - u[:, None]
    rho = np.minimum(reduced, 0.0).sum(axis=0)
    if prior_closed is not None:
        rho[prior_closed] = np.inf
    open_penalty, closed, fixed_open = median_fixing(rho, p, lag.bound, gap_to, incumbent)
    if prior_closed is not None:
        closed |= prior_closed
    allowed = lag.bound + np.maximum(reduced, 0.0) + open_penalty[None, :] <= gap_to
    allowed &= ~closed[None, :]
    if nearest_rule and fixed_open.any():
        # Uncapacitated: nobody is served farther than its nearest surely-open median.
        allowed &= costs <= costs[:, fixed_open].min(axis=1)[:, None]
    allowed[np.arange(n), assignment] = True
    return allowed, closed, fixed_open


@dataclass(frozen=True)
class _Search:
    """Outcome of the Lagrangian branch-and-bound."""

    medians: np.ndarray
    upper: float
    proven: bool
    nodes: int


def _branch_and_bound(
    costs: np.ndarray,
    p: int,
    allowed: np.ndarray,
    closed: np.ndarray,
    medians: np.ndarray,
    upper: float,
    multipliers: np.ndarray,
    deadline: float,
) -> _Search:
    """Depth-first branch-and-bound on the medians with Lagrangian bounds (uncapacitated).

    A node fixes some candidates open (1) or closed (-1). Its bound is the Lagrangian dual of
    the reduced problem restricted to those fixings, improved by a few subgradient steps from
    the parent's multipliers; the node is pruned once ``ceil(bound) >= upper``. At each node the
    Lagrangian set is evaluated (and improved by interchange when promising), reduced-cost
    fixing is repeated with the node's multipliers, and the search branches on the free chosen
    candidate with the most negative reduced cost: open first, then closed.
    """
    columns = np.flatnonzero(~closed)
    sub = np.where(allowed, costs, _PROHIBITIVE)[:, columns]
    width = columns.size
    best, nodes = medians.copy(), 0
    stack = [(np.zeros(width, dtype=np.int8), multipliers.copy())]
    while stack:
        if time.monotonic() > deadline:
            logger.info("p-median branch-and-bound stopped after %d nodes", nodes)
            return _Search(best, upper, False, nodes)
        state, u = stack.pop()
        nodes += 1
        bound, u, rho = _node_bound(sub, p, state, u, upper)
        if bound is None or math.ceil(bound - _TOL) >= upper:
            continue
        free = state == 0
        need = p - int((state == 1).sum())
        ranked = np.flatnonzero(free)[np.argsort(rho[free], kind="stable")]
        chosen = np.concatenate([np.flatnonzero(state == 1), ranked[:need]])
        candidate = columns[chosen]
        _, value = _assign(costs, candidate)
        if value < upper - _TOL:
            candidate = _interchange(costs, candidate, deadline)
            _, value = _assign(costs, candidate)
            if value < upper - _TOL:
                best, upper = candidate, value
                if math.ceil(bound - _TOL) >= upper:
                    continue
        state = _node_fixing(state, rho, ranked, need, bound, upper)
        free = state == 0
        need = p - int((state == 1).sum())
        if need < 0 or free.sum() < need:
            continue
        if need == 0 or free.sum() == need:  # the fixings leave a single completion
            leaf = columns[(state == 1) | (free & (need > 0))]
            _, value = _assign(costs, leaf)
            if value < upper - _TOL:
                best, upper = leaf, value
            continue
        in_chosen = [j for j in ranked[:need] if state[j] == 0] or list(np.flatnonzero(free))
        j = min(in_chosen, key=lambda k: rho[k])
        for side in (-1, 1):  # popped last-in first: open j, then closed j
            child = state.copy()
            child[j] = side
            stack.append((child, u))
    logger.info("p-median branch-and-bound proved optimality in %d nodes", nodes)
    return _Search(best, upper, True, nodes)


def _node_bound(
    sub: np.ndarray, p: int, state: np.ndarray, u: np.ndarray, upper: float
) -> tuple[float | None, np.ndarray, np.ndarray]:
    """Best Lagrangian bound of a node, its multipliers and reduced costs (None if infeasible)."""
    opened = np.flatnonzero(state == 1)
    free = state == 0
    need = p - opened.size
    if need < 0 or free.sum() < need:
        return None, u, np.zeros(0)
    best, best_u, scale, stall = -np.inf, u, 1.0, 0
    for _ in range(_NODE_STEPS):
        reduced = np.minimum(sub - u[:, None], 0.0)
        rho = reduced.sum(axis=0)
        ranked = np.where(free, rho, np.inf)
        picked = np.argpartition(ranked, need - 1)[:need] if need > 0 else opened[:0]
        chosen = np.concatenate([opened, picked])
        bound = float(u.sum() + rho[chosen].sum())
        if bound > best + _TOL:
            best, best_u, stall = bound, u, 0
        else:
            stall += 1
            if stall >= 5:
                scale, stall = scale / 2, 0
        if math.ceil(best - _TOL) >= upper:
            break
        subgradient = 1.0 - (reduced[:, chosen] < 0).sum(axis=1)
        norm = float(subgradient @ subgradient)
        if norm == 0:
            break
        u = u + scale * (upper - bound) / norm * subgradient
    rho = np.minimum(sub - best_u[:, None], 0.0).sum(axis=0)
    return best, best_u, rho


def _node_fixing(
    state: np.ndarray, rho: np.ndarray, ranked: np.ndarray, need: int, bound: float, upper: float
) -> np.ndarray:
    """Reduced-cost fixing inside a node: close or open the free medians that must be so."""
    if need <= 0 or ranked.size <= need:
        return state
    gap_to = upper - 1 + _TOL
    last, following = rho[ranked[need - 1]], rho[ranked[need]]
    state = state.copy()
    outside, inside = ranked[need:], ranked[:need]
    state[outside[bound + rho[outside] - last > gap_to]] = -1
    state[inside[bound - rho[inside] + following > gap_to]] = 1
    return state


# --------------------------------------------------------------------------- CP-SAT model


class PMedianModel:
    r"""CP-SAT model of the (capacitated) p-median on a reduced set of pairs.

    Sets: clients :math:`I`, candidates :math:`J`, allowed pairs :math:`A \subseteq I \times J`
    (what survives reduced-cost fixing), :math:`A_i = \{j : (i, j) \in A\}`.

    .. math::

        \min \; & \sum_{(i,j) \in A} c_{ij} x_{ij} \\
        \text{s.t.} \; & \sum_{j \in A_i} x_{ij} = 1 && \forall i \in I
            \quad \text{(every client served once)} \\
        & x_{ij} \le y_j && \forall (i, j) \in A \quad \text{(only by an open median)} \\
        & \sum_{j \in J} y_j = p && \text{(exactly p medians)} \\
        & \sum_{i : (i,j) \in A} d_i x_{ij} \le Q_j y_j && \forall j
            \quad \text{(capacity, if given)} \\
        & x_{k(j), j} \ge y_j && \forall j \text{ with a co-located client } k(j)
            \quad \text{(capacitated: a median serves itself)} \\
        & y_j = 0 \;(j \in F_0), \quad y_j = 1 \;(j \in F_1), \quad x, y \in \{0, 1\}

    :math:`F_0, F_1` are the medians fixed closed / open by reduced-cost fixing. Costs
    :math:`c` are the integer-scaled costs.

    Parameters
    ----------
    costs
        Integer ``(n_clients, n_candidates)`` cost matrix.
    p
        Number of medians.
    allowed
        Boolean mask of the pairs kept in the model.
    closed, fixed_open
        Boolean masks over candidates.
    demand, capacity
        Integer demands and per-candidate capacities, or ``None`` (uncapacitated).
    colocated
        Client co-located with each candidate, ``-1`` if none.
    """

    def __init__(
        self,
        costs: np.ndarray,
        p: int,
        allowed: np.ndarray,
        closed: np.ndarray,
        fixed_open: np.ndarray,
        demand: np.ndarray | None = None,
        capacity: np.ndarray | None = None,
        colocated: np.ndarray | None = None,
    ) -> None:
        self.costs = costs
        self.p = p
        self.model = cp_model.CpModel()
        n, m = costs.shape
        self.y = [self.model.new_bool_var(f"y{j}") for j in range(m)]
        rows, cols = np.nonzero(allowed)
        self.pairs = list(zip(rows.tolist(), cols.tolist(), strict=True))
        self.x = {(i, j): self.model.new_bool_var(f"x{i}_{j}") for i, j in self.pairs}
        self.by_client: list[list[int]] = [[] for _ in range(n)]
        self.by_median: list[list[int]] = [[] for _ in range(m)]
        for i, j in self.pairs:
            self.by_client[i].append(j)
            self.by_median[j].append(i)
        self._add_single_assignment()
        self._add_open_link()
        self._add_median_count()
        self._add_fixings(closed, fixed_open)
        if demand is not None and capacity is not None:
            self._add_capacity(demand, capacity)
            if colocated is not None:
                self._add_self_service(colocated)
        self._set_objective()

    def _add_single_assignment(self) -> None:
        """Every client is served by exactly one median."""
        for i, medians in enumerate(self.by_client):
            self.model.add_exactly_one(self.x[i, j] for j in medians)

    def _add_open_link(self) -> None:
        """A client can only be served by an open median."""
        # As linear rows (not clauses) so that CP-SAT's LP relaxation holds them.
        for (_, j), var in self.x.items():
            self.model.add(var <= self.y[j])

    def _add_median_count(self) -> None:
        """The number of sellers to base is given."""
        self.model.add(sum(self.y) == self.p)

    def _add_fixings(self, closed: np.ndarray, fixed_open: np.ndarray) -> None:
        """Reduced-cost fixing proved these medians closed/open in any better solution."""
        for j in np.flatnonzero(closed):
            self.model.add(self.y[int(j)] == 0)
        for j in np.flatnonzero(fixed_open):
            self.model.add(self.y[int(j)] == 1)

    def _add_capacity(self, demand: np.ndarray, capacity: np.ndarray) -> None:
        """A median serves at most its capacity of demand, and nothing when closed."""
        for j, clients in enumerate(self.by_median):
            if clients:
                load = sum(int(demand[i]) * self.x[i, j] for i in clients)
                self.model.add(load <= int(capacity[j]) * self.y[j])

    def _add_self_service(self, colocated: np.ndarray) -> None:
        """An open median serves its own town (and uses capacity for it)."""
        for j, k in enumerate(colocated.tolist()):
            if k < 0:
                continue
            if (k, j) in self.x:
                self.model.add_implication(self.y[j], self.x[k, j])
            else:
                self.model.add(self.y[j] == 0)

    def _set_objective(self) -> None:
        """Minimise the total (scaled) cost of serving the clients."""
        self.model.minimize(sum(int(self.costs[i, j]) * var for (i, j), var in self.x.items()))

    def add_hint(self, medians: np.ndarray, assignment: np.ndarray) -> None:
        """Start the search from a known solution."""
        open_set = set(medians.tolist())
        for j, var in enumerate(self.y):
            self.model.add_hint(var, j in open_set)
        for (i, j), var in self.x.items():
            self.model.add_hint(var, int(assignment[i]) == j)

    def solution(self, solver: cp_model.CpSolver) -> tuple[np.ndarray, np.ndarray]:
        """Open medians and assignment read from a solved model."""
        medians = np.array([j for j, var in enumerate(self.y) if solver.boolean_value(var)])
        assignment = np.full(self.costs.shape[0], -1)
        for (i, j), var in self.x.items():
            if solver.boolean_value(var):
                assignment[i] = j
        return medians, assignment


# --------------------------------------------------------------------------- entry point


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
    costs, scale = _integer_costs(cost)
    fcosts = costs.astype(float)
    colocated = _colocated_clients(n, m, cost)
    capacitated = capacity is not None
    int_demand = int_capacity = None
    if capacitated:
        raw_demand = np.ones(n) if demand is None else np.asarray(demand, dtype=float)
        raw_capacity = np.broadcast_to(np.asarray(capacity, dtype=float), (m,))
        int_demand, int_capacity = _integer_demand(raw_demand, raw_capacity)
        _check_total_capacity(int_demand, int_capacity, p)

    medians = _interchange(fcosts, _greedy(fcosts, p), deadline)
    lag = _lagrangian(fcosts, p, medians, deadline)
    medians = _polish_from_dual(fcosts, p, lag, deadline)
    assignment, upper = _assign(fcosts, medians)
    lower = math.ceil(lag.bound - _TOL)
    logger.info("p-median heuristic %.0f, Lagrangian bound %.2f", upper, lag.bound)

    problem: CapacitatedProblem | None = None
    knapsack: KnapsackBound | None = None
    if capacitated:
        assert int_demand is not None and int_capacity is not None
        problem = CapacitatedProblem(costs, p, int_demand, int_capacity, colocated)
        local_search = LocationAllocationSearch(
            problem, start + _SEARCH_SHARE * time_limit_s, seed=seed, rounds=_SEARCH_ROUNDS
        )
        local = local_search.first_optimum([medians, _greedy(fcosts, p)], target=lower)
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
                lower = max(lower, math.ceil(knapsack.bound - _TOL))
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
                    lower = max(lower, math.ceil(knapsack.bound - _TOL))
            medians, assignment = improved.medians, improved.assignment
            upper = float(improved.cost)
            if knapsack is not None:
                logger.info("capacitated Lagrangian bound %.2f", knapsack.bound)

    if lower >= upper:  # a Lagrangian bound (either one for the capacitated case) meets it
        return _result(cost, scale, SolveStatus.OPTIMAL, medians, assignment, lower, start)

    if math.isfinite(upper):
        allowed, closed, fixed_open = _reduce(
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
            search = _branch_and_bound(
                fcosts, p, allowed, closed, medians, upper, lag.multipliers,
                deadline=start + _BNB_SHARE * time_limit_s,
            )  # fmt: skip
            medians = search.medians
            assignment, upper = _assign(fcosts, medians)
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
        bound = max(lower, math.ceil(solver.best_objective_bound - _TOL))
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
