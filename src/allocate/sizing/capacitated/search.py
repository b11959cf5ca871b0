"""Iterated location-allocation local search of the capacitated p-median (see the package docstring)."""

from __future__ import annotations

import logging
import time

import numpy as np

from allocate.sizing.capacitated.allocation import AllocationModel, regret_allocation
from allocate.sizing.capacitated.problem import CapacitatedProblem, Solution
from allocate.sizing.pmedian.heuristic import swap_deltas

logger = logging.getLogger(__name__)

#: Swaps evaluated exactly per local-search step (the best-scored ones).
_SWAPS_EVALUATED = 16
#: Closed candidates, nearest first, among which a perturbation picks a replacement median.
_PERTURB_NEIGHBOURS = 12
#: Perturbation rounds in a row without improvement after which the search gives up.
_STALL_ROUNDS = 30


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
        """:meth:`first_optimum` then :meth:`improve`.

        Parameters
        ----------
        starts
            Median sets to start from.
        target
            A lower bound: the search stops at a solution costing it.

        Returns
        -------
        Solution or None
            The best solution, ``None`` if no start is feasible.
        """
        best = self.first_optimum(starts, target)
        return None if best is None else self.improve(best, target)

    def first_optimum(self, starts: list[np.ndarray], target: float = -np.inf) -> Solution | None:
        """Best local optimum reached from the given median sets (``None`` if none is feasible).

        Starts after the first are skipped once a solution costs at most ``target`` (a lower
        bound).

        Parameters
        ----------
        starts
            Median sets to start from (already visited ones are skipped).
        target
            A lower bound on the optimal cost.

        Returns
        -------
        Solution or None
            The best local optimum, ``None`` if no start is feasible.
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

        Parameters
        ----------
        best
            The solution to perturb.
        target
            A lower bound on the optimal cost.

        Returns
        -------
        Solution
            The best solution found (``best`` if none is better).
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
        """Relocation and swap steps until neither improves.

        Parameters
        ----------
        solution
            A feasible solution.

        Returns
        -------
        Solution
            A local optimum for both moves (or the best reached by the deadline).
        """
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
        """Estimated cost change of closing ``medians[r]`` and opening ``j``, shape ``(p, m)``.

        The interchange estimate of the uncapacitated heuristic, where a client whose median
        closes goes to its cheapest other median with room for it (capacity of ``j`` ignored).
        """
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
        return swap_deltas(costs, medians, assignment, current, alternative)

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

