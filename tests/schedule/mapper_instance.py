"""A small instance for the mapper tests: 24 accounts around three bases, one seller each."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from allocate import Alignment, Instance, read_instance
from allocate.core.nomenclature import default_nomenclature_dict

MONDAY = dt.date(2027, 1, 4)
BASES = [(48.8566, 2.3522), (45.7640, 4.8357), (43.2965, 5.3698)]


def three_bases(folder: Path, n: int = 24) -> Path:
    """``n`` accounts around three bases, one generalist seller each (plain files)."""
    import yaml

    rng = np.random.default_rng(4)
    folder.mkdir(parents=True)
    rows = [
        "account_id,name,lat,lon,segment,potential,stage,product_lines,group_id,"
        "current_seller_id,locked,unit_id"
    ]
    for i in range(n):
        lat, lon = BASES[i % 3]
        stage = ["lead", "prospect", "opportunity", "customer"][i % 4]
        rows.append(
            f"A{i:02d},Co {i},{lat + rng.normal(0, 0.2):.5f},{lon + rng.normal(0, 0.2):.5f},"
            f"small,{rng.uniform(1e3, 1e5):.0f},{stage},payroll,,,false,"
        )
    sellers = [
        "seller_id,name,lat,lon,role,capacity_h,segments,product_lines,max_accounts,max_travel_min"
    ]
    sellers += [f"S{c},Seller {c},{la},{lo},generalist,8,,,," for c, (la, lo) in enumerate(BASES)]
    (folder / "accounts.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "sellers.csv").write_text("\n".join(sellers) + "\n", encoding="utf-8")
    (folder / "nomenclature.yaml").write_text(yaml.safe_dump(default_nomenclature_dict()))
    return folder


def by_base(inst: Instance) -> Alignment:
    n = len(inst.accounts)
    return Alignment("geography", np.arange(n), np.arange(n) % 3, ("",) * n, "")


def small_instance(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Instance]:
    """The folder and the instance, for a module-scoped fixture."""
    folder = three_bases(tmp_path_factory.mktemp("par") / "inst")
    return folder, read_instance(folder)


