"""Lagrangian bound of the uncapacitated p-median (assignment rows relaxed), by subgradient steps.

``L(u) = sum_i u_i + min_{|S| = p} sum_{j in S} rho_j`` with
``rho_j = sum_i min(0, c_ij - u_i)``: the subproblem is solved in closed form (the ``p``
smallest ``rho``). The p-median has the integrality property for this relaxation, so the bound
tends to the LP bound; the Lagrangian solutions met on the way are repaired into incumbents.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from allocate.sizing.pmedian.heuristic import interchange, polish
from allocate.sizing.pmedian.scaling import TOL
from allocate.solvers.pmedian import assign

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LagrangianBound:
    """Best Lagrangian bound found, its multipliers and the improved incumbent.

    Attributes
    ----------
    bound
        Lower bound on the optimal (integer) cost.
    multipliers
        Multipliers ``u`` of the assignment rows at the best bound.
    medians
        Best medians found (the starting ones or a repaired Lagrangian solution).
    upper
        Cost of ``medians`` (nearest-median assignment).
    """

    bound: float
    multipliers: np.ndarray
    medians: np.ndarray
    upper: float


def lagrangian(
    costs: np.ndarray,
    p: int,
    medians: np.ndarray,
    deadline: float,
    closed: np.ndarray | None = None,
    start: np.ndarray | None = None,
) -> LagrangianBound:
    """Subgradient optimisation of the Lagrangian dual of the assignment constraints.

    Costs are integers, so the search stops as soon as ``ceil(L) >= upper``. Removed pairs
    carry a prohibitive cost and ``closed`` candidates cannot be chosen, which is what makes
    later rounds stronger than the LP bound.

    Parameters
    ----------
    costs
        ``(n_clients, n_candidates)`` integer-valued cost matrix (floats).
    p
        Number of medians.
    medians
        Incumbent medians (the first upper bound).
    deadline
        ``time.monotonic()`` value after which the steps stop.
    closed
        Candidates that may not open.
    start
        Starting multipliers (default: each client's cost at the incumbent).

    Returns
    -------
    LagrangianBound
        The best bound, its multipliers and the (possibly improved) incumbent.
    """
    n, m = costs.shape
    _, best_ub = assign(costs, medians)
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
        if bound > best_lb + TOL:
            best_lb, best_u, stall = bound, u.copy(), 0
        else:
            stall += 1
            if stall >= 25:
                step_scale, stall = step_scale / 2, 0
        key = hash(np.sort(chosen).tobytes())
        if key not in seen:
            seen.add(key)
            chosen, value = polish(costs, chosen, best_ub, deadline)
            if value < best_ub - TOL:
                medians, best_ub = chosen, value
                logger.debug("Lagrangian repair found incumbent %.0f", value)
        if math.ceil(best_lb - TOL) >= best_ub or step_scale < 1e-4:
            break
        covered = (reduced[:, chosen] < 0).sum(axis=1)
        subgradient = 1.0 - covered
        norm = float(subgradient @ subgradient)
        if norm == 0:
            best_lb = max(best_lb, bound)
            break
        u = u + step_scale * (best_ub - bound) / norm * subgradient
    return LagrangianBound(best_lb, best_u, medians, best_ub)


def polish_from_dual(costs: np.ndarray, p: int, lag: LagrangianBound, deadline: float) -> np.ndarray:
    """Interchange from the Lagrangian solution at the best multipliers; keep the better incumbent.

    Parameters
    ----------
    costs
        ``(n_clients, n_candidates)`` cost matrix.
    p
        Number of medians.
    lag
        The Lagrangian bound (its multipliers and incumbent).
    deadline
        ``time.monotonic()`` value after which the interchange stops.

    Returns
    -------
    numpy.ndarray
        The medians of the cheaper of the polished dual solution and ``lag.medians``.
    """
    rho = np.minimum(costs - lag.multipliers[:, None], 0.0).sum(axis=0)
    dual_set = interchange(costs, np.argsort(rho, kind="stable")[:p], deadline)
    if assign(costs, dual_set)[1] < lag.upper - TOL:
        return dual_set
    return lag.medians
