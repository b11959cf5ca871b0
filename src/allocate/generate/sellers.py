"""The sellers: headcount per role, offices, capacities at the target load, skills.

1. **Offices** (:func:`~allocate.generate.offices.place_offices`): a ``p``-median of the
   accounts' visits over the large towns, one office per two sellers.
2. **Headcount per role** follows the workload of each role (:func:`role_counts`).
3. **Staffing**: each field role (one with visits) is spread over the offices in proportion
   to the workload of the accounts that each office serves (its nearest accounts; a group's
   sites go to the group's best office), so every office carries about the same load and
   the sparse candidate sets of the solver (the nearest bases of each account) hold enough
   capacity, for the full-cycle models and per role. Inside roles (SDR, MRR: no visits) sit
   in the :data:`INSIDE_OFFICES` largest offices.
4. **Capacity**: each role's workload, travel to its own bases included, divided by
   :data:`TARGET_LOAD` and shared among its sellers with a small noise.
5. **Skills** (:func:`~allocate.generate.skills.draw_skills`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from allocate.core.nomenclature import ROLES, Nomenclature
from allocate.core.travel import TravelModel
from allocate.core.workload import visit_travel_h
from allocate.generate.countries import CountrySpec
from allocate.generate.load import account_role_load, role_hours, serving_travel_min
from allocate.generate.offices import office_count, place_offices, staff_offices
from allocate.generate.skills import draw_skills
from allocate.generate.towns import COORD_DECIMALS, Towns

logger = logging.getLogger(__name__)

#: Target load of each role (workload / capacity), before the per-seller noise.
TARGET_LOAD = 0.80
MIN_CAPACITY_H = 5.0
MAX_CAPACITY_H = 40.0
#: Most hours of one day (``daily_h``): a full working day, so that a seller may spend one day
#: on the road and another at the desk while the week keeps its capacity.
DAILY_H = 8.0
#: Inside roles (no visits: SDR, MRR) sit in this many of the largest offices at most.
INSIDE_OFFICES = 4


def draw_sellers(
    rng: np.random.Generator,
    spec: CountrySpec,
    towns: Towns,
    accounts: pd.DataFrame,
    town_idx: NDArray[np.int64],
    group: NDArray[np.int64],
    n_sellers: int,
    nom: Nomenclature,
) -> pd.DataFrame:
    """Offices where the workload is, staffed in proportion to it, capacities at the target load.

    Parameters
    ----------
    rng
        The generator's random stream (advanced: capacity noise, then names).
    spec
        The country (first and last names).
    towns
        The country's towns (offices sit in large ones).
    accounts
        Columns ``lat``, ``lon``, ``stage``, ``segment``.
    town_idx
        Town of each account.
    group
        Group of each account, -1 for single sites.
    n_sellers
        Size of the team (ids ``S001`` on).
    nom
        The playbooks.

    Returns
    -------
    pandas.DataFrame
        The columns of ``sellers.csv``, sellers ordered by office then role.
    """
    desk, visits = account_role_load(accounts, nom)
    acc_lat, acc_lon = accounts["lat"].to_numpy(float), accounts["lon"].to_numpy(float)
    travel = TravelModel()
    offices = place_offices(towns, town_idx, visits.sum(axis=1), office_count(n_sellers))
    o_lat, o_lon = towns.lat[offices], towns.lon[offices]
    v_all = visits.sum(axis=1)
    one_way_min, served = serving_travel_min(acc_lat, acc_lon, o_lat, o_lon, group, v_all, travel)
    # serving_travel_min numbers bases by sorted (lat, lon): map back to the offices' order.
    key = np.unique(np.column_stack([o_lat, o_lon]), axis=0)
    rank_of = {(float(la), float(lo)): i for i, (la, lo) in enumerate(key)}
    office_of_base = np.empty(len(key), dtype=np.int64)
    for j, (la, lo) in enumerate(zip(o_lat, o_lon, strict=True)):
        office_of_base[rank_of[(float(la), float(lo))]] = j
    office = office_of_base[served]
    role_demand = desk.sum(axis=0) + visit_travel_h(visits, one_way_min[:, None]).sum(axis=0)
    count = role_counts(role_demand, n_sellers)
    # Travel depends on where each role sits, and headcounts on travel: re-size the roles
    # from their own bases until the headcount repeats, keeping the most even team.
    best: tuple[float, NDArray[np.int64], NDArray[np.object_], dict[str, float]] | None = None
    seen: list[dict[str, int]] = []
    while count not in seen:
        seen.append(count)
        seller_office, role = _staff_roles(count, desk, visits, one_way_min, office, len(offices))
        s_lat, s_lon = o_lat[seller_office], o_lon[seller_office]
        demand = {
            r: _own_base_demand(r, count, role, s_lat, s_lon, acc_lat, acc_lon, group, desk, visits, travel)
            for r in count
        }
        per_seller = [demand[r] / count[r] for r in count]
        spread = max(per_seller) / max(min(per_seller), 1e-9)
        if best is None or spread < best[0]:
            best = (spread, seller_office, role, demand)
        col_demand = np.zeros(len(ROLES))
        for r in count:
            col_demand[ROLES.index(r)] = demand[r]
        count = role_counts(col_demand, n_sellers, merge=False, keep=count)
    assert best is not None
    _, seller_office, role, demand = best
    count = {r: int((role == r).sum()) for r in ROLES if (role == r).any()}
    role_cols = {r: role_columns(r, count) for r in count}
    lat, lon = o_lat[seller_office], o_lon[seller_office]
    capacity = np.zeros(n_sellers)
    for r in count:
        mask = role == r
        noise = rng.uniform(0.92, 1.08, size=int(mask.sum()))
        per_seller_h = demand[r] / TARGET_LOAD / mask.sum() * noise / noise.mean()
        capacity[mask] = np.round(2 * per_seller_h) / 2
    if (capacity > MAX_CAPACITY_H).any():
        logger.warning(
            "some sellers need more than %.0f h/week: the team is short for this workload",
            MAX_CAPACITY_H,
        )
    capacity = np.clip(capacity, MIN_CAPACITY_H, MAX_CAPACITY_H)
    key_load = np.asarray(accounts["segment"].isin(("mid", "large")).to_numpy(), dtype=bool)
    segments, products = draw_skills(role, seller_office, office, desk, visits, one_way_min, key_load, role_cols)
    first_name = rng.integers(len(spec.first_names), size=n_sellers)
    last_name = rng.integers(len(spec.last_names), size=n_sellers)
    return pd.DataFrame(
        {
            "seller_id": [f"S{i:03d}" for i in range(1, n_sellers + 1)],
            "name": [
                f"{spec.first_names[a]} {spec.last_names[b]}"
                for a, b in zip(first_name, last_name, strict=True)
            ],
            "lat": np.round(lat, COORD_DECIMALS),
            "lon": np.round(lon, COORD_DECIMALS),
            "role": role,
            "capacity_h": capacity,
            "segments": segments,
            "product_lines": products,
            "max_accounts": pd.array([pd.NA] * n_sellers, dtype="Int64"),
            "max_travel_min": pd.array([pd.NA] * n_sellers, dtype="Int64"),
            "daily_h": np.full(n_sellers, DAILY_H),
        }
    )


def _staff_roles(
    count: dict[str, int],
    desk: NDArray[np.float64],
    visits: NDArray[np.float64],
    travel_min: NDArray[np.float64],
    office: NDArray[np.int64],
    n_offices: int,
) -> tuple[NDArray[np.int64], NDArray[np.object_]]:
    """Office and role of each seller, sellers ordered by office then role.

    Field roles (with visits) follow the workload that each office serves
    (:func:`~allocate.generate.offices.staff_offices`); inside roles sit in the
    :data:`INSIDE_OFFICES` largest offices.
    """
    role_cols = {r: role_columns(r, count) for r in count}
    field = [r for r in count if visits[:, role_cols[r]].sum() > 0] or list(count)
    local = np.zeros((len(field), n_offices))
    for i, r in enumerate(field):
        d = role_hours(desk, visits, role_cols[r], travel_min)
        local[i] = np.bincount(office, weights=d, minlength=n_offices)
    seats = staff_offices(local, np.array([count[r] for r in field]))
    office_seats: list[list[str]] = [[] for _ in range(n_offices)]
    for i, r in enumerate(field):
        for o in range(n_offices):
            office_seats[o] += [r] * int(seats[i, o])
    big = np.argsort(-seats.sum(axis=0), kind="stable")[: min(n_offices, INSIDE_OFFICES)]
    k = 0
    for r in (r for r in count if r not in field):
        for _ in range(count[r]):
            office_seats[int(big[k % len(big)])].append(r)
            k += 1
    slots = [(o, r) for o in range(n_offices) for r in office_seats[o]]
    slots.sort(key=lambda t: (t[0], ROLES.index(t[1])))
    return (
        np.array([t[0] for t in slots], dtype=np.int64),
        np.array([t[1] for t in slots], dtype=object),
    )


def _own_base_demand(
    r: str,
    count: dict[str, int],
    role: NDArray[np.object_],
    s_lat: NDArray[np.float64],
    s_lon: NDArray[np.float64],
    acc_lat: NDArray[np.float64],
    acc_lon: NDArray[np.float64],
    group: NDArray[np.int64],
    desk: NDArray[np.float64],
    visits: NDArray[np.float64],
    travel: TravelModel,
) -> float:
    """Weekly hours of role ``r``, travel from the role's own bases (groups from one base)."""
    cols = role_columns(r, count)
    mask = role == r
    v_r = visits[:, cols].sum(axis=1)
    minutes, _ = serving_travel_min(acc_lat, acc_lon, s_lat[mask], s_lon[mask], group, v_r, travel)
    return float(desk[:, cols].sum() + visit_travel_h(v_r, minutes).sum())


