"""The accounts: where they are, their size, stage, product lines, names and locks.

Accounts sit at real towns drawn with a probability proportional to the population, moved
by a jitter of a few hundred metres. The segment follows :data:`SEGMENT_MIX`, the potential
is log-normal around :data:`POTENTIAL_MEDIAN` (rising with the size), the stage follows
:data:`STAGE_MIX` (groups: :data:`GROUP_STAGE_MIX`) and the product lines are a non-empty
subset of :data:`PRODUCT_LINES`, mostly one line (:data:`LINES_COUNT_MIX`): in the
``value_proposition`` model every line's specialist visits the account, so each extra line
repeats the visits and their travel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from allocate.core.nomenclature import DEFAULT_SEGMENTS, STAGES
from allocate.core.travel import EARTH_RADIUS_KM
from allocate.generate.countries import CountrySpec
from allocate.generate.groups import draw_groups
from allocate.generate.towns import COORD_DECIMALS, Towns

#: Share of each segment (micro, small, mid, large).
SEGMENT_MIX: tuple[float, ...] = (0.55, 0.30, 0.12, 0.03)
#: Median potential (€ per year) and log-normal sigma per segment.
POTENTIAL_MEDIAN: tuple[float, ...] = (4_000.0, 15_000.0, 60_000.0, 250_000.0)
POTENTIAL_SIGMA: tuple[float, ...] = (0.8, 0.7, 0.6, 0.6)
#: Share of each stage (lead, prospect, opportunity, customer).
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
LOCKED_SHARE = 0.02
JITTER_SIGMA_KM = 0.3


@dataclass(frozen=True, eq=False)
class DrawnAccounts:
    """The accounts table (without ``current_seller_id``, ``locked``, ``unit_id`` yet), the
    town of each account and its group (-1 for single sites)."""

    table: pd.DataFrame
    town_idx: NDArray[np.int64]
    group: NDArray[np.int64]


def draw_accounts(
    rng: np.random.Generator,
    spec: CountrySpec,
    towns: Towns,
    n_accounts: int,
    multisite_share: float,
) -> DrawnAccounts:
    """Draw the accounts, in a fixed order of draws from ``rng``.

    Parameters
    ----------
    rng
        The generator's random stream (advanced).
    spec
        The country (bounds, spread of groups, words of names).
    towns
        The country's towns.
    n_accounts
        Number of accounts (ids ``A000001`` on).
    multisite_share
        Share of the accounts that are sites of multi-site groups.

    Returns
    -------
    DrawnAccounts
        Columns ``account_id``, ``name``, ``lat``, ``lon`` (rounded to
        :data:`~allocate.generate.towns.COORD_DECIMALS`), ``segment``, ``potential`` (cents),
        ``stage``, ``product_lines``, ``group_id`` (``G0001`` on, blank for single sites).
    """
    town_idx = rng.choice(len(towns.lat), size=n_accounts, p=towns.population / towns.population.sum())
    lat, lon = jitter(rng, towns.lat[town_idx], towns.lon[town_idx], spec.bbox)
    segment = rng.choice(len(DEFAULT_SEGMENTS), size=n_accounts, p=SEGMENT_MIX)
    stage = rng.choice(len(STAGES), size=n_accounts, p=STAGE_MIX)
    group = draw_groups(rng, n_accounts, multisite_share, segment, town_idx, towns, spec.group_spread_km)
    n_groups = int(group.max()) + 1
    if n_groups > 0:
        group_stage = rng.choice(len(STAGES), size=n_groups, p=GROUP_STAGE_MIX)
        stage = np.where(group >= 0, group_stage[np.maximum(group, 0)], stage)
    potential = draw_potential(rng, segment)
    lines = draw_product_lines(rng, segment)
    names = company_names(rng, spec, n_accounts, n_groups, group, town_idx, towns)
    table = pd.DataFrame(
        {
            "account_id": [f"A{i:06d}" for i in range(1, n_accounts + 1)],
            "name": names,
            "lat": np.round(lat, COORD_DECIMALS),
            "lon": np.round(lon, COORD_DECIMALS),
            "segment": np.array(DEFAULT_SEGMENTS)[segment],
            "potential": np.round(potential, 2),
            "stage": np.array(STAGES)[stage],
            "product_lines": lines,
            "group_id": [f"G{g + 1:04d}" if g >= 0 else "" for g in group],
        }
    )
    return DrawnAccounts(table=table, town_idx=town_idx, group=group)


def jitter(
    rng: np.random.Generator,
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    bbox: tuple[float, float, float, float],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Move each point by a few hundred metres (normal, clipped at 1 km per axis).

    Parameters
    ----------
    rng
        The random stream (advanced).
    lat, lon
        Degrees.
    bbox
        ``(lat_min, lat_max, lon_min, lon_max)`` the moved points stay in.

    Returns
    -------
    tuple of numpy.ndarray
        The moved ``lat``, ``lon``.
    """
    dn, de = np.clip(rng.normal(0.0, JITTER_SIGMA_KM, size=(2, len(lat))), -1.0, 1.0)
    lat2 = lat + np.degrees(dn / EARTH_RADIUS_KM)
    lon2 = lon + np.degrees(de / (EARTH_RADIUS_KM * np.cos(np.radians(lat))))
    lat_min, lat_max, lon_min, lon_max = bbox
    return np.clip(lat2, lat_min, lat_max), np.clip(lon2, lon_min, lon_max)


