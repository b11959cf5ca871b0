r"""Allocation to fixed medians: the generalized assignment problem (GAP) of the capacitated p-median.

For a fixed set :math:`S` of open medians the best service is

.. math::

    \min \sum_{i \in I} \sum_{j \in S} c_{ij} x_{ij} \quad \text{s.t.} \quad
    \sum_{j \in S} x_{ij} = 1 \;(i \in I), \quad
    \sum_{i \in I} d_i x_{ij} \le Q_j \;(j \in S), \quad
    x_{k(j), j} = 1 \;(j \in S), \quad x \in \{0, 1\}

which is small (``n x p`` variables) and is solved exactly by CP-SAT with one worker and a
deterministic work limit (:class:`AllocationModel`), hinted with the incumbent's assignment.
A regret greedy (:func:`regret_allocation`) gives a quick feasible start.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from allocate.sizing.capacitated.problem import CapacitatedProblem
from allocate.solvers.cpsat.setup import new_solver

#: CP-SAT deterministic work units allowed for one allocation (GAP) solve.
_GAP_WORK = 2.0


def regret_allocation(problem: CapacitatedProblem, medians: np.ndarray) -> np.ndarray | None:
    """Regret-greedy assignment to fixed medians under capacity; ``None`` if it gets stuck.

    Co-located clients go to their medians first; then, repeatedly, the client with the largest
    difference between its second-cheapest and cheapest median with room left is served by the
    cheapest.

    Parameters
    ----------
    problem
        The instance.
    medians
        The open medians.

    Returns
    -------
    numpy.ndarray or None
        Candidate serving each client, or ``None`` when some client finds no room.
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

