"""Integer data of a p-median: the single place where costs, demands and capacities become integers.

CP-SAT and the Lagrangian stages work on integer costs (an integer objective lets a bound of
``upper - 1 + TOL`` prove the incumbent optimal); the caller's floats are scaled here and
only here.
"""

from __future__ import annotations

import logging

import numpy as np

logger = logging.getLogger(__name__)

#: Factor applied to non-integer costs before rounding them for CP-SAT (1/1000 of a minute).
COST_SCALE = 1000
#: Factor applied to non-integer demands and capacities before rounding them.
DEMAND_SCALE = 1000
#: Objective values above this cannot be represented exactly by CP-SAT's double-based bound.
_MAX_EXACT = 2**53
#: Tolerance used when comparing floating-point Lagrangian bounds with integer objectives.
TOL = 1e-6


def integer_costs(cost: np.ndarray) -> tuple[np.ndarray, int]:
    """The cost matrix as integers, scaled by :data:`COST_SCALE` when any cost is fractional.

    Parameters
    ----------
    cost
        ``(n_clients, n_candidates)`` matrix in the caller's units.

    Returns
    -------
    tuple of (numpy.ndarray, int)
        The ``int64`` matrix and the scale it was multiplied by (1 when already integer).
    """
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


def integer_demand(demand: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Demands and capacities as integers, both scaled by :data:`DEMAND_SCALE` if either is fractional.

    Parameters
    ----------
    demand
        Demand per client.
    capacity
        Capacity per candidate.

    Returns
    -------
    tuple of numpy.ndarray
        ``(demand, capacity)`` as ``int64``; scaled demands round up and capacities down.
    """
    if np.all(np.mod(demand, 1) == 0) and np.all(np.mod(capacity, 1) == 0):
        return demand.astype(np.int64), capacity.astype(np.int64)
    # Demands round up and capacities down, so a scaled solution stays feasible in real units.
    return (
        np.ceil(demand * DEMAND_SCALE - 1e-9).astype(np.int64),
        np.floor(capacity * DEMAND_SCALE + 1e-9).astype(np.int64),
    )


def colocated_clients(n_clients: int, n_candidates: int, cost: np.ndarray) -> np.ndarray:
    """Client co-located with each candidate: the identity on a zero-diagonal square matrix.

    Parameters
    ----------
    n_clients, n_candidates
        Shape of ``cost``.
    cost
        The cost matrix.

    Returns
    -------
    numpy.ndarray
        Client index per candidate, ``-1`` where no client sits at the candidate.
    """
    if n_clients == n_candidates and np.all(np.diag(cost) == 0):
        return np.arange(n_candidates)
    return np.full(n_candidates, -1)
