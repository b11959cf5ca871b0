"""Units: seeds, sectors, cells and neighbours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from allocate.generate import GeneratedInstance
from allocate.generate.towns import country_towns
from allocate.generate.units import (
    UNIT_MIN_ACCOUNTS,
    adjacency,
    choose_units,
    polygonal,
    unit_max_accounts,
    unit_polygons,
)


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


def test_big_towns_are_cut_into_sectors(fr: GeneratedInstance) -> None:
    # No unit holds more than max(25, a quarter of a seller's accounts).
    per_unit = fr.accounts["unit_id"].value_counts()
    assert per_unit.max() <= 2.0 * max(25, np.ceil(len(fr.accounts) / len(fr.sellers) / 4))
    assert fr.units["unit_id"].str.contains("-").any()


def test_unit_size_is_a_quarter_of_a_sellers_share() -> None:
    assert unit_max_accounts(100, 10) == UNIT_MIN_ACCOUNTS
    assert unit_max_accounts(1000, 2) == 125
    assert unit_max_accounts(1001, 2) == 126


def test_a_crowded_town_becomes_sectors_and_a_town_without_room_joins_its_neighbour() -> None:
    towns = country_towns("FR")
    paris = towns.name.index("Paris")
    rng = np.random.default_rng(0)
    # 60 accounts around Paris, 3 in the smallest town listed
    small = int(np.argmin(towns.population))
    town_idx = np.array([paris] * 60 + [small] * 3)
    lat = towns.lat[town_idx] + rng.normal(0, 0.003, 63)
    lon = towns.lon[town_idx] + rng.normal(0, 0.003, 63)
    accounts = pd.DataFrame({"lat": lat, "lon": lon})
    seeds, unit_of = choose_units(towns, town_idx, accounts, max_units=10, max_accounts=25)
    gid = int(towns.geonameid[paris])
    sectors = [i for i in seeds.ids if i.startswith(f"T{gid}-")]
    assert 1 < len(sectors) <= 3 and f"T{int(towns.geonameid[small])}" in seeds.ids
    assert np.bincount(unit_of).min() >= 1  # no unit without accounts
    # with one unit allowed, every account joins Paris (the town with most accounts)
    seeds1, unit_of1 = choose_units(towns, town_idx, accounts, max_units=1, max_accounts=1000)
    assert seeds1.ids == (f"T{gid}",) and (unit_of1 == 0).all()
    cells = unit_polygons("FR", towns, seeds1)
    assert len(cells) == 1 and cells.geometry.iloc[0].area > 50  # the whole of France, degrees²


def test_polygonal_keeps_only_polygons() -> None:
    square = shapely.box(0, 0, 1, 1)
    assert polygonal(square) is square
    mixed = shapely.GeometryCollection([square, shapely.LineString([(2, 2), (3, 3)])])
    assert polygonal(mixed).equals(square)
    two = shapely.GeometryCollection([square, shapely.box(5, 5, 6, 6), shapely.Point(9, 9)])
    assert polygonal(two).geom_type == "MultiPolygon"
    assert polygonal(shapely.Point(0, 0)).is_empty


def test_neighbours_share_a_border_not_a_corner() -> None:
    cells = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(2, 1, 3, 2), shapely.box(5, 5, 6, 6)]
    # 1 and 2 touch at the corner (2, 1) only
    assert adjacency(cells) == [[1], [0], [], []]
