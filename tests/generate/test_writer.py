"""Writing the instance folder."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import yaml

from allocate.core.nomenclature import ROLES, Nomenclature, default_nomenclature_dict
from allocate.generate import GeneratedInstance, write_instance
from allocate.generate.writer import units_geojson

ACCOUNT_COLUMNS = [
    "account_id",
    "name",
    "lat",
    "lon",
    "segment",
    "potential",
    "stage",
    "product_lines",
    "group_id",
    "current_seller_id",
    "locked",
    "unit_id",
]
SELLER_COLUMNS = [
    "seller_id",
    "name",
    "lat",
    "lon",
    "role",
    "capacity_h",
    "segments",
    "product_lines",
    "max_accounts",
    "max_travel_min",
    "daily_h",
]


def test_written_files_follow_the_contract(tmp_path: Path, us: GeneratedInstance) -> None:
    paths = write_instance(us, tmp_path)
    assert [p.name for p in paths] == ["accounts.csv", "sellers.csv", "nomenclature.yaml", "units.geojson"]
    # atomic writes leave no temporary files behind, and files are readable by all
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in paths)
    acc = pd.read_csv(tmp_path / "accounts.csv", dtype=str, keep_default_na=False)
    sel = pd.read_csv(tmp_path / "sellers.csv", dtype=str, keep_default_na=False)
    assert list(acc.columns) == ACCOUNT_COLUMNS
    assert list(sel.columns) == SELLER_COLUMNS
    assert set(acc["locked"]) <= {"true", "false"}
    assert acc["account_id"].is_unique and sel["seller_id"].is_unique
    assert set(acc["current_seller_id"]) <= set(sel["seller_id"])
    assert (acc["product_lines"] != "").all()
    assert set(sel["role"]) <= set(ROLES)
    assert (sel["max_accounts"] == "").all()
    # Coordinates are written with at most 5 decimals, money with at most 2.
    assert acc["lat"].str.split(".").str[1].str.len().max() <= 5
    assert acc["potential"].str.split(".").str[1].fillna("").str.len().max() <= 2
    nom = yaml.safe_load((tmp_path / "nomenclature.yaml").read_text(encoding="utf-8"))
    assert nom == default_nomenclature_dict()
    Nomenclature.model_validate(nom)
    geo = json.loads((tmp_path / "units.geojson").read_text(encoding="utf-8"))
    assert geo["type"] == "FeatureCollection"
    props = [f["properties"] for f in geo["features"]]
    assert {p["unit_id"] for p in props} >= set(acc["unit_id"])
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in geo["features"])
    assert all(set(p) == {"unit_id", "name", "population", "neighbors"} for p in props)


def test_units_geojson_is_compact_rounded_and_one_feature_per_line() -> None:
    units = gpd.GeoDataFrame(
        {"unit_id": ["T1", "T2"], "name": ["Évry", "Nice"], "population": [12, 3], "neighbors": ["T2", "T1"]},
        geometry=[shapely.box(0.123456, 1.0, 2.0, 3.0), shapely.box(2.0, 1.0, 3.0, 3.0)],
        crs="EPSG:4326",
    )
    text = units_geojson(units)
    lines = text.splitlines()
    assert lines[0] == '{"type":"FeatureCollection","features":['
    assert lines[-1] == "]}" and text.endswith("\n") and len(lines) == 4
    assert lines[1].startswith('{"type":"Feature","properties":{"unit_id":"T1","name":"Évry","population":12,')
    assert "0.1235" in lines[1] and "0.123456" not in lines[1]
    assert json.loads(text)["features"][1]["geometry"]["coordinates"][0][0] == [3.0, 1.0]


def test_rewriting_keeps_the_folder_clean(tmp_path: Path, us: GeneratedInstance) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    first = [p.read_bytes() for p in write_instance(us, tmp_path)]
    again = [p.read_bytes() for p in write_instance(us, tmp_path)]
    assert first == again
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["accounts.csv", "sellers.csv", "nomenclature.yaml", "units.geojson", "notes.txt"]
    )
