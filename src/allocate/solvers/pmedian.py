"""Array-only p-median helpers: nearest-median assignment and greedy addition.

Shared by the sizing p-median (:mod:`allocate.sizing.pmedian`) and the generator's office
placement (:mod:`allocate.generate.offices`); numpy only.
"""

from __future__ import annotations

import numpy as np


def assign(costs: np.ndarray, medians: np.ndarray) -> tuple[np.ndarray, float]:
    """Serve every client from its nearest median.

    Parameters
    ----------
    costs
        ``(n_clients, n_candidates)`` cost matrix.
    medians
        Candidate indices of the open medians.

    Returns
    -------
    tuple of (numpy.ndarray, float)
        The candidate index serving each client (ties go to the first of ``medians``) and
        the total cost.
    """
    sub = costs[:, medians]
    pos = sub.argmin(axis=1)
    return medians[pos], float(sub[np.arange(costs.shape[0]), pos].sum())


def greedy(costs: np.ndarray, p: int) -> np.ndarray:
    """Add, one at a time, the candidate that lowers the total cost most.

    Parameters
    ----------
    costs
        ``(n_clients, n_candidates)`` cost matrix.
    p
        Number of medians to open.

    Returns
    -------
    numpy.ndarray
        The ``p`` candidate indices, in the order they were added (ties go to the first).
    """
    n, m = costs.shape
    nearest = np.full(n, np.inf)
    chosen: list[int] = []
    is_open = np.zeros(m, dtype=bool)
    for _ in range(p):
        totals = np.minimum(nearest[:, None], costs).sum(axis=0)
        totals[is_open] = np.inf
        j = int(totals.argmin())
        chosen.append(j)
        is_open[j] = True
        nearest = np.minimum(nearest, costs[:, j])
    return np.array(chosen)
