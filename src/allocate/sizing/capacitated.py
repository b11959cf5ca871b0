r"""Capacitated p-median: iterated location-allocation search and a knapsack Lagrangian bound.

Problem (integer data): clients :math:`I` with demands :math:`d_i`, candidates :math:`J` with
capacities :math:`Q_j`, costs :math:`c_{ij}`; open exactly ``p`` medians and serve every client
from one open median without exceeding its capacity. A median co-located with a client
(:math:`k(j)`) serves that client.

**Allocation.** For a fixed set :math:`S` of open medians the best service is a generalized
assignment problem (GAP)

.. math::

    \min \sum_{i \in I} \sum_{j \in S} c_{ij} x_{ij} \quad \text{s.t.} \quad
    \sum_{j \in S} x_{ij} = 1 \;(i \in I), \quad
    \sum_{i \in I} d_i x_{ij} \le Q_j \;(j \in S), \quad
    x_{k(j), j} = 1 \;(j \in S), \quad x \in \{0, 1\}

which is small (``n x p`` variables) and is solved exactly by CP-SAT with one worker and a
deterministic work limit (:class:`AllocationModel`), hinted with the incumbent's assignment.
A regret greedy (:func:`regret_allocation`) gives a quick feasible start.

**Local search** (:class:`LocationAllocationSearch`), from a solution ``(S, x)``:

1. *Relocation.* Each median moves to the candidate that serves its own cluster most cheaply
   (among candidates that can hold the cluster's demand and whose co-located client, if any,
   is in the cluster). Clusters are unchanged, so the solution stays feasible; the GAP is then
   re-solved for the new medians. Repeated while it improves.
2. *Swaps.* Closing median ``r`` and opening candidate ``j`` is scored for every pair at once
   with an interchange estimate: the clients of ``r`` go to ``j`` or to their cheapest other
   median that still has room for them, and any client closer to ``j`` than to its median
   moves there (capacity of ``j`` ignored). Only the best-scored few are evaluated exactly
   (GAP with the objective cut below the incumbent); the best improving one is applied and
   the search returns to step 1.
3. *Perturbation.* At a local optimum, a few medians of the best solution are swapped at
   random for nearby closed candidates (the cheapest ones for that median's cluster), the GAP
   gives the new allocation and steps 1-2 run again. The search keeps the best solution and
   stops after a given number of rounds, after ``_STALL_ROUNDS`` rounds without improvement,
   at a known lower bound, or at its deadline.

Median sets whose GAP could not beat a given cost are remembered with that cost and not
solved again against it. A GAP solve cut by its work limit (``_GAP_WORK``) counts as "no
better allocation", so the search is a heuristic even though each completed GAP is exact.

**Bound** (:func:`knapsack_bound`, :func:`knapsack_fixing`): relaxing "every client is
served once" with multipliers leaves one 0-1 knapsack per candidate (capacities kept), solved
by dynamic programming; subgradient steps improve the multipliers, and the final reduced
costs close candidates that cannot appear in a better solution.

Every random choice comes from one ``numpy`` generator seeded by the caller and every CP-SAT
call is single-threaded with a deterministic work limit, so the search is reproducible for a
given seed as long as the wall-clock deadline does not cut it short.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from allocate.solvers.cpsat.setup import new_solver

__all__ = [
    "AllocationModel",
    "CapacitatedProblem",
    "KnapsackBound",
    "LocationAllocationSearch",
    "Solution",
    "knapsack_bound",
    "knapsack_fixing",
    "regret_allocation",
]

logger = logging.getLogger(__name__)

#: CP-SAT deterministic work units allowed for one allocation (GAP) solve.
_GAP_WORK = 2.0
#: Swaps evaluated exactly per local-search step (the best-scored ones).
_SWAPS_EVALUATED = 16
#: Closed candidates, nearest first, among which a perturbation picks a replacement median.
_PERTURB_NEIGHBOURS = 12
#: Perturbation rounds in a row without improvement after which the search gives up.
_STALL_ROUNDS = 30
#: Largest ``clients x candidates x (capacity + 1)`` the knapsack dynamic programme handles.
_KNAPSACK_CELLS = 20_000_000
#: Subgradient steps without improvement before the knapsack bound halves its step.
_KNAPSACK_STALL = 20
#: Tolerance used when comparing floating-point Lagrangian bounds with integer costs.
_TOL = 1e-6


def median_fixing(
    rho: np.ndarray, p: int, bound: float, gap_to: float, incumbent: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Medians fixed by a Lagrangian bound whose median part picks the ``p`` smallest ``rho``.

    Opening a median outside the best ``p`` raises the bound by at least ``rho_j - rho_(p)``,
    and closing one inside by ``rho_(p+1) - rho_j``; when that pushes the bound past
    ``gap_to`` (the value a strictly better solution must reach), the median is fixed. The
    incumbent's medians are never closed. Returns ``(open penalty, closed, fixed open)``.
    """
    m = len(rho)
    order = np.argsort(rho, kind="stable")
    in_best = np.zeros(m, dtype=bool)
    in_best[order[:p]] = True
    r_p = rho[order[p - 1]]
    r_next = rho[order[p]] if p < m else np.inf
    in_incumbent = np.zeros(m, dtype=bool)
    in_incumbent[incumbent] = True
    open_penalty = np.where(in_best, 0.0, rho - r_p)
    closed = (bound + open_penalty > gap_to) & ~in_incumbent
    fixed_open = in_best & (bound - rho + r_next > gap_to) & in_incumbent
    return open_penalty, closed, fixed_open


