"""Bring an assignment back under the move cap: items return to their sellers of today.

The start heuristics (LP rounding, capacity repair, shift moves) price moves but do not count
them against ``max_moves``; CP-SAT then starts from a hint that breaks the cap, and on large
models may find nothing better in time. :func:`restore_moves` returns items to the candidate
seller that keeps most of their accounts (their entry with the most ``stays``), cheapest first
per account kept, as long as capacity and account limits allow, until the cap holds.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.problem import AssignmentProblem, seller_totals


def restore_moves(problem: AssignmentProblem, choice: NDArray[np.int64]) -> NDArray[np.int64]:
    """A copy of ``choice`` with at most ``max_moves`` accounts moved, when returns allow it.

    Parameters
    ----------
    problem
        The assignment problem (nothing to do without ``max_moves``).
    choice
        Candidate entry chosen for each item.

    Returns
    -------
    ndarray of int
        The choice with items returned to their sellers of today, cheapest objective increase
        per account kept first; a return that would overload its seller (capacity or account
        limit) or break a lock is skipped, so the cap may still be exceeded when returns run
        out (the caller's evaluation says so).
    """
    p = problem
    out = np.asarray(choice, dtype=np.int64).copy()
    if p.max_moves is None:
        return out
    moves = int(p.movable.sum() - p.stays[out].sum())
    if moves <= p.max_moves:
        return out
    # each item's best return: its entry keeping the most accounts with their seller today
    home = np.array(
        [lo + int(np.argmax(p.stays[lo:hi])) for lo, hi in zip(p.indptr[:-1], p.indptr[1:], strict=True)],
        dtype=np.int64,
    )
    gain = p.stays[home] - p.stays[out]  # accounts kept by returning
    unit = p.cost_weight * p.cost
    delta = unit[home] - unit[out]
    candidates = np.flatnonzero((gain > 0) & (p.fixed < 0))
    order = candidates[np.lexsort((candidates, delta[candidates] / gain[candidates]))]
    loads, counts = seller_totals(p, out)
    for i in order:
        if moves <= p.max_moves:
            break
        e, t = int(home[i]), int(p.seller[home[i]])
        s = int(p.seller[out[i]])
        if loads[t] + p.load[e] > p.capacity[t] + 1e-9:
            continue
        if p.max_items[t] >= 0 and counts[t] + p.count[i] > p.max_items[t]:
            continue
        loads[s] -= p.load[out[i]]
        counts[s] -= p.count[i]
        loads[t] += p.load[e]
        counts[t] += p.count[i]
        moves -= int(gain[i])
        out[i] = e
    return out
