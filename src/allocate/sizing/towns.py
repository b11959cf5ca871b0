"""Where sellers may be based: candidate towns, and the p-median clients served from them.

A sizing question becomes a p-median: the candidates are the accounts' towns, the clients the
accounts with visits, and a client's cost at a town is its weekly round-trip travel
(:func:`allocate.core.workload.visit_travel_h`) from there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from allocate.core.instance import Instance
from allocate.core.travel import haversine_km
from allocate.core.workload import visit_travel_h

#: Above this many (client, candidate) pairs, clients are aggregated by town for the p-median.
MAX_PMEDIAN_PAIRS = 4_000_000


@dataclass(frozen=True)
class Towns:
    """Candidate bases: one point per town (unit), at the mean position of its accounts.

    Attributes
    ----------
    ids
        Town ids (unit ids, or ``"lat,lon"`` of a ~1 km cell).
    lat, lon
        Mean position of the town's accounts.
    of_account
        Town index of every account.
    """

    ids: tuple[str, ...]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    of_account: NDArray[np.int64]  # town index of every account


def candidate_towns(instance: Instance) -> Towns:
    """The accounts' towns: units when the instance has them, else rounded coordinates.

    Parameters
    ----------
    instance
        Accounts (positions, units) and the units' ids.

    Returns
    -------
    Towns
        One candidate per town holding an account, in the order of the unit (or cell) keys.
    """
    acc = instance.accounts
    if instance.units is not None and (acc.unit >= 0).all():
        keys = acc.unit
        names = instance.units.ids
        uniq, inv = np.unique(keys, return_inverse=True)
        ids = tuple(names[u] for u in uniq.tolist())
    else:
        # ~1 km cells stand for towns when no units are given
        cell = np.round(acc.lat, 2) * 1e4 + np.round(acc.lon, 2)
        uniq, inv = np.unique(cell, return_inverse=True)
        ids = tuple(
            f"{acc.lat[inv == k].mean():.3f},{acc.lon[inv == k].mean():.3f}"
            for k in range(len(uniq))
        )
    n = len(uniq)
    cnt = np.bincount(inv, minlength=n)
    lat = np.bincount(inv, weights=acc.lat, minlength=n) / cnt
    lon = np.bincount(inv, weights=acc.lon, minlength=n) / cnt
    return Towns(ids, lat, lon, inv.astype(np.int64))


@dataclass(frozen=True)
class Clients:
    """The p-median clients: accounts with visits, or their towns when there are too many.

    Attributes
    ----------
    cost
        Weekly round-trip travel hours, clients × candidate towns.
    desk_h
        Desk hours of each client.
    other_desk_h
        Desk hours of the accounts without visits (not clients).
    aggregated
        Whether the clients are towns rather than accounts.
    """

    cost: NDArray[np.float64]  # weekly round-trip travel hours, clients × candidate towns
    desk_h: NDArray[np.float64]  # desk hours of each client
    other_desk_h: float  # desk hours of the accounts without visits (not clients)
    aggregated: bool


def pmedian_clients(
    instance: Instance, towns: Towns, desk: NDArray[np.float64], visits: NDArray[np.float64]
) -> Clients:
    """The accounts with visits as p-median clients of the candidate ``towns``.

    Above :data:`MAX_PMEDIAN_PAIRS` (client, town) pairs, the clients are the towns holding
    visited accounts instead, with the accounts' visits and desk hours summed (travel then
    runs from town centre to town centre).

    Parameters
    ----------
    instance
        Accounts and the travel model.
    towns
        The candidate towns.
    desk, visits
        Weekly desk hours and visits of every account.

    Returns
    -------
    Clients
        The cost matrix, the clients' desk hours and the desk hours left out.
    """
    acc = instance.accounts
    clients = np.flatnonzero(visits > 0)
    other = float(desk.sum() - desk[clients].sum())
    if len(clients) * len(towns.ids) > MAX_PMEDIAN_PAIRS:
        t = towns.of_account[clients]
        n = len(towns.ids)
        w = np.bincount(t, weights=visits[clients], minlength=n).astype(np.float64)
        d = np.bincount(t, weights=desk[clients], minlength=n).astype(np.float64)
        used = np.flatnonzero(w > 0)
        km = haversine_km(
            towns.lat[used][:, None],
            towns.lon[used][:, None],
            towns.lat[None, :],
            towns.lon[None, :],
        )
        cost = visit_travel_h(w[used][:, None], instance.travel.minutes(km))
        return Clients(cost, d[used], other, True)
    km = haversine_km(
        acc.lat[clients][:, None], acc.lon[clients][:, None], towns.lat[None, :], towns.lon[None, :]
    )
    cost = visit_travel_h(visits[clients][:, None], instance.travel.minutes(km))
    return Clients(cost, desk[clients], other, False)
