"""CP-SAT model of the (capacitated) p-median on the pairs that survive reduced-cost fixing."""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model


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
        """Start the search from a known solution.

        Parameters
        ----------
        medians
            Open medians of the solution.
        assignment
            Candidate serving each client.

        Returns
        -------
        None
        """
        open_set = set(medians.tolist())
        for j, var in enumerate(self.y):
            self.model.add_hint(var, j in open_set)
        for (i, j), var in self.x.items():
            self.model.add_hint(var, int(assignment[i]) == j)

    def solution(self, solver: cp_model.CpSolver) -> tuple[np.ndarray, np.ndarray]:
        """Open medians and assignment read from a solved model.

        Parameters
        ----------
        solver
            The solver that solved :attr:`model`.

        Returns
        -------
        tuple of numpy.ndarray
            The open medians and the candidate serving each client.
        """
        medians = np.array([j for j, var in enumerate(self.y) if solver.boolean_value(var)])
        assignment = np.full(self.costs.shape[0], -1)
        for (i, j), var in self.x.items():
            if solver.boolean_value(var):
                assignment[i] = j
        return medians, assignment

