"""Real towns and the generator's plane."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from allocate.core.travel import EARTH_RADIUS_KM, haversine_km
from allocate.generate.countries import COUNTRIES
from allocate.generate.towns import MIN_POPULATION, country_towns, from_plane, hull_km, to_plane


def test_plane_is_km_and_round_trips() -> None:
    lat0 = np.radians(45.0)
    xy = to_plane([45.0, 46.0], [5.0, 5.0], lat0)
    # one degree of latitude is 2 pi R / 360 km
    assert xy[1, 1] - xy[0, 1] == pytest.approx(2 * np.pi * EARTH_RADIUS_KM / 360)
    # along the middle latitude, x distances are great-circle distances (to first order)
    east = to_plane([45.0, 45.0], [5.0, 5.1], lat0)
    assert east[1, 0] - east[0, 0] == pytest.approx(float(haversine_km(45.0, 5.0, 45.0, 5.1)), rel=1e-4)
    lonlat = from_plane(xy, lat0)
    np.testing.assert_allclose(lonlat, [[5.0, 45.0], [5.0, 46.0]])


@pytest.mark.parametrize("code", ["FR", "US"])
def test_towns_are_filtered_and_sorted(code: str) -> None:
    towns = country_towns(code)
    assert country_towns(code) is towns  # read once
    assert (np.diff(towns.geonameid) > 0).all()
    assert towns.population.min() >= MIN_POPULATION
    lat_min, lat_max, lon_min, lon_max = COUNTRIES[code].bbox
    assert towns.lat.min() >= lat_min and towns.lat.max() <= lat_max
    assert towns.lon.min() >= lon_min and towns.lon.max() <= lon_max
    assert towns.lat0_rad == pytest.approx(np.radians((towns.lat.min() + towns.lat.max()) / 2))
    assert len(towns.name) == len(towns.admin1) == len(towns.lat) > 1000


def test_districts_and_excluded_states_are_dropped() -> None:
    fr = country_towns("FR")
    assert "Paris" in fr.name and not any(n.startswith("Paris ") for n in fr.name)
    us = country_towns("US")
    assert not {"AK", "HI"} & set(us.admin1) and "Brooklyn" not in us.name


def test_hull_holds_the_towns_and_keeps_corsica_apart() -> None:
    towns = country_towns("FR")
    hull = hull_km("FR")
    pts = shapely.points(towns.xy_km(towns.lat, towns.lon))
    assert shapely.contains(hull, pts).mean() > 0.999
    # Corsica is an island: the sea between Nice and Ajaccio is not land
    sea = towns.xy_km(np.array([42.8]), np.array([8.2]))[0]
    assert not hull.contains(shapely.Point(sea))