@dataclass(frozen=True)
class CapacitatedProblem:
    """Integer data of a capacitated p-median.

    Attributes
    ----------
    costs
        Integer ``(n_clients, n_candidates)`` cost matrix.
    p
        Number of medians to open.
    demand
        Integer demand per client.
    capacity
        Integer capacity per candidate.
    colocated
        Client co-located with each candidate (it must be served there), ``-1`` if none.
    """

    costs: np.ndarray
    p: int
    demand: np.ndarray
    capacity: np.ndarray
    colocated: np.ndarray

    def cost_of(self, assignment: np.ndarray) -> int:
        """Total cost of an assignment (candidate index per client)."""
        return int(self.costs[np.arange(self.costs.shape[0]), assignment].sum())

    def is_feasible(self, medians: np.ndarray, assignment: np.ndarray) -> bool:
        """Whether ``assignment`` uses only ``medians``, within capacity, with self-service."""
        if len(set(medians.tolist())) != self.p or not np.isin(assignment, medians).all():
            return False
        loads = np.bincount(assignment, weights=self.demand, minlength=self.capacity.size)
        if (loads > self.capacity).any():
            return False
        own = self.colocated[medians]
        return bool((assignment[own[own >= 0]] == medians[own >= 0]).all())


@dataclass(frozen=True)
class Solution:
    """Open medians (sorted), the candidate serving each client, and the total cost."""

    medians: np.ndarray
    assignment: np.ndarray
    cost: int


# --------------------------------------------------------------------------- allocation


def regret_allocation(problem: CapacitatedProblem, medians: np.ndarray) -> np.ndarray | None:
    """Regret-greedy assignment to fixed medians under capacity; ``None`` if it gets stuck.

    Co-located clients go to their medians first; then, repeatedly, the client with the largest
    difference between its second-cheapest and cheapest median with room left is served by the
    cheapest.
    """
    costs, demand = problem.costs, problem.demand
    n = costs.shape[0]
    assignment = np.full(n, -1)
    left = problem.capacity.astype(np.int64).copy()
    for j in medians:
        k = problem.colocated[j]
        if k >= 0:
            if assignment[k] >= 0 or demand[k] > left[j]:
                return None
            assignment[k] = j
            left[j] -= demand[k]
    while (assignment < 0).any():
        todo = np.flatnonzero(assignment < 0)
        sub = costs[np.ix_(todo, medians)].astype(float)
        sub[demand[todo][:, None] > left[medians][None, :]] = np.inf
        ranked = np.sort(sub, axis=1)
        if not np.isfinite(ranked[:, 0]).all():
            return None
        second = ranked[:, 1] if ranked.shape[1] > 1 else np.full(len(todo), np.inf)
        regret = np.where(np.isfinite(second), second - ranked[:, 0], 1e18)
        pick = int(regret.argmax())
        i = int(todo[pick])
        j = int(medians[int(sub[pick].argmin())])
        assignment[i] = j
        left[j] -= demand[i]
    return assignment


