"""The accounts: mixes, potential, positions, product lines, names and locks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from allocate.core.nomenclature import DEFAULT_SEGMENTS, STAGES
from allocate.core.travel import haversine_km
from allocate.generate import GeneratedInstance
from allocate.generate.accounts import (
    POTENTIAL_MEDIAN,
    PRODUCT_LINES,
    SEGMENT_MIX,
    company_names,
    draw_locks,
    draw_product_lines,
    jitter,
)
from allocate.generate.countries import FR
from allocate.generate.towns import country_towns


def test_segment_and_stage_mix(fr: GeneratedInstance) -> None:
    share = fr.accounts["segment"].value_counts(normalize=True)
    for seg, expected in zip(DEFAULT_SEGMENTS, SEGMENT_MIX, strict=True):
        assert abs(share.get(seg, 0.0) - expected) < 0.03, seg
    assert share["micro"] + share["small"] > 0.8 and share["large"] < 0.06
    assert set(fr.accounts["stage"]) == set(STAGES)
    assert fr.accounts["stage"].value_counts().idxmax() == "lead"


def test_potential_is_lognormal_rising_with_size(fr: GeneratedInstance) -> None:
    acc = fr.accounts
    assert (acc["potential"] >= 0).all()
    medians = acc.groupby("segment")["potential"].median().reindex(list(DEFAULT_SEGMENTS))
    assert medians.is_monotonic_increasing
    for seg, target in zip(DEFAULT_SEGMENTS, POTENTIAL_MEDIAN, strict=True):
        assert 0.6 * target < medians[seg] < 1.6 * target, seg
    # Log-normal: the log of the potential is symmetric (mean close to median).
    logs = np.log(acc.loc[acc["segment"] == "micro", "potential"])
    assert abs(logs.mean() - logs.median()) < 0.1


def test_accounts_sit_at_real_towns_with_a_small_jitter(fr: GeneratedInstance) -> None:
    towns = country_towns("FR")
    xyz_t = np.column_stack([towns.lat, towns.lon])
    _, idx = cKDTree(xyz_t).query(fr.accounts[["lat", "lon"]].to_numpy())
    km = haversine_km(fr.accounts["lat"], fr.accounts["lon"], towns.lat[idx], towns.lon[idx])
    assert km.max() < 1.5
    assert 0.1 < np.median(km) < 0.8
    # Weighted by population: the accounts' towns are much larger than an average town.
    assert np.median(towns.population[idx]) > 3 * np.median(towns.population)


def test_locked_share_is_small(fr: GeneratedInstance) -> None:
    share = (fr.accounts["locked"] == "true").mean()
    assert 0.005 < share < 0.04


def test_jitter_moves_at_most_a_km_per_axis_and_stays_in_the_box() -> None:
    rng = np.random.default_rng(0)
    lat, lon = np.full(500, 45.0), np.full(500, 5.0)
    lat2, lon2 = jitter(rng, lat, lon, (40.0, 50.0, 0.0, 10.0))
    assert haversine_km(lat, lon, lat2, lon2).max() <= np.sqrt(2) + 1e-9
    assert (lat2 != lat).all()
    # a box tighter than the jitter clips
    lat3, lon3 = jitter(np.random.default_rng(0), lat, lon, (45.0, 45.0, 5.0, 5.0))
    assert (lat3 == 45.0).all() and (lon3 == 5.0).all()


def test_product_lines_are_nonempty_ordered_subsets() -> None:
    rng = np.random.default_rng(1)
    segment = np.array([0] * 300 + [3] * 300)
    lines = draw_product_lines(rng, segment)
    assert len(lines) == 600
    order = {p: i for i, p in enumerate(PRODUCT_LINES)}
    for text in lines:
        parts = text.split(";")
        assert parts and len(set(parts)) == len(parts)
        assert [order[p] for p in parts] == sorted(order[p] for p in parts)
    # large companies buy more lines than micro ones
    n = np.array([len(t.split(";")) for t in lines])
    assert n[300:].mean() > n[:300].mean()


def test_sites_of_a_group_carry_the_group_name_and_their_town() -> None:
    towns = country_towns("FR")
    group = np.array([-1, 0, 0])
    town_idx = np.array([0, 1, 2])
    names = company_names(np.random.default_rng(2), FR, 3, 1, group, town_idx, towns)
    base = names[1].rsplit(" (", 1)[0]
    assert names[1] == f"{base} ({towns.name[1]})" and names[2] == f"{base} ({towns.name[2]})"
    assert names[0].split(" ")[-1] in FR.legal_forms and "(" not in names[0]


def test_a_group_shares_one_lock() -> None:
    group = np.array([0] * 50 + [1] * 50 + [-1] * 1000)
    locked = draw_locks(np.random.default_rng(3), len(group), group)
    assert len(set(locked[:50])) == 1 and len(set(locked[50:100])) == 1
    assert 0.0 < locked[100:].mean() < 0.05


@pytest.mark.parametrize("name", ["fr", "us"])
def test_account_table_columns(name: str, request: pytest.FixtureRequest) -> None:
    gen: GeneratedInstance = request.getfixturevalue(name)
    acc = gen.accounts
    assert acc["account_id"].iloc[0] == "A000001" and acc["account_id"].is_unique
    assert set(acc["group_id"]) - {""} == {f"G{g:04d}" for g in range(1, acc["group_id"].nunique())}
