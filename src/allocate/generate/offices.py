"""Offices: where the sellers are based, and how many seats of each role each office gets.

Offices sit in large towns chosen by a ``p``-median of the accounts' visits, so they
cluster where the visits are (several around a capital); each field role is then spread
over the offices in proportion to the workload each office serves.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from allocate.core.travel import haversine_km
from allocate.generate.towns import Towns
from allocate.solvers.pmedian import assign, greedy

#: Offices sit in towns of at least this population (or the most populous towns).
OFFICE_MIN_POPULATION = 50_000


def office_count(n_sellers: int) -> int:
    """One office per two sellers.

    A field team of both AE and CSM in each office, close to its accounts: fewer, larger
    offices would cost much more travel in a large country.

    Parameters
    ----------
    n_sellers
        Size of the team.

    Returns
    -------
    int
        At least 1.
    """
    return max(1, n_sellers // 2)


def place_offices(
    towns: Towns, town_idx: NDArray[np.int64], weight: NDArray[np.float64], n_offices: int
) -> NDArray[np.int64]:
    """Office towns: a ``p``-median of the accounts' weight over the large towns.

    Candidates are the towns of at least :data:`OFFICE_MIN_POPULATION` inhabitants (or the
    most populous ones when too few). A greedy start (:func:`allocate.solvers.pmedian.greedy`:
    each new office most reduces the weighted distance) is improved by alternating assignment
    and relocation (each cluster moves its office to the candidate town that serves it best)
    until stable. Deterministic: ties go to the first candidate in population order.

    Parameters
    ----------
    towns
        The country's towns (candidates and the accounts' towns).
    town_idx
        Town of each account.
    weight
        Weight of each account (its visits per week).
    n_offices
        Offices wanted (fewer when there are fewer candidate towns).

    Returns
    -------
    numpy.ndarray
        Town indices, in the greedy order (the first office is the most central).
    """
    by_pop = np.argsort(-towns.population, kind="stable")
    n_big = int((towns.population >= OFFICE_MIN_POPULATION).sum())
    cand = by_pop[: min(len(by_pop), max(n_big, 3 * n_offices, 30))]
    n_offices = min(n_offices, len(cand))
    uniq, inv = np.unique(town_idx, return_inverse=True)
    w = np.bincount(np.asarray(inv).reshape(-1), weights=weight, minlength=len(uniq)) + 1e-6
    km = haversine_km(
        towns.lat[uniq][:, None],
        towns.lon[uniq][:, None],
        towns.lat[cand][None, :],
        towns.lon[cand][None, :],
    )
    # the weighted distances: for w > 0, w * min(a, b) == min(w * a, w * b) exactly, so the
    # greedy on them is the greedy on the distances weighted afterwards
    w_km = w[:, None] * km
    chosen = [int(j) for j in greedy(w_km, n_offices)]
    for _ in range(20):
        medians = np.asarray(chosen, dtype=np.int64)
        serving, _ = assign(km, medians)
        moved = False
        for o in range(len(chosen)):
            members = serving == medians[o]
            if not members.any():
                continue
            cost = w_km[members].sum(axis=0)
            cost[[c for i, c in enumerate(chosen) if i != o]] = np.inf
            j = int(np.argmin(cost))
            if cost[j] < cost[chosen[o]] - 1e-9:
                chosen[o] = j
                moved = True
        if not moved:
            break
    return cand[np.asarray(chosen, dtype=np.int64)]


def staff_offices(local: NDArray[np.float64], count: NDArray[np.int64]) -> NDArray[np.int64]:
    """Seats per (role, office): role totals ``count``, shares of each role's local workload.

    Seats are handed out one at a time to the (role, office) pair furthest below its fair
    share ``count[r] * local[r, o] / local[r].sum()``; an office with workload but no seat
    yet comes first, so every office that serves accounts gets at least one field seller
    when there are enough sellers.

    Parameters
    ----------
    local
        ``(roles, offices)`` workload each office serves, per role.
    count
        Headcount of each role.

    Returns
    -------
    numpy.ndarray
        ``(roles, offices)`` seats; row ``r`` sums to ``count[r]``.
    """
    n_roles, n_off = local.shape
    share = local / np.maximum(local.sum(axis=1, keepdims=True), 1e-12)
    fair = count[:, None] * share
    seats = np.zeros((n_roles, n_off), dtype=np.int64)
    left = count.astype(np.int64).copy()
    total_fair = fair.sum(axis=0)
    while left.sum() > 0:
        empty = (seats.sum(axis=0) == 0) & (total_fair > 0)
        gap = fair - seats + np.where(empty, 1e3 * total_fair, 0.0)[None, :]
        gap[left == 0] = -np.inf
        r, o = np.unravel_index(int(np.argmax(gap)), gap.shape)
        seats[r, o] += 1
        left[r] -= 1
    return seats

