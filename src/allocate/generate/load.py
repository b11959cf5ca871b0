"""Workload of the accounts per role, and the load of a team: demand against capacity.

The weekly hours of an account follow the one rule of :mod:`allocate.core.workload`
(:func:`~allocate.core.workload.playbook_load` for the playbook,
:func:`~allocate.core.workload.workload_hours` for desk plus travel). What this module adds
is where the travel starts: an account is served from the nearest base of the sellers that
do the work, and all the sites of a multi-site group from the one base that costs the group
least (one owner per group).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from allocate.core.nomenclature import (
    DEFAULT_SEGMENTS,
    ROLES,
    STAGES,
    Nomenclature,
    default_nomenclature_dict,
)
from allocate.core.travel import TravelModel, haversine_km, nearest_sellers
from allocate.core.workload import playbook_load, visit_travel_h, workload_hours


def account_role_load(
    accounts: pd.DataFrame, nomenclature: Nomenclature
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Desk hours and visits per week of each account for each role.

    Parameters
    ----------
    accounts
        Columns ``stage`` and ``segment`` (one of :data:`~allocate.core.nomenclature.STAGES`
        and of the default segments).
    nomenclature
        The playbooks.

    Returns
    -------
    tuple of numpy.ndarray
        ``desk_h`` and ``visits``, each ``(n_accounts, len(ROLES))``.
    """
    tables = [[playbook_load(nomenclature, st, seg) for seg in DEFAULT_SEGMENTS] for st in STAGES]
    desk = np.array([[t.desk_h for t in row] for row in tables])
    visits = np.array([[t.visits for t in row] for row in tables])
    si = accounts["stage"].map({s: i for i, s in enumerate(STAGES)}).to_numpy(dtype=np.int64)
    gi = accounts["segment"].map({s: i for i, s in enumerate(DEFAULT_SEGMENTS)}).to_numpy(dtype=np.int64)
    return desk[si, gi], visits[si, gi]