class AllocationModel:
    """CP-SAT model of the GAP (module docstring) for ``p`` medians, re-targeted per median set.

    The variables, the one-median-per-client rows and the capacity rows do not depend on which
    medians are open, so the model is built once; each :meth:`solve` rewrites the objective
    coefficients, the capacity bounds, the self-service fixings, the objective cut-off and the
    hint in place, which is far cheaper than building a new model per median set.

    Parameters
    ----------
    problem
        The instance.
    seed
        CP-SAT random seed.
    """

    def __init__(self, problem: CapacitatedProblem, seed: int = 0) -> None:
        self.problem = problem
        self.seed = seed
        n, p = problem.costs.shape[0], problem.p
        self.model = cp_model.CpModel()
        # Variable x[i, col] has index i * p + col (created first, in this order).
        x = [self.model.new_bool_var(f"x{k}") for k in range(n * p)]
        for i in range(n):
            self.model.add_exactly_one(x[i * p : (i + 1) * p])
        demand = [int(d) for d in problem.demand]
        self._capacity_rows = [
            self.model.add(cp_model.LinearExpr.weighted_sum(x[col::p], demand) <= 0).index
            for col in range(p)
        ]
        placeholder = cp_model.LinearExpr.weighted_sum(x, [1] * (n * p))
        self._cutoff_row = self.model.add(placeholder <= n * p).index
        self.model.minimize(placeholder)
        # Every assignment costs within [floor, ceiling]: the cut-off row's default domain.
        self._floor = int(problem.costs.min(axis=1).sum())
        self._ceiling = int(problem.costs.max(axis=1).sum())
        self._fixed: list[int] = []

    def solve(
        self,
        medians: np.ndarray,
        deadline: float,
        hint: np.ndarray | None = None,
        below: int | None = None,
    ) -> np.ndarray | None:
        """Best assignment to the fixed ``medians`` found by CP-SAT.

        Parameters
        ----------
        medians
            The ``p`` open medians.
        deadline
            ``time.monotonic()`` value the solve must end by.
        hint
            Assignment to start from (it may break ``below``).
        below
            Only assignments costing less than this are wanted.

        Returns
        -------
        numpy.ndarray or None
            The best assignment found within the work limit, or ``None`` if none was found
            (the medians cannot serve the demand, nothing is below ``below``, or time ran out).
        """
        problem, proto = self.problem, self.model.proto
        n, p = problem.costs.shape[0], problem.p
        if below is not None and below <= self._floor:
            return None  # every client at its cheapest candidate is already not below
        coeffs = problem.costs[:, medians].ravel().tolist()
        proto.objective.coeffs.clear()
        proto.objective.coeffs.extend(coeffs)
        cutoff = proto.constraints[self._cutoff_row].linear
        cutoff.coeffs.clear()
        cutoff.coeffs.extend(coeffs)
        cutoff.domain.clear()
        cutoff.domain.extend([self._floor, self._ceiling if below is None else below - 1])
        for col, j in enumerate(medians.tolist()):
            row = proto.constraints[self._capacity_rows[col]].linear
            row.domain.clear()
            row.domain.extend([0, int(problem.capacity[j])])
        for index in self._fixed:
            proto.variables[index].domain.clear()
            proto.variables[index].domain.extend([0, 1])
        own = problem.colocated[medians]
        self._fixed = (own[own >= 0] * p + np.flatnonzero(own >= 0)).tolist()
        for index in self._fixed:
            proto.variables[index].domain.clear()
            proto.variables[index].domain.extend([1, 1])
        proto.clear_solution_hint()
        if hint is not None:
            chosen = (hint[:, None] == medians[None, :]).ravel()
            proto.solution_hint.vars.extend(range(n * p))
            proto.solution_hint.values.extend(chosen.astype(int).tolist())
        solver = new_solver(deadline - time.monotonic(), 1, self.seed, _GAP_WORK)
        params = solver.parameters
        # These models are small and dense and most solves end in a few milliseconds of search:
        # presolve, symmetry detection, probing and inprocessing cost more than they save
        # (together about 4x on pmedcap1).
        params.cp_model_presolve = False
        params.symmetry_level = 0
        params.cp_model_probing_level = 0
        params.use_sat_inprocessing = False
        status = solver.solve(self.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        values = np.asarray(list(solver.response_proto.solution))[: n * p].reshape(n, p)
        return medians[values.argmax(axis=1)]


# --------------------------------------------------------------------------- local search


class LocationAllocationSearch:
    """Iterated location-allocation search (module docstring).

    :meth:`run` does it all; :meth:`first_optimum` and :meth:`improve` let a caller compute a
    lower bound from the first local optimum and pass it on as the target of the rest.

    Parameters
    ----------
    problem
        The instance.
    deadline
        ``time.monotonic()`` value the search stops by.
    seed
        Seed of the perturbations and of the CP-SAT allocation solves.
    rounds
        Perturbation rounds after the first local optimum.
    """

    def __init__(
        self, problem: CapacitatedProblem, deadline: float, seed: int = 0, rounds: int = 30
    ) -> None:
        self.problem = problem
        self.deadline = deadline
        self.seed = seed
        self.rounds = rounds
        self.rng = np.random.default_rng(seed)
        self.fcosts = problem.costs.astype(float)
        self.allocator = AllocationModel(problem, seed)
        # Median sets whose allocation was shown to cost at least the given value.
        self._at_least: dict[bytes, int] = {}
        self._visited: set[bytes] = set()  # starting median sets

    # ----------------------------------------------------------------- driver

    def run(self, starts: list[np.ndarray], target: float = -np.inf) -> Solution | None:
        """:meth:`first_optimum` then :meth:`improve`; ``None`` if no start is feasible."""
        best = self.first_optimum(starts, target)
        return None if best is None else self.improve(best, target)

    def first_optimum(self, starts: list[np.ndarray], target: float = -np.inf) -> Solution | None:
        """Best local optimum reached from the given median sets (``None`` if none is feasible).

        Starts after the first are skipped once a solution costs at most ``target`` (a lower
        bound).
        """
        best: Solution | None = None
        for medians in starts:
            medians = np.sort(np.asarray(medians, dtype=np.int64))
            if self._out_of_time() or (best is not None and best.cost <= target):
                break
            if medians.tobytes() in self._visited:
                continue
            self._visited.add(medians.tobytes())
            found = self._start(medians)
            if found is not None:
                found = self.descend(found)
                if best is None or found.cost < best.cost:
                    best = found
        if best is not None:
            logger.info("capacitated local search: first local optimum %d", best.cost)
        return best

    def improve(self, best: Solution, target: float = -np.inf) -> Solution:
        """Perturbation rounds from ``best``.

        Stops early at a solution costing ``target``, or after ``_STALL_ROUNDS`` rounds in a
        row that did not improve.
        """
        last_gain = 0
        for round_ in range(self.rounds):
            if self._out_of_time() or best.cost <= target or round_ - last_gain >= _STALL_ROUNDS:
                break
            candidate = self._perturb(best)
            if candidate is None:
                continue
            candidate = self.descend(candidate)
            if candidate.cost < best.cost:
                logger.info("capacitated local search: round %d found %d", round_, candidate.cost)
                best, last_gain = candidate, round_
        return best

    def descend(self, solution: Solution) -> Solution:
        """Relocation and swap steps until neither improves."""
        while not self._out_of_time():
            solution = self._relocate_until_stable(solution)
            improved = self._best_swap(solution)
            if improved is None:
                break
            solution = improved
        return solution

    # ----------------------------------------------------------------- moves

    def _start(self, medians: np.ndarray) -> Solution | None:
        assignment = regret_allocation(self.problem, medians)
        better = self.allocator.solve(medians, self.deadline, hint=assignment)
        if better is not None:
            assignment = better
        if assignment is None:
            return None
        return Solution(medians, assignment, self.problem.cost_of(assignment))

    def _relocate_until_stable(self, solution: Solution) -> Solution:
        while not self._out_of_time():
            moved = self._relocate(solution)
            if moved is None:
                return solution
            improved = self._reallocate(moved.medians, moved.assignment, moved.cost)
            solution = improved if improved is not None else moved
        return solution

    def _relocate(self, solution: Solution) -> Solution | None:
        """Move each median to the cheapest site for its own cluster (``None`` if none moves)."""
        problem = self.problem
        assignment = solution.assignment.copy()
        is_open = np.zeros(problem.costs.shape[1], dtype=bool)
        is_open[solution.medians] = True
        moved = False
        for r in solution.medians.tolist():
            cluster = np.flatnonzero(assignment == r)
            load = int(problem.demand[cluster].sum())
            totals = self.fcosts[cluster].sum(axis=0)
            own = problem.colocated
            usable = (~is_open) & (problem.capacity >= load)
            usable &= (own < 0) | np.isin(own, cluster)
            usable[r] = True
            totals[~usable] = np.inf
            j = int(totals.argmin())
            if totals[j] < totals[r]:
                is_open[r], is_open[j] = False, True
                assignment[cluster] = j
                moved = True
        if not moved:
            return None
        medians = np.flatnonzero(is_open)
        return Solution(medians, assignment, problem.cost_of(assignment))

    def _reallocate(
        self, medians: np.ndarray, hint: np.ndarray | None, below: int
    ) -> Solution | None:
        """GAP for ``medians`` if it beats ``below`` (remembered when it does not)."""
        key = medians.tobytes()
        if self._at_least.get(key, -1) >= below:
            return None
        assignment = self.allocator.solve(medians, self.deadline, hint=hint, below=below)
        if assignment is None:
            self._at_least[key] = below
            return None
        return Solution(medians, assignment, self.problem.cost_of(assignment))

    def _swap_estimates(self, solution: Solution) -> np.ndarray:
        """Estimated cost change of closing ``medians[r]`` and opening ``j``, shape ``(p, m)``."""
        problem, costs = self.problem, self.fcosts
        n = costs.shape[0]
        rows = np.arange(n)
        medians, assignment = solution.medians, solution.assignment
        current = costs[rows, assignment]
        loads = np.bincount(assignment, weights=problem.demand, minlength=costs.shape[1])
        room = (problem.capacity - loads)[medians]
        sub = costs[:, medians].copy()
        sub[problem.demand[:, None] > room[None, :]] = np.inf
        sub[assignment[:, None] == medians[None, :]] = np.inf
        fallback = current + costs.max()  # no other median has room: an expensive ejection
        alternative = np.minimum(sub.min(axis=1), fallback)
        gain = np.minimum(costs - current[:, None], 0.0).sum(axis=0)
        loss = np.minimum(alternative[:, None], costs) - np.minimum(current[:, None], costs)
        served = (assignment[None, :] == medians[:, None]).astype(float)
        delta = gain[None, :] + served @ loss
        delta[:, medians] = np.inf
        return delta

    def _best_swap(self, solution: Solution) -> Solution | None:
        """Exact evaluation of the best-estimated swaps; the best improving one, if any."""
        delta = self._swap_estimates(solution)
        order = np.argsort(delta, axis=None, kind="stable")
        best: Solution | None = None
        evaluated = 0
        for flat in order.tolist():
            if evaluated >= _SWAPS_EVALUATED or self._out_of_time():
                break
            r, j = divmod(flat, delta.shape[1])
            if not np.isfinite(delta[r, j]):
                break
            medians = solution.medians.copy()
            medians[r] = j
            medians.sort()
            limit = solution.cost if best is None else best.cost
            if self._at_least.get(medians.tobytes(), -1) >= limit:
                continue
            evaluated += 1
            hint = solution.assignment.copy()
            hint[hint == solution.medians[r]] = j
            found = self._reallocate(medians, hint, limit)
            if found is not None:
                best = found
        return best

    def _perturb(self, solution: Solution) -> Solution | None:
        """Swap one to three random medians for random nearby closed candidates."""
        m = self.problem.costs.shape[1]
        medians = solution.medians.copy()
        is_open = np.zeros(m, dtype=bool)
        is_open[medians] = True
        count = int(self.rng.integers(1, min(3, medians.size) + 1))
        for pos in self.rng.choice(medians.size, size=count, replace=False).tolist():
            r = medians[pos]
            served = solution.assignment == r
            closeness = self.fcosts[served].sum(axis=0)
            closeness[is_open] = np.inf
            nearby = np.argsort(closeness, kind="stable")[:_PERTURB_NEIGHBOURS]
            nearby = nearby[np.isfinite(closeness[nearby])]
            if nearby.size == 0:
                continue
            j = int(self.rng.choice(nearby))
            is_open[r], is_open[j] = False, True
            medians[pos] = j
        medians.sort()
        return self._start(medians)

    def _out_of_time(self) -> bool:
        return time.monotonic() >= self.deadline


# --------------------------------------------------------------------------- knapsack bound


@dataclass(frozen=True)
class KnapsackBound:
    """Best Lagrangian bound with the assignment rows relaxed (see :func:`knapsack_bound`).

    Attributes
    ----------
    bound
        Lower bound on the optimal cost (a float; the optimum is at least its ceiling).
    multipliers
        Multipliers ``u`` of the assignment rows at the best bound.
    rho
        Knapsack value of every candidate at those multipliers (``inf``: it cannot open).
    """

    bound: float
    multipliers: np.ndarray
    rho: np.ndarray


def _knapsack_values(
    problem: CapacitatedProblem, u: np.ndarray, columns: np.ndarray
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Knapsack value of each candidate in ``columns`` and the DP's take decisions per client.

    ``rho_j = min sum_i (c_ij - u_i) z_i`` over ``z`` with ``sum_i d_i z_i <= Q_j`` and
    ``z_k(j) = 1``. ``dp[j, q]`` is the least reduced cost within capacity ``q``; clients with
    a non-negative reduced cost are never worth taking and are skipped.
    """
    costs, demand = problem.costs, problem.demand
    n = costs.shape[0]
    reduced = costs[:, columns] - u[:, None]
    own = problem.colocated[columns]
    has_own = own >= 0
    room = problem.capacity[columns] - np.where(has_own, demand[np.maximum(own, 0)], 0)
    width = int(max(room.max(), 0)) + 1
    dp = np.zeros((columns.size, width))
    decisions: list[tuple[np.ndarray, np.ndarray]] = []
    for i in range(n):
        w = reduced[i].copy()
        w[own == i] = 0.0  # the co-located client is forced in below
        active = np.flatnonzero(w < 0)
        di = int(demand[i])
        if active.size == 0 or di >= width:
            decisions.append((active[:0], np.zeros((0, width), dtype=bool)))
            continue
        block = dp[active]
        candidate = block[:, : width - di] + w[active, None]
        take = np.zeros(block.shape, dtype=bool)
        take[:, di:] = candidate < block[:, di:]
        block[:, di:] = np.where(take[:, di:], candidate, block[:, di:])
        dp[active] = block
        decisions.append((active, take))
    rho = np.full(columns.size, np.inf)
    ok = room >= 0
    forced = np.where(has_own, reduced[np.maximum(own, 0), np.arange(columns.size)], 0.0)
    rho[ok] = dp[ok, room[ok]] + forced[ok]
    return rho, decisions


def _knapsack_members(
    problem: CapacitatedProblem,
    column: int,
    candidate: int,
    decisions: list[tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """Clients taken by the knapsack of ``candidate`` (position ``column`` in the DP)."""
    demand, n = problem.demand, problem.costs.shape[0]
    k = int(problem.colocated[candidate])
    q = int(problem.capacity[candidate]) - (int(demand[k]) if k >= 0 else 0)
    members = np.zeros(n, dtype=bool)
    for i in range(n - 1, -1, -1):
        active, take = decisions[i]
        pos = np.searchsorted(active, column)
        if pos < active.size and active[pos] == column and take[pos, q]:
            members[i] = True
            q -= int(demand[i])
    if k >= 0:
        members[k] = True
    return members


def knapsack_bound(
    problem: CapacitatedProblem,
    upper: float,
    start: np.ndarray,
    deadline: float,
    max_steps: int = 600,
) -> KnapsackBound | None:
    r"""Lagrangian bound of the capacitated p-median, relaxing "every client served once".

    .. math::

        L(u) = \sum_i u_i + \min_{|S| = p} \sum_{j \in S} \rho_j(u), \qquad
        \rho_j(u) = \min \Big\{ \sum_i (c_{ij} - u_i) z_i :
            \sum_i d_i z_i \le Q_j, \; z_{k(j)} = 1, \; z \in \{0, 1\}^I \Big\}

    Each :math:`\rho_j` is a 0-1 knapsack solved by dynamic programming over the capacity
    (vectorised over candidates), and ``u`` is improved by subgradient steps towards
    ``upper``. Keeping the capacities in the subproblem makes this bound much stronger than the
    uncapacitated one. Returns ``None`` when the capacities are too large for the dynamic
    programme (``_KNAPSACK_CELLS``), e.g. for scaled fractional demands.
    """
    n, m = problem.costs.shape
    p = problem.p
    if n * m * (int(problem.capacity.max()) + 1) > _KNAPSACK_CELLS:
        return None
    everyone = np.arange(m)
    u = start.astype(float).copy()
    best: KnapsackBound | None = None
    step_scale, stall = 2.0, 0
    for _ in range(max_steps):
        if time.monotonic() > deadline:
            break
        rho, decisions = _knapsack_values(problem, u, everyone)
        chosen = np.argpartition(rho, p - 1)[:p] if p < m else everyone
        if not np.isfinite(rho[chosen]).all():
            return None  # fewer than p candidates can open at all: left to the exact stage
        value = float(u.sum() + rho[chosen].sum())
        if best is None or value > best.bound + _TOL:
            best, stall = KnapsackBound(value, u.copy(), rho), 0
        else:
            stall += 1
            if stall >= _KNAPSACK_STALL:
                step_scale, stall = step_scale / 2, 0
        if np.ceil(best.bound - _TOL) >= upper or step_scale < 1e-3:
            break
        covered = np.zeros(n)
        for j in np.sort(chosen).tolist():  # columns are all candidates: column j is candidate j
            covered += _knapsack_members(problem, j, j, decisions)
        subgradient = 1.0 - covered
        norm = float(subgradient @ subgradient)
        if norm == 0:
            break
        u = u + step_scale * (upper - value) / norm * subgradient
    return best


def knapsack_fixing(
    problem: CapacitatedProblem,
    lagrangian: KnapsackBound,
    upper: float,
    medians: np.ndarray,
    assignment: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reduced-cost fixing with the knapsack bound against the integer incumbent ``upper``.

    Opening a candidate outside the best ``p`` raises the bound by at least
    ``rho_j - rho_(p)``; serving client ``i`` from ``j`` raises it by at least the positive part
    of ``c_ij - u_i`` (dropping ``i`` from that knapsack leaves a feasible one). Whatever
    would push the bound above ``upper - 1`` cannot appear in a strictly better solution.

    Returns
    -------
    tuple of numpy.ndarray
        ``(allowed pairs, closed candidates, fixed-open candidates)``; the incumbent's medians
        and pairs are always kept.
    """
    n, m = problem.costs.shape
    p, rho, bound = problem.p, lagrangian.rho, lagrangian.bound
    gap_to = upper - 1 + _TOL
    open_penalty, closed, fixed_open = median_fixing(rho, p, bound, gap_to, medians)
    extra = np.maximum(problem.costs - lagrangian.multipliers[:, None], 0.0)
    own = problem.colocated
    extra[own[own >= 0], np.flatnonzero(own >= 0)] = 0.0
    allowed = bound + open_penalty[None, :] + extra <= gap_to
    allowed &= ~closed[None, :]
    allowed[np.arange(n), assignment] = True
    return allowed, closed, fixed_open