def role_columns(role: str, count: dict[str, int]) -> list[int]:
    """Columns of the operation roles that ``role`` performs.

    Parameters
    ----------
    role
        A seller role.
    count
        Headcount of the roles the team holds.

    Returns
    -------
    list of int
        Indices in :data:`~allocate.core.nomenclature.ROLES`: the role itself, and for
        ``generalist`` every operation role that the team does not hold.
    """
    return [ROLES.index(x) for x in ROLES if (x if x in count else "generalist") == role]


def role_counts(
    role_demand: NDArray[np.float64],
    n: int,
    *,
    merge: bool = True,
    keep: dict[str, int] | None = None,
) -> dict[str, int]:
    """Headcount per role in proportion to its workload (largest remainder).

    With ``merge``, roles worth less than half a seller are merged into generalists (who may
    do any operation), together with the next smallest roles until the generalists are worth
    at least 0.75 of a seller; teams of fewer than three sellers are all generalists.
    Without ``merge``, the roles of ``keep`` are re-sized, each keeping at least one seller.

    Parameters
    ----------
    role_demand
        Hours per week of each operation role (in the order of ``ROLES``).
    n
        Team size.
    merge
        Merge small roles into generalists (the first sizing).
    keep
        Without ``merge``: the roles to re-size.

    Returns
    -------
    dict
        Role -> headcount (at least 1), in the order of ``ROLES``, summing to ``n``.
    """
    if n < 3:
        return {"generalist": n}
    total = role_demand.sum()
    quota = {r: role_demand[ROLES.index(r)] / total * n for r in ROLES}
    if merge:
        quota = {r: q for r, q in quota.items() if r != "generalist"}
        small = sorted(quota, key=lambda r: (quota[r], ROLES.index(r)))
        merged = [r for r in small if quota[r] < 0.5]
        if merged:
            for r in small[len(merged) :]:
                if sum(quota[x] for x in merged) >= 0.75 or quota[r] >= 1.5:
                    break
                merged.append(r)
            quota = {r: q for r, q in quota.items() if r not in merged} | {
                "generalist": sum(quota[x] for x in merged)
            }
    elif keep is not None:
        quota = {r: quota[r] for r in keep}
    count = {r: max(1, int(np.floor(q))) for r, q in quota.items()}
    while sum(count.values()) < n:
        r = max(quota, key=lambda k: (quota[k] - count[k], -ROLES.index(k)))
        count[r] += 1
    while sum(count.values()) > n:
        r = max((k for k in count if count[k] > 1), key=lambda k: (count[k] - quota[k], count[k]))
        count[r] -= 1
    return {r: count[r] for r in ROLES if count.get(r, 0) > 0}