def role_hours(
    desk: NDArray[np.float64],
    visits: NDArray[np.float64],
    cols: list[int],
    travel_min: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Weekly hours of each account for the operation roles ``cols``, travel included.

    Parameters
    ----------
    desk, visits
        ``(n_accounts, len(ROLES))`` from :func:`account_role_load`.
    cols
        Columns (operation roles) done by one seller role.
    travel_min
        One-way minutes from each account's serving base.

    Returns
    -------
    numpy.ndarray
        :func:`~allocate.core.workload.workload_hours` of each account.
    """
    return workload_hours(desk[:, cols].sum(axis=1), visits[:, cols].sum(axis=1), travel_min)


def group_index(accounts: pd.DataFrame) -> NDArray[np.int64]:
    """Group of each account as ``0..G-1`` (groups in sorted ``group_id`` order).

    Parameters
    ----------
    accounts
        Optional column ``group_id`` (blank for a single-site account).

    Returns
    -------
    numpy.ndarray
        int64, -1 for single-site accounts (all of them without ``group_id``).
    """
    if "group_id" not in accounts.columns:
        return np.full(len(accounts), -1, dtype=np.int64)
    gid = accounts["group_id"].fillna("").astype(str).to_numpy()
    names, inv = np.unique(gid, return_inverse=True)
    out = np.asarray(inv, dtype=np.int64).reshape(-1)
    if "" in names:
        blank = int(np.flatnonzero(names == "")[0])
        out = np.where(out == blank, -1, out - (out > blank))
    return out


def serving_travel_min(
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    b_lat: NDArray[np.float64],
    b_lon: NDArray[np.float64],
    group: NDArray[np.int64],
    visits: NDArray[np.float64],
    travel: TravelModel,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """One-way travel minutes from each account's serving base, and which base serves it.

    A single-site account is served from its nearest base; all the sites of a group from the
    base that minimizes the group's visit-weighted travel (one owner per group).

    Parameters
    ----------
    lat, lon
        The accounts.
    b_lat, b_lon
        The sellers' bases (repeats allowed: bases are the unique ``(lat, lon)`` pairs).
    group
        Group of each account (:func:`group_index`), -1 for single sites.
    visits
        Visits per week of each account, the weights of a group's choice.
    travel
        Minutes for a distance.

    Returns
    -------
    tuple of numpy.ndarray
        Minutes per account (zeros without bases) and the serving base's index in the unique
        bases sorted by ``(lat, lon)`` (-1 without bases).
    """
    n = len(lat)
    if len(b_lat) == 0:
        return np.zeros(n), np.full(n, -1, dtype=np.int64)
    bases = np.unique(np.column_stack([b_lat, b_lon]), axis=0)
    idx, km = nearest_sellers(lat, lon, bases[:, 0], bases[:, 1], k=1)
    base = idx[:, 0].astype(np.int64)
    minutes = travel.minutes(km[:, 0])
    sites = np.flatnonzero(group >= 0)
    if len(sites) and len(bases) > 1:
        m = travel.minutes(
            haversine_km(lat[sites][:, None], lon[sites][:, None], bases[None, :, 0], bases[None, :, 1])
        )
        g = group[sites]
        n_g = int(g.max()) + 1
        cost = np.zeros((n_g, len(bases)))
        # the group's cost is weighed in hours, as it always was: minutes would round
        # differently and could move a near-tied group to another base
        np.add.at(cost, g, (visits[sites] + 1e-9)[:, None] * (m / 60.0))
        best = np.argmin(cost, axis=1)
        base[sites] = best[g]
        minutes[sites] = m[np.arange(len(sites)), best[g]]
    return minutes, base


def role_workload(
    accounts: pd.DataFrame,
    sellers: pd.DataFrame,
    nomenclature: dict[str, Any] | Nomenclature | None = None,
    travel: TravelModel | None = None,
) -> pd.DataFrame:
    """Workload against capacity per role, and for the team as full-cycle sellers.

    Each operation goes to the sellers of its role; operations of a role that nobody holds
    fall to the generalists. Travel goes to the nearest base of the role's sellers, except
    for the sites of a multi-site group (``group_id`` column, when present): they share one
    owner, so all of them travel from the base that costs the group least. The last row,
    ``all``, treats every seller as a full-cycle seller (the other organization models):
    every operation, travel to the nearest base of any seller.

    Parameters
    ----------
    accounts
        Columns ``lat``, ``lon``, ``stage``, ``segment`` and optionally ``group_id``.
    sellers
        Columns ``role``, ``lat``, ``lon``, ``capacity_h``.
    nomenclature
        The playbooks (a dict as in ``nomenclature.yaml``); the default one when ``None``.
    travel
        Minutes for a distance; the default :class:`~allocate.core.travel.TravelModel`.

    Returns
    -------
    pandas.DataFrame
        Columns ``role``, ``n_sellers``, ``demand_h``, ``desk_h``, ``travel_h``,
        ``capacity_h``, ``load`` (demand / capacity), one row per role present plus ``all``.
    """
    nom = _as_nomenclature(nomenclature)
    travel = travel or TravelModel()
    desk, visits = account_role_load(accounts, nom)
    roles = sellers["role"].to_numpy()
    held = [r for r in ROLES if (roles == r).any()]
    owner = {r: (r if r in held else "generalist") for r in ROLES}
    lat, lon = accounts["lat"].to_numpy(float), accounts["lon"].to_numpy(float)
    group = group_index(accounts)
    s_lat, s_lon = sellers["lat"].to_numpy(float), sellers["lon"].to_numpy(float)
    rows = []
    for role in held:
        cols = [ROLES.index(r) for r in ROLES if owner[r] == role]
        mask = roles == role
        d = desk[:, cols].sum(axis=1)
        v = visits[:, cols].sum(axis=1)
        minutes, _ = serving_travel_min(lat, lon, s_lat[mask], s_lon[mask], group, v, travel)
        rows.append(_load_row(role, int(mask.sum()), d, v, minutes, sellers.loc[mask, "capacity_h"]))
    v_all = visits.sum(axis=1)
    min_all, _ = serving_travel_min(lat, lon, s_lat, s_lon, group, v_all, travel)
    rows.append(_load_row("all", len(sellers), desk.sum(axis=1), v_all, min_all, sellers["capacity_h"]))
    return pd.DataFrame(rows)


def _load_row(
    role: str,
    n: int,
    desk: NDArray[np.float64],
    visits: NDArray[np.float64],
    travel_min: NDArray[np.float64],
    capacity: Any,
) -> dict[str, Any]:
    """One row of :func:`role_workload`: totals over the accounts."""
    desk_h = float(desk.sum())
    travel_h = float(visit_travel_h(visits, travel_min).sum())
    cap = float(np.asarray(capacity, dtype=float).sum())
    demand = desk_h + travel_h
    return {
        "role": role,
        "n_sellers": n,
        "demand_h": demand,
        "desk_h": desk_h,
        "travel_h": travel_h,
        "capacity_h": cap,
        "load": demand / cap if cap > 0 else float("inf"),
    }


def _as_nomenclature(nomenclature: dict[str, Any] | Nomenclature | None) -> Nomenclature:
    if isinstance(nomenclature, Nomenclature):
        return nomenclature
    return Nomenclature.model_validate(nomenclature or default_nomenclature_dict())
