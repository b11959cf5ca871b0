"""Drawing one instance: the arguments, the order of the random draws, the result.

Every draw comes from one ``numpy.random.default_rng(seed)`` stream, in a fixed order
(accounts, sellers, today's alignment, locks), so the same arguments give the same instance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from allocate.core.nomenclature import Nomenclature, default_nomenclature_dict
from allocate.generate.accounts import draw_accounts, draw_locks
from allocate.generate.alignment import current_alignment
from allocate.generate.countries import COUNTRIES
from allocate.generate.load import role_workload
from allocate.generate.sellers import draw_sellers
from allocate.generate.towns import country_towns
from allocate.generate.units import choose_units, unit_max_accounts, unit_polygons

logger = logging.getLogger(__name__)


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
    load
        :func:`~allocate.generate.load.role_workload` of the instance (not written).
    """

    accounts: pd.DataFrame
    sellers: pd.DataFrame
    units: gpd.GeoDataFrame
    nomenclature: dict[str, Any]
    country: str
    seed: int
    load: pd.DataFrame = field(repr=False)


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

    Returns
    -------
    GeneratedInstance
        The tables, the default nomenclature and the load per role.

    Raises
    ------
    ValueError
        For an unknown country, a size below 1 or a share outside [0, 1].
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
    towns = country_towns(country)
    rng = np.random.default_rng(seed)
    nomenclature = default_nomenclature_dict()
    nom = Nomenclature.model_validate(nomenclature)

    drawn = draw_accounts(rng, spec, towns, n_accounts, multisite_share)
    accounts, town_idx, group = drawn.table, drawn.town_idx, drawn.group
    sellers = draw_sellers(rng, spec, towns, accounts, town_idx, group, n_sellers, nom)
    accounts["current_seller_id"] = current_alignment(rng, accounts, sellers, group)
    locked = draw_locks(rng, n_accounts, group)
    accounts["locked"] = np.where(locked, "true", "false")
    max_per_unit = unit_max_accounts(n_accounts, n_sellers)
    unit_seeds, unit_of_account = choose_units(towns, town_idx, accounts, max_units, max_per_unit)
    accounts["unit_id"] = [unit_seeds.ids[u] for u in unit_of_account]
    units = unit_polygons(country, towns, unit_seeds)
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
