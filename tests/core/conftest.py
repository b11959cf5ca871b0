"""Builders of small core objects (accounts, sellers, instances) without any file."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from allocate.core.instance import Accounts, Instance, Sellers, Units
from allocate.core.nomenclature import Nomenclature

ONE_PLAYBOOK = {
    "playbooks": [
        {"stage": "customer", "operations": [
            {"id": "visit", "channel": "visit", "duration_min": 60, "per_year": 46, "role": "CSM"},
        ]},
    ],
}


def make_accounts(lat, lon, *, current=None, group=None, unit=None, potential=None) -> Accounts:
    n = len(lat)
    return Accounts(
        ids=tuple(f"A{i}" for i in range(n)),
        names=tuple(f"Account {i}" for i in range(n)),
        lat=np.asarray(lat, dtype=float),
        lon=np.asarray(lon, dtype=float),
        segment=("small",) * n,
        potential=np.asarray(potential if potential is not None else np.ones(n), dtype=float),
        stage=("customer",) * n,
        product_lines=(("payroll",),) * n,
        group=np.asarray(group if group is not None else np.full(n, -1), dtype=np.int64),
        group_ids=(),
        current_seller=np.asarray(current if current is not None else np.full(n, -1), dtype=np.int64),
        locked=np.zeros(n, dtype=bool),
        unit=np.asarray(unit if unit is not None else np.full(n, -1), dtype=np.int64),
    )


def make_sellers(lat, lon, *, segments=None, product_lines=None, capacity_h=None) -> Sellers:
    n = len(lat)
    return Sellers(
        ids=tuple(f"S{i}" for i in range(n)),
        names=tuple(f"Seller {i}" for i in range(n)),
        lat=np.asarray(lat, dtype=float),
        lon=np.asarray(lon, dtype=float),
        role=("CSM",) * n,
        capacity_h=np.asarray(capacity_h if capacity_h is not None else np.full(n, 40.0), dtype=float),
        segments=segments if segments is not None else ((),) * n,
        product_lines=product_lines if product_lines is not None else ((),) * n,
        max_accounts=np.full(n, -1, dtype=np.int64),
        max_travel_min=np.full(n, np.inf),
    )


def make_instance(accounts: Accounts, sellers: Sellers, units: Units | None = None) -> Instance:
    return Instance(
        name="test",
        accounts=accounts,
        sellers=sellers,
        nomenclature=Nomenclature.model_validate(ONE_PLAYBOOK),
        units=units,
    )


@pytest.fixture()
def build() -> Callable[..., object]:
    """``build.accounts(...)``, ``build.sellers(...)``, ``build.instance(...)``."""

    class _Build:
        accounts = staticmethod(make_accounts)
        sellers = staticmethod(make_sellers)
        instance = staticmethod(make_instance)

    return _Build
