"""Territory polygons: unions of units, or Voronoi cells of the accounts."""

from __future__ import annotations

import dataclasses

import numpy as np
import shapely
from shapely.geometry import Point, box

from allocate.core.geo import territory_polygons
from allocate.core.instance import Units

# two clusters of three accounts, around (lon 2, lat 48) and (lon 4, lat 45)
LAT = [48.0, 48.1, 48.05, 45.0, 45.1, 45.05]
LON = [2.0, 2.1, 2.2, 4.0, 4.1, 4.2]


def test_voronoi_territories_hold_their_own_accounts(build):
    inst = build.instance(build.accounts(LAT, LON), build.sellers([48.0, 45.0], [2.0, 4.0]))
    owner = np.array([0, 0, 0, 1, 1, 1])
    polys = territory_polygons(inst, owner)
    assert sorted(polys) == [0, 1]
    for a, s in enumerate(owner):
        assert polys[int(s)].covers(Point(LON[a], LAT[a]))
        assert not polys[1 - int(s)].contains(Point(LON[a], LAT[a]))
    assert polys[0].intersection(polys[1]).area < 1e-9  # cells do not overlap


def test_territories_across_the_antimeridian_stay_narrow(build):
    """Issue 14 item 11: accounts on both sides of the 180th meridian (Fiji) gave polygons 360
    degrees wide; they are now cut at the meridian, each part a few tenths of a degree wide."""
    lat = [-17.0, -17.1, -17.2, -16.9, -17.05, -17.15]
    lon = [179.95, -179.95, 179.9, -179.9, 179.97, -179.97]
    inst = build.instance(build.accounts(lat, lon), build.sellers([-17.0, -17.1], [179.9, -179.9]))
    owner = np.array([0, 1, 0, 1, 0, 1])
    polys = territory_polygons(inst, owner)
    assert sorted(polys) == [0, 1]
    for s, geom in polys.items():
        for part in shapely.get_parts(geom):
            x0, _, x1, _ = part.bounds
            assert part.geom_type == "Polygon" and x0 >= -180 and x1 <= 180 and x1 - x0 < 1.0, (s, part.bounds)
    for a, s in enumerate(owner):
        assert polys[int(s)].buffer(1e-9).covers(Point(lon[a], lat[a]))


def test_unserved_accounts_have_no_territory(build):
    inst = build.instance(build.accounts(LAT, LON), build.sellers([48.0, 45.0], [2.0, 4.0]))
    polys = territory_polygons(inst, np.array([0, 0, 0, -1, -1, -1]))
    assert list(polys) == [0]
    # fewer than three served accounts: no Voronoi diagram at all
    assert territory_polygons(inst, np.array([0, 1, -1, -1, -1, -1])) == {}


def test_unit_territories_follow_the_majority_of_accounts(build):
    units = Units(ids=("west", "east"), geometry=(box(0, 0, 1, 1), box(1, 0, 2, 1)), neighbours=((1,), (0,)))
    # west: two accounts of seller 1, one of seller 0; east: one each (a tie goes to seller 0)
    acc = build.accounts([0.5] * 5, [0.2, 0.4, 0.6, 1.5, 1.6], unit=[0, 0, 0, 1, 1])
    inst = build.instance(acc, build.sellers([0.5, 0.5], [0.5, 1.5]), units)
    polys = territory_polygons(inst, np.array([1, 1, 0, 1, 0]))
    assert sorted(polys) == [0, 1]
    assert polys[1].equals(units.geometry[0])
    assert polys[0].equals(units.geometry[1])


def test_unit_votes_ignore_group_sites_and_unserved_accounts(build):
    units = Units(ids=("west", "east"), geometry=(box(0, 0, 1, 1), box(1, 0, 2, 1)), neighbours=((1,), (0,)))
    acc = build.accounts([0.5] * 4, [0.2, 0.4, 1.5, 1.6], unit=[0, 0, 1, 1])
    acc = dataclasses.replace(acc, group=np.array([0, -1, -1, -1]))  # account 0 is a group site
    inst = build.instance(acc, build.sellers([0.5, 0.5], [0.5, 1.5]), units)
    polys = territory_polygons(inst, np.array([1, 0, -1, 0]))
    assert list(polys) == [0]
    assert shapely.equals(polys[0], shapely.union_all(units.geometry))


def test_round_floats_rounds_nested_coordinates_and_keeps_the_rest():
    from allocate.core.geo import round_floats

    geom = {"type": "Polygon", "coordinates": [((2.123456, 48.987654), (2.1, 48.9))], "n": 3}
    assert round_floats(geom, 5) == {
        "type": "Polygon",
        "coordinates": [[[2.12346, 48.98765], [2.1, 48.9]]],
        "n": 3,
    }
    assert round_floats(geom, 4)["coordinates"][0][0] == [2.1235, 48.9877]