def draw_potential(rng: np.random.Generator, segment: NDArray[np.int64]) -> NDArray[np.float64]:
    """Log-normal potential around the segment's median.

    Parameters
    ----------
    rng
        The random stream (advanced).
    segment
        Segment index of each account.

    Returns
    -------
    numpy.ndarray
        € per year, unrounded.
    """
    median = np.asarray(POTENTIAL_MEDIAN)[segment]
    sigma = np.asarray(POTENTIAL_SIGMA)[segment]
    return median * np.exp(sigma * rng.standard_normal(len(segment)))


def draw_product_lines(rng: np.random.Generator, segment: NDArray[np.int64]) -> list[str]:
    """Non-empty subsets, drawn without replacement by popularity (Gumbel top-k).

    Parameters
    ----------
    rng
        The random stream (advanced).
    segment
        Segment index of each account (row of :data:`LINES_COUNT_MIX`).

    Returns
    -------
    list of str
        ``;``-joined lines in the order of :data:`PRODUCT_LINES`.
    """
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


def company_names(
    rng: np.random.Generator,
    spec: CountrySpec,
    n_accounts: int,
    n_groups: int,
    group: NDArray[np.int64],
    town_idx: NDArray[np.int64],
    towns: Towns,
) -> list[str]:
    """``Prefix Word Legal`` names; sites of a group carry the group's name and their town.

    Parameters
    ----------
    rng
        The random stream (advanced: the accounts' names, then the groups').
    spec
        The country's words.
    n_accounts, n_groups
        Counts.
    group
        Group of each account, -1 for single sites.
    town_idx
        Town of each account in ``towns``.
    towns
        The country's towns.

    Returns
    -------
    list of str
        One name per account, e.g. ``Summit Dental LLC (Austin)`` for a site.
    """

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


def draw_locks(rng: np.random.Generator, n: int, group: NDArray[np.int64]) -> NDArray[np.bool_]:
    """A small share (:data:`LOCKED_SHARE`) locked; a group's lock is shared by its sites.

    Parameters
    ----------
    rng
        The random stream (advanced: the accounts', then the groups' locks).
    n
        Number of accounts.
    group
        Group of each account, -1 for single sites.

    Returns
    -------
    numpy.ndarray
        bool per account.
    """
    locked = rng.random(n) < LOCKED_SHARE
    n_groups = int(group.max()) + 1
    if n_groups > 0:
        group_locked = rng.random(n_groups) < LOCKED_SHARE
        locked = np.where(group >= 0, group_locked[np.maximum(group, 0)], locked)
    return locked
