"""Integer data of a capacitated p-median and a solution of it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
        """Total cost of an assignment.

        Parameters
        ----------
        assignment
            Candidate index serving each client.

        Returns
        -------
        int
            ``sum_i costs[i, assignment[i]]``.
        """
        return int(self.costs[np.arange(self.costs.shape[0]), assignment].sum())

    def is_feasible(self, medians: np.ndarray, assignment: np.ndarray) -> bool:
        """Whether ``assignment`` uses only ``medians``, within capacity, with self-service.

        Parameters
        ----------
        medians
            The ``p`` open medians.
        assignment
            Candidate index serving each client.

        Returns
        -------
        bool
            ``True`` for a feasible solution.
        """
        if len(set(medians.tolist())) != self.p or not np.isin(assignment, medians).all():
            return False
        loads = np.bincount(assignment, weights=self.demand, minlength=self.capacity.size)
        if (loads > self.capacity).any():
            return False
        own = self.colocated[medians]
        return bool((assignment[own[own >= 0]] == medians[own >= 0]).all())


@dataclass(frozen=True)
class Solution:
    """A solution of a capacitated p-median.

    Attributes
    ----------
    medians
        Open medians, sorted.
    assignment
        Candidate serving each client.
    cost
        Total cost.
    """

    medians: np.ndarray
    assignment: np.ndarray
    cost: int

