"""Multi-site groups: which accounts are sites of one company.

Sites of a group sit in different first-level regions (the territory question of the
geographic model) but near the head site, as most multi-site customers are regional, so
that one owner can visit them all.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from allocate.core.travel import haversine_km
from allocate.generate.towns import Towns

#: Relative chance that an account of each segment (micro, small, mid, large) heads a group.
GROUP_SEGMENT_WEIGHT: tuple[float, ...] = (0.3, 1.0, 3.0, 6.0)
GROUP_SIZES: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8)
GROUP_SIZE_MIX: tuple[float, ...] = (0.35, 0.25, 0.15, 0.10, 0.07, 0.05, 0.03)


def draw_groups(
    rng: np.random.Generator,
    n_accounts: int,
    share: float,
    segment: NDArray[np.int64],
    town_idx: NDArray[np.int64],
    towns: Towns,
    spread_km: float,
) -> NDArray[np.int64]:
    """Group index of each account; the sites of a group lie in distinct regions.

    Heads are taken in a weighted random order (larger companies first, more often). The
    other sites of a group are drawn one by one among the free accounts of regions that the
    group does not cover yet, with a weight that decays as ``exp(-d / spread_km)`` with the
    distance to the head.

    Parameters
    ----------
    rng
        The generator's random stream (advanced).
    n_accounts
        Number of accounts.
    share
        Target share of the accounts that are sites of groups.
    segment
        Segment index of each account (weights of :data:`GROUP_SEGMENT_WEIGHT`).
    town_idx
        Town of each account in ``towns``.
    towns
        The country's towns (regions and positions).
    spread_km
        Distance scale of the sites around the head.

    Returns
    -------
    numpy.ndarray
        ``0..G-1`` for the sites of group ``g``, -1 for single-site accounts (all of them
        when fewer than two sites are asked or the accounts cover a single region).
    """
    group = np.full(n_accounts, -1, dtype=np.int64)
    target = int(round(share * n_accounts))
    if target < 2:
        return group
    weight = np.asarray(GROUP_SEGMENT_WEIGHT)[segment]
    order = np.argsort(-np.log(rng.random(n_accounts)) / weight, kind="stable")
    region_names, region_of = np.unique(np.array(towns.admin1)[town_idx], return_inverse=True)
    if len(region_names) < 2:
        return group
    lat, lon = towns.lat[town_idx], towns.lon[town_idx]
    free = np.ones(n_accounts, dtype=bool)
    placed, g, head_pos = 0, 0, 0
    while placed < target - 1 and head_pos < n_accounts:
        head = int(order[head_pos])
        head_pos += 1
        if not free[head]:
            continue
        size = int(rng.choice(GROUP_SIZES, p=GROUP_SIZE_MIX))
        size = min(size, max(2, target - placed))
        pull = weight * np.exp(-haversine_km(lat[head], lon[head], lat, lon) / spread_km)
        used = {int(region_of[head])}
        sites = [head]
        free[head] = False
        while len(sites) < size:
            p = np.where(free & ~np.isin(region_of, list(used)), pull, 0.0)
            if p.sum() <= 0:
                break
            a = int(rng.choice(n_accounts, p=p / p.sum()))
            sites.append(a)
            used.add(int(region_of[a]))
            free[a] = False
        if len(sites) < 2:
            free[head] = True
            continue
        group[sites] = g
        placed += len(sites)
        g += 1
    return group
