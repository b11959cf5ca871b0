"""Multi-site groups."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.generate import GeneratedInstance
from allocate.generate.groups import GROUP_SIZES, draw_groups
from allocate.generate.towns import country_towns

from .conftest import region_of


@pytest.mark.parametrize("name", ["fr", "us"])
def test_groups_span_regions_and_share_seller_and_lock(name: str, request: pytest.FixtureRequest) -> None:
    gen: GeneratedInstance = request.getfixturevalue(name)
    acc = gen.accounts.copy()
    acc["region"] = region_of(gen.country, acc["lat"].to_numpy(), acc["lon"].to_numpy())
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


def test_groups_are_regional_and_of_bounded_size() -> None:
    towns = country_towns("FR")
    rng = np.random.default_rng(4)
    town_idx = rng.choice(len(towns.lat), size=600, p=towns.population / towns.population.sum())
    segment = np.zeros(600, dtype=np.int64)
    group = draw_groups(np.random.default_rng(5), 600, 0.3, segment, town_idx, towns, 60.0)
    sizes = np.bincount(group[group >= 0])
    assert sizes.min() >= 2 and sizes.max() <= max(GROUP_SIZES)
    assert abs((group >= 0).mean() - 0.3) < 0.01
    regions = np.array(towns.admin1)[town_idx]
    for g in range(len(sizes)):
        assert len(set(regions[group == g])) == sizes[g]  # one site per region


def test_no_group_below_two_sites_or_within_one_region() -> None:
    towns = country_towns("FR")
    segment = np.zeros(10, dtype=np.int64)
    one_town = np.zeros(10, dtype=np.int64)
    spread = np.arange(10, dtype=np.int64) * 1000
    assert (draw_groups(np.random.default_rng(0), 10, 0.1, segment, spread, towns, 60.0) == -1).all()
    assert (draw_groups(np.random.default_rng(0), 10, 1.0, segment, one_town, towns, 60.0) == -1).all()
