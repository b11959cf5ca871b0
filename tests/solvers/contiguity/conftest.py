"""A path of five units: the smallest case with an enclave, for the repair and the warm starts."""

from __future__ import annotations

import numpy as np

from allocate.solvers.contiguity.graph import UnitGraph
from allocate.solvers.problem import AssignmentProblem

#: units 0 - 1 - 2 - 3 - 4 in a row, item u in unit u
PATH = [[1], [0, 2], [1, 3], [2, 4], [3]]


def path_problem(cap1: float = 10.0, cost1: dict[int, float] | None = None) -> AssignmentProblem:
    """Two sellers, every item a candidate of both, load 1 and cost 1 (seller 1: ``cost1[u]``)."""
    cost = np.ones((5, 2))
    for u, c in (cost1 or {}).items():
        cost[u, 1] = c
    return AssignmentProblem(
        capacity=np.array([10.0, cap1]),
        indptr=np.arange(0, 11, 2),
        seller=np.tile([0, 1], 5),
        cost=cost.reshape(-1),
        load=np.ones(10),
    )


def path_graph() -> UnitGraph:
    """Bases: seller 0 at unit 0, seller 1 at unit 3; centroids one apart on a line."""
    centroid = np.array([[float(u), 0.0] for u in range(5)])
    return UnitGraph.build(PATH, np.arange(5), base_unit=np.array([0, 3]), centroid=centroid)


def path_choice(sellers: list[int]) -> np.ndarray:
    """The candidate entry of item u for seller ``sellers[u]``."""
    return np.array([2 * u + s for u, s in enumerate(sellers)])
