"""A small synthetic instance (no towns file) and one Dask LocalCluster for the batch tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from allocate.core.nomenclature import default_nomenclature_dict

CITIES = [(48.8566, 2.3522), (45.7640, 4.8357), (43.2965, 5.3698), (44.8378, -0.5792)]


def synthetic_instance(folder: Path, n_accounts: int = 60, seed: int = 0) -> Path:
    """Accounts around four French cities, one seller in each; every stage and segment."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        "account_id,name,lat,lon,segment,potential,stage,product_lines,group_id,current_seller_id,locked,unit_id"
    ]
    for i in range(n_accounts):
        c = i % len(CITIES)
        lat, lon = CITIES[c][0] + rng.normal(0, 0.3), CITIES[c][1] + rng.normal(0, 0.3)
        seg = ["micro", "small", "mid", "large"][int(rng.integers(0, 3))]
        stage = ["lead", "prospect", "opportunity", "customer"][i % 4]
        line = "payroll" if i % 3 else "payroll;hr"
        rows.append(
            f"A{i:03d},Company {i},{lat:.5f},{lon:.5f},{seg},{rng.uniform(1e3, 1e5):.0f},{stage},{line},,S{c},false,"
        )
    sellers = [
        "seller_id,name,lat,lon,role,capacity_h,segments,product_lines,max_accounts,max_travel_min"
    ]
    for c, (lat, lon) in enumerate(CITIES):
        sellers.append(f"S{c},Seller {c},{lat},{lon},generalist,{12 + 4 * c},,,,")
    (folder / "accounts.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "sellers.csv").write_text("\n".join(sellers) + "\n", encoding="utf-8")
    (folder / "nomenclature.yaml").write_text(
        yaml.safe_dump(default_nomenclature_dict(), sort_keys=False)
    )
    return folder


def write_batch(
    folder: Path,
    instance: str,
    models: list[str],
    whatifs: list[dict],
    time_limit: float = 0.5,
    grid: dict | None = None,
) -> Path:
    spec = {
        "name": "test",
        "instances": [instance],
        "models": models,
        "scenario": {"time_limit_s": time_limit, "workers": 1},
        "grid": grid or {},
        "whatifs": whatifs,
    }
    path = folder / "batch.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


WHATIFS = [
    {"name": "today"},
    {"name": "+1 seller", "extra_sellers": 1},
    {"name": "+20 % leads", "lead_share": 0.2},
]


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_instance(tmp_path_factory.mktemp("inst") / "synthetic", n_accounts=80)


@pytest.fixture(scope="module")
def client():
    from allocate.batch import dask_client

    with dask_client(workers=2) as c:
        yield c
