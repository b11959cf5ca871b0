"""Shared fixtures: a tiny hand-checkable instance written as real files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

# CI draws the same examples on every run (a red CI then means a change broke something, not that
# the draw was unlucky); `HYPOTHESIS_PROFILE=explore pytest ...` draws new ones to hunt for bugs.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TINY_NOMENCLATURE = {
    "weeks_per_year": 46,
    "conversion": {"lead": 0.3, "prospect": 0.4, "opportunity": 0.35},
    "deal_value": {"micro": 1000, "small": 2000, "mid": 5000, "large": 20000},
    "playbooks": [
        # 46 per year over 46 weeks = once a week
        {"stage": "customer", "operations": [
            {"id": "visit", "name": "Weekly visit", "channel": "visit", "duration_min": 60, "per_year": 46, "role": "CSM"},
            {"id": "call", "name": "Weekly call", "channel": "phone", "duration_min": 30, "per_year": 46, "role": "CSM"},
        ]},
        {"stage": "lead", "operations": [
            {"id": "call", "name": "Call", "channel": "phone", "duration_min": 60, "per_year": 46, "role": "SDR"},
        ]},
        {"stage": "prospect", "operations": [
            {"id": "visit", "name": "Visit", "channel": "visit", "duration_min": 60, "per_year": 46, "role": "AE"},
        ]},
        {"stage": "opportunity", "operations": [
            {"id": "demo", "name": "Demo", "channel": "video", "duration_min": 60, "per_year": 46, "role": "AE"},
        ]},
    ],
}

# Paris and Lyon bases; accounts in their suburbs.
TINY_SELLERS = [
    "seller_id,name,lat,lon,role,capacity_h,segments,product_lines,max_accounts,max_travel_min",
    "PAR,Paris Seller,48.8566,2.3522,CSM,40,,,,",
    "LYO,Lyon Seller,45.7640,4.8357,CSM,40,,,,",
]
TINY_ACCOUNTS = [
    "account_id,name,lat,lon,segment,potential,stage,product_lines,group_id,current_seller_id,locked,unit_id",
    "A1,Versailles Co,48.8049,2.1204,small,10000,customer,payroll,,LYO,false,",
    "A2,Saint-Denis Co,48.9362,2.3574,small,20000,customer,payroll;hr,,PAR,false,",
    "A3,Villeurbanne Co,45.7719,4.8902,mid,30000,customer,hr,,LYO,false,",
    "A4,Vénissieux Co,45.6975,4.8867,small,40000,customer,payroll,,PAR,false,",
]


def write_instance(folder: Path, accounts: list[str], sellers: list[str], nomenclature: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "accounts.csv").write_text("\n".join(accounts) + "\n", encoding="utf-8")
    (folder / "sellers.csv").write_text("\n".join(sellers) + "\n", encoding="utf-8")
    (folder / "nomenclature.yaml").write_text(yaml.safe_dump(nomenclature or TINY_NOMENCLATURE, sort_keys=False))
    return folder


@pytest.fixture()
def tiny_dir(tmp_path: Path) -> Path:
    return write_instance(tmp_path / "tiny", TINY_ACCOUNTS, TINY_SELLERS)


@pytest.fixture()
def tiny(tiny_dir: Path):
    from allocate import read_instance

    return read_instance(tiny_dir)
