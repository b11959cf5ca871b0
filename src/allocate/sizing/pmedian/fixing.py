"""Reduced-cost fixing: the medians and pairs that no solution cheaper than the incumbent can use.

Both Lagrangian bounds (uncapacitated, :mod:`.lagrangian`; knapsack,
:mod:`allocate.sizing.capacitated.bound`) pick the ``p`` smallest candidate values ``rho``;
:func:`median_fixing` is the rule they share for the medians.
"""

from __future__ import annotations

import numpy as np

from allocate.sizing.pmedian.lagrangian import LagrangianBound
from allocate.sizing.pmedian.scaling import TOL


def median_fixing(
    rho: np.ndarray, p: int, bound: float, gap_to: float, incumbent: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Medians fixed by a Lagrangian bound whose median part picks the ``p`` smallest ``rho``.

    Opening a median outside the best ``p`` raises the bound by at least ``rho_j - rho_(p)``,
    and closing one inside by ``rho_(p+1) - rho_j``; when that pushes the bound past
    ``gap_to`` (the value a strictly better solution must reach), the median is fixed. The
    incumbent's medians are never closed.

    Parameters
    ----------
    rho
        Value of every candidate in the Lagrangian subproblem (``inf``: it cannot open).
    p
        Number of medians.
    bound
        The Lagrangian bound.
    gap_to
        Largest bound a strictly better solution may have.
    incumbent
        Medians of the incumbent.

    Returns
    -------
    tuple of numpy.ndarray
        ``(open penalty, closed, fixed open)`` over the candidates.
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


def reduced_cost_fixing(
    costs: np.ndarray,
    p: int,
    lag: LagrangianBound,
    incumbent: np.ndarray,
    assignment: np.ndarray,
    upper: float,
    nearest_rule: bool,
    prior_closed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reduced-cost fixing against ``upper``: keep what a strictly better solution may use.

    The incumbent's medians and pairs are always kept, so the reduced model still contains the
    incumbent.

    Parameters
    ----------
    costs
        ``(n_clients, n_candidates)`` integer-valued cost matrix.
    p
        Number of medians.
    lag
        The uncapacitated Lagrangian bound and its multipliers.
    incumbent, assignment
        Medians of the incumbent and the candidate serving each client.
    upper
        Integer cost of the incumbent.
    nearest_rule
        Uncapacitated: nobody is served farther than its nearest surely-open median.
    prior_closed
        Candidates already known closed.

    Returns
    -------
    tuple of numpy.ndarray
        ``(allowed pairs mask, fixed-closed mask, fixed-open mask)``.
    """
    n, m = costs.shape
    u = lag.multipliers
    gap_to = upper - 1 + TOL  # integer costs: a better solution costs at most upper - 1
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
