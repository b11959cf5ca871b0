"""The p-median heuristic: vertex interchange (nearest-median assignment and greedy addition
are in :mod:`allocate.solvers.pmedian`).

The interchange (Teitz & Bart 1968) scores every (remove, insert) pair at once
(:func:`swap_deltas`, in the spirit of Whitaker's fast interchange). The capacitated local
search (:mod:`allocate.sizing.capacitated.search`) screens its swaps with the same function,
given its own "where would the client go" costs.
"""

from __future__ import annotations

import time

import numpy as np

from allocate.sizing.pmedian.scaling import TOL
from allocate.solvers.pmedian import assign


def swap_deltas(
    costs: np.ndarray,
    medians: np.ndarray,
    serving: np.ndarray,
    current: np.ndarray,
    alternative: np.ndarray,
) -> np.ndarray:
    """Cost change of closing ``medians[r]`` and opening candidate ``j``, for every ``(r, j)``.

    Client ``i`` pays ``current_i`` today and ``alternative_i`` if its median closes. Opening
    ``j`` attracts every client cheaper there, ``G_j = sum_i min(0, c_ij - current_i)``; closing
    ``r`` then costs its clients ``min(alternative_i, c_ij) - min(current_i, c_ij)``. The second
    term for all ``(r, j)`` is one matrix product.

    Parameters
    ----------
    costs
        ``(n_clients, n_candidates)`` cost matrix.
    medians
        The ``p`` open medians (distinct).
    serving
        Candidate index serving each client (one of ``medians``).
    current
        Each client's cost today.
    alternative
        Each client's cost when its median closes and ``j`` is not used.

    Returns
    -------
    numpy.ndarray
        ``(p, n_candidates)`` changes of the total cost; ``inf`` in the columns of ``medians``.
    """
    gain = np.minimum(costs - current[:, None], 0.0).sum(axis=0)
    loss = np.minimum(alternative[:, None], costs) - np.minimum(current[:, None], costs)
    served = (serving[None, :] == medians[:, None]).astype(float)
    delta = gain[None, :] + served @ loss
    delta[:, medians] = np.inf
    return delta


def interchange(costs: np.ndarray, medians: np.ndarray, deadline: float) -> np.ndarray:
    """Best-improvement swap local search from ``medians`` until no swap improves.

    Each client's alternative to its nearest open median is its second-nearest one
    (:func:`swap_deltas`).

    Parameters
    ----------
    costs
        ``(n_clients, n_candidates)`` cost matrix.
    medians
        The starting medians (not modified).
    deadline
        ``time.monotonic()`` value after which the search stops.

    Returns
    -------
    numpy.ndarray
        A swap-optimal set of medians (or the best reached by the deadline).
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
        delta = swap_deltas(costs, medians, medians[first], d1, d2)
        r, j = np.unravel_index(int(delta.argmin()), delta.shape)
        if not delta[r, j] < -TOL:
            break
        medians[r] = j
    return medians


def polish(
    costs: np.ndarray, medians: np.ndarray, upper: float, deadline: float
) -> tuple[np.ndarray, float]:
    """Run :func:`interchange` from ``medians`` when they already beat the incumbent ``upper``.

    Parameters
    ----------
    costs
        ``(n_clients, n_candidates)`` cost matrix.
    medians
        Candidate medians (not modified).
    upper
        Cost of the incumbent.
    deadline
        ``time.monotonic()`` value after which the interchange stops.

    Returns
    -------
    medians : numpy.ndarray
        The interchanged medians when ``medians`` cost less than ``upper - TOL``, else
        ``medians`` themselves.
    value : float
        Their cost (nearest-median assignment); the caller keeps them as the new incumbent
        when ``value < upper - TOL``.
    """
    _, value = assign(costs, medians)
    if value < upper - TOL:
        medians = interchange(costs, medians, deadline)
        _, value = assign(costs, medians)
    return medians, value
