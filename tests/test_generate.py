"""Tests of the instance generator: determinism, column contract, realism and sizing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
import yaml
from scipy.spatial import cKDTree

from allocate.core.nomenclature import ROLES, STAGES, Nomenclature, default_nomenclature_dict
from allocate.core.travel import TravelModel, haversine_km, nearest_sellers
from allocate.generate import (
    COUNTRIES,
    POTENTIAL_MEDIAN,
    SEGMENT_MIX,
    SEGMENTS,
    GeneratedInstance,
    _account_role_load,
    _towns,
    generate_instance,
    role_workload,
    write_instance,
)

MODELS = ("geography", "size", "value_proposition", "roles", "generalist", "hybrid")

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


@pytest.fixture(scope="module")
def fr() -> GeneratedInstance:
    return generate_instance("FR", 2000, 30, seed=11)


@pytest.fixture(scope="module")
def us() -> GeneratedInstance:
    return generate_instance("US", 1000, 16, seed=5, multisite_share=0.25, max_units=300)


def _region_of(country: str, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """admin1 code of the nearest real town (accounts are jittered by at most ~1.4 km)."""
    towns = _towns(country)
    _, idx = cKDTree(np.column_stack([towns.lat, towns.lon])).query(np.column_stack([lat, lon]))
    return np.array(towns.admin1)[idx]


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    paths = []
    for run in ("a", "b", "c"):
        seed = 8 if run == "c" else 7
        gen = generate_instance("FR", 400, 6, seed=seed)
        paths.append(write_instance(gen, tmp_path / run))
    names = [p.name for p in paths[0]]
    assert names == ["accounts.csv", "sellers.csv", "nomenclature.yaml", "units.geojson"]
    for a, b in zip(paths[0], paths[1], strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    # A different seed must change the accounts (guards against an ignored seed).
    assert paths[0][0].read_bytes() != paths[2][0].read_bytes()
    # Atomic writes leave no temporary files behind.
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(names)


def test_written_files_follow_the_contract(tmp_path: Path, us: GeneratedInstance) -> None:
    write_instance(us, tmp_path)
    acc = pd.read_csv(tmp_path / "accounts.csv", dtype=str, keep_default_na=False)
    sel = pd.read_csv(tmp_path / "sellers.csv", dtype=str, keep_default_na=False)
    assert list(acc.columns) == ACCOUNT_COLUMNS
    assert list(sel.columns) == SELLER_COLUMNS
    assert set(acc["locked"]) <= {"true", "false"}
    assert acc["account_id"].is_unique and sel["seller_id"].is_unique
    assert set(acc["current_seller_id"]) <= set(sel["seller_id"])
    assert (acc["product_lines"] != "").all()
    assert set(sel["role"]) <= set(ROLES)
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


@pytest.mark.parametrize("n_accounts, n_sellers", [(1, 1), (50, 2), (250, 5)])
def test_sizes(n_accounts: int, n_sellers: int) -> None:
    gen = generate_instance("FR", n_accounts, n_sellers, seed=3)
    assert len(gen.accounts) == n_accounts
    assert len(gen.sellers) == n_sellers
    assert gen.accounts["account_id"].is_unique
    assert len(gen.units) == gen.accounts["unit_id"].nunique()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="country"):
        generate_instance("DE", 10, 2, seed=1)
    with pytest.raises(ValueError, match="multisite_share"):
        generate_instance("FR", 10, 2, seed=1, multisite_share=1.5)


def test_segment_and_stage_mix(fr: GeneratedInstance) -> None:
    share = fr.accounts["segment"].value_counts(normalize=True)
    for seg, expected in zip(SEGMENTS, SEGMENT_MIX, strict=True):
        assert abs(share.get(seg, 0.0) - expected) < 0.03, seg
    assert share["micro"] + share["small"] > 0.8 and share["large"] < 0.06
    assert set(fr.accounts["stage"]) == set(STAGES)
    assert fr.accounts["stage"].value_counts().idxmax() == "lead"


def test_potential_is_lognormal_rising_with_size(fr: GeneratedInstance) -> None:
    acc = fr.accounts
    assert (acc["potential"] >= 0).all()
    medians = acc.groupby("segment")["potential"].median().reindex(list(SEGMENTS))
    assert medians.is_monotonic_increasing
    for seg, target in zip(SEGMENTS, POTENTIAL_MEDIAN, strict=True):
        assert 0.6 * target < medians[seg] < 1.6 * target, seg
    # Log-normal: the log of the potential is symmetric (mean close to median).
    logs = np.log(acc.loc[acc["segment"] == "micro", "potential"])
    assert abs(logs.mean() - logs.median()) < 0.1


@pytest.mark.parametrize("name", ["fr", "us"])
def test_coordinates_inside_the_country(name: str, request: pytest.FixtureRequest) -> None:
    gen: GeneratedInstance = request.getfixturevalue(name)
    lat_min, lat_max, lon_min, lon_max = COUNTRIES[gen.country].bbox
    for table in (gen.accounts, gen.sellers):
        assert table["lat"].between(lat_min, lat_max).all()
        assert table["lon"].between(lon_min, lon_max).all()
    if gen.country == "US":
        regions = _region_of("US", gen.accounts["lat"].to_numpy(), gen.accounts["lon"].to_numpy())
        assert not {"AK", "HI"} & set(regions)


def test_accounts_sit_at_real_towns_with_a_small_jitter(fr: GeneratedInstance) -> None:
    towns = _towns("FR")
    xyz_t = np.column_stack([towns.lat, towns.lon])
    _, idx = cKDTree(xyz_t).query(fr.accounts[["lat", "lon"]].to_numpy())
    km = haversine_km(fr.accounts["lat"], fr.accounts["lon"], towns.lat[idx], towns.lon[idx])
    assert km.max() < 1.5
    assert 0.1 < np.median(km) < 0.8
    # Weighted by population: the accounts' towns are much larger than an average town.
    assert np.median(towns.population[idx]) > 3 * np.median(towns.population)


@pytest.mark.parametrize("name", ["fr", "us"])
def test_groups_span_regions_and_share_seller_and_lock(
    name: str, request: pytest.FixtureRequest
) -> None:
    gen: GeneratedInstance = request.getfixturevalue(name)
    acc = gen.accounts.copy()
    acc["region"] = _region_of(gen.country, acc["lat"].to_numpy(), acc["lon"].to_numpy())
    grouped = acc[acc["group_id"] != ""]
    assert len(grouped) > 0
    per_group = grouped.groupby("group_id").agg(
        sites=("account_id", "size"),
        regions=("region", "nunique"),
        sellers=("current_seller_id", "nunique"),
        locks=("locked", "nunique"),
        stages=("stage", "nunique"),
    )
    assert (per_group["sites"] >= 2).all()
    assert (per_group["regions"] >= 2).all()
    assert (per_group["sellers"] == 1).all()
    assert (per_group["locks"] == 1).all()
    assert (per_group["stages"] == 1).all()
    expected = 0.25 if gen.country == "US" else 0.05
    assert abs(len(grouped) / len(acc) - expected) < 0.02


def test_locked_share_is_small(fr: GeneratedInstance) -> None:
    share = (fr.accounts["locked"] == "true").mean()
    assert 0.005 < share < 0.04


def test_current_alignment_is_mostly_near(fr: GeneratedInstance) -> None:
    acc, sel = fr.accounts, fr.sellers.set_index("seller_id")
    cur = sel.loc[acc["current_seller_id"]]
    km_current = haversine_km(acc["lat"], acc["lon"], cur["lat"], cur["lon"])
    km_all = haversine_km(
        acc["lat"].to_numpy()[:, None],
        acc["lon"].to_numpy()[:, None],
        sel["lat"].to_numpy()[None, :],
        sel["lon"].to_numpy()[None, :],
    )
    assert np.median(km_current) < 0.5 * np.median(km_all)
    # The current seller holds the stage's role (or is a generalist).
    owner = {"lead": {"SDR", "MRR"}, "prospect": {"AE"}, "opportunity": {"AE"}, "customer": {"CSM"}}
    single = acc["group_id"] == ""
    fits = [
        role in owner[stage] or role == "generalist"
        for role, stage in zip(
            cur["role"][single.to_numpy()], acc.loc[single, "stage"], strict=True
        )
    ]
    assert np.mean(fits) > 0.95


def test_sellers_are_based_in_large_towns_with_skills(fr: GeneratedInstance) -> None:
    towns = _towns("FR")
    _, idx = cKDTree(np.column_stack([towns.lat, towns.lon])).query(
        fr.sellers[["lat", "lon"]].to_numpy()
    )
    assert towns.population[idx].min() >= 50_000
    assert fr.sellers["capacity_h"].between(5, 40).all()
    assert (fr.sellers["segments"] == "mid;large").any()
    assert (fr.sellers["segments"] == "").mean() > 0.5
    assert fr.sellers[["lat", "lon"]].drop_duplicates().shape[0] >= 5


@pytest.mark.parametrize("name", ["fr", "us"])
def test_capacity_covers_the_workload_in_every_model(
    name: str, request: pytest.FixtureRequest
) -> None:
    gen: GeneratedInstance = request.getfixturevalue(name)
    load = role_workload(gen.accounts, gen.sellers, gen.nomenclature).set_index("role")
    assert load.loc["all", "n_sellers"] == len(gen.sellers)
    roles = load.drop(index="all")
    assert roles["n_sellers"].sum() == len(gen.sellers)
    assert roles["load"].between(0.70, 0.85).all(), roles["load"].to_dict()
    assert 0.75 <= load.loc["all", "load"] <= 0.85
    # Every operation's hours are counted once in the roles rows.
    assert roles["desk_h"].sum() == pytest.approx(load.loc["all", "desk_h"])
    pd.testing.assert_frame_equal(gen.load.set_index("role"), load)


def test_role_workload_matches_a_hand_computation() -> None:
    # One micro prospect 100 km north of an AE, one small customer at a CSM's base.
    accounts = pd.DataFrame(
        {
            "lat": [45.0 + 100.0 / 111.19508, 45.0],
            "lon": [5.0, 6.0],
            "segment": ["micro", "small"],
            "stage": ["prospect", "customer"],
        }
    )
    sellers = pd.DataFrame(
        {"role": ["AE", "CSM"], "lat": [45.0, 45.0], "lon": [5.0, 6.0], "capacity_h": [10.0, 5.0]}
    )
    load = role_workload(accounts, sellers).set_index("role")
    km = float(haversine_km(45.0, 5.0, accounts["lat"][0], 5.0))
    assert km == pytest.approx(100.0, abs=0.01)
    one_way_h = km * 1.3 / 70.0
    # prospect: visit1 60 + visit2 60 + follow-up 3 x 20 min a year, 2 visits, 46 weeks.
    ae = 180 / 60 / 46 + 2 / 46 * 2 * one_way_h
    assert load.loc["AE", "demand_h"] == pytest.approx(ae)
    assert load.loc["AE", "load"] == pytest.approx(ae / 10.0)
    # small customer: 4 x 20 min calls + 2 x 60 min reviews, no travel (seller on site).
    assert load.loc["CSM", "demand_h"] == pytest.approx(200 / 60 / 46)
    # Full-cycle: the prospect's nearest base is still the AE's.
    assert load.loc["all", "demand_h"] == pytest.approx(ae + 200 / 60 / 46)
    assert TravelModel().minutes(km) == pytest.approx(one_way_h * 60)


def test_units_are_valid_adjacent_and_hold_their_accounts(us: GeneratedInstance) -> None:
    units = us.units.set_index("unit_id")
    assert len(units) <= 300
    assert units.geometry.is_valid.all()
    assert not units.geometry.is_empty.any()
    # Neighbours are symmetric and every unit has one.
    nb = {u: set(s.split(";")) - {""} for u, s in units["neighbors"].items()}
    assert all(u in nb[v] for u, vs in nb.items() for v in vs)
    assert sum(1 for vs in nb.values() if not vs) <= 0.02 * len(nb)
    # An account lies in (or within 1 km of) its unit's cell.
    acc = us.accounts
    geoms = units.geometry.loc[acc["unit_id"]].to_numpy()
    pts = shapely.points(acc["lon"].to_numpy(), acc["lat"].to_numpy())
    inside = shapely.dwithin(geoms, pts, 0.01)
    assert inside.mean() > 0.99


def test_offices_are_staffed_like_the_demand(fr: GeneratedInstance) -> None:
    # Desk hours of the accounts nearest to each office against the office's capacity: none
    # may exceed it (the old placement gave the Paris-area office 39 h for 233 h).
    acc, sel = fr.accounts, fr.sellers
    desk, _ = _account_role_load(acc, Nomenclature.model_validate(fr.nomenclature))
    bases, base_of = np.unique(sel[["lat", "lon"]].to_numpy(), axis=0, return_inverse=True)
    idx, _ = nearest_sellers(acc["lat"], acc["lon"], bases[:, 0], bases[:, 1], k=1)
    demand = np.bincount(idx[:, 0], weights=desk.sum(axis=1), minlength=len(bases))
    cap = np.bincount(np.ravel(base_of), weights=sel["capacity_h"], minlength=len(bases))
    assert (demand / cap).max() < 0.9, (demand / cap).round(2)


def test_every_organization_model_is_lp_feasible(tmp_path: Path) -> None:
    """Capacity sits where the demand is: each model's LP relaxation is feasible with the
    solver's sparse candidate sets (the 8 nearest bases of each account)."""
    from allocate import Scenario, read_instance
    from allocate.organize.presets import build_model
    from allocate.solvers.feasibility import capacity_shortfalls
    from allocate.solvers.lp import lp_relaxation

    write_instance(generate_instance("FR", 1000, 12, seed=4), tmp_path)
    inst = read_instance(tmp_path)
    for model in MODELS:
        problem = build_model(inst, Scenario(model=model)).problem
        assert capacity_shortfalls(problem) == [], model
        assert lp_relaxation(problem, 60).feasible, model


def test_big_towns_are_cut_into_sectors(fr: GeneratedInstance) -> None:
    # No unit holds more than max(25, a quarter of a seller's accounts).
    per_unit = fr.accounts["unit_id"].value_counts()
    assert per_unit.max() <= 2.0 * max(25, np.ceil(len(fr.accounts) / len(fr.sellers) / 4))
    assert fr.units["unit_id"].str.contains("-").any()
