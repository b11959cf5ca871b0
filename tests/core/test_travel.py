"""Great-circle distances, the travel-time estimate and the k nearest seller bases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from allocate.core.travel import EARTH_RADIUS_KM, TravelModel, haversine_km, nearest_sellers

PARIS = (48.8566, 2.3522)
LYON = (45.7640, 4.8357)
MARSEILLE = (43.2965, 5.3698)


def test_haversine_paris_lyon():
    # Paris–Lyon great-circle distance is about 392 km (public figure).
    assert haversine_km(*PARIS, *LYON) == pytest.approx(392, abs=3)


def test_haversine_quarter_meridian_is_exact():
    # equator to pole along a meridian: a quarter of the circumference
    assert haversine_km(0.0, 0.0, 90.0, 0.0) == pytest.approx(math.pi / 2 * EARTH_RADIUS_KM)


def test_haversine_is_symmetric_zero_on_the_diagonal_and_broadcasts():
    lat = np.array([PARIS[0], LYON[0]])
    lon = np.array([PARIS[1], LYON[1]])
    d = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    assert d.shape == (2, 2)
    assert d[0, 0] == 0.0 and d[1, 1] == 0.0
    assert d[0, 1] == pytest.approx(d[1, 0])


def test_travel_model_minutes():
    # 70 km straight × 1.3 circuity at 70 km/h = 1.3 h = 78 min
    assert TravelModel().minutes(70.0) == pytest.approx(78.0)
    # circuity 1, 60 km/h: minutes equal kilometres
    assert TravelModel(circuity=1.0, speed_kmh=60.0).minutes([0.0, 15.0]) == pytest.approx([0.0, 15.0])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"circuity": 0.9},  # roads are never shorter than the straight line
        {"circuity": float("nan")},
        {"speed_kmh": 0.0},
        {"speed_kmh": -50.0},
    ],
)
def test_travel_model_refuses_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        TravelModel(**kwargs)


def test_nearest_sellers_sorted_by_distance():
    # sellers: Marseille, Paris, Lyon; one account in Versailles, one in Villeurbanne
    sel_lat = [MARSEILLE[0], PARIS[0], LYON[0]]
    sel_lon = [MARSEILLE[1], PARIS[1], LYON[1]]
    acc_lat, acc_lon = [48.8049, 45.7719], [2.1204, 4.8902]
    idx, km = nearest_sellers(acc_lat, acc_lon, sel_lat, sel_lon, k=2)
    assert idx.tolist() == [[1, 2], [2, 0]]
    want = haversine_km(np.array(acc_lat)[:, None], np.array(acc_lon)[:, None],
                        np.array(sel_lat)[idx], np.array(sel_lon)[idx])
    assert km == pytest.approx(want, rel=1e-9)
    assert (np.diff(km, axis=1) >= 0).all()


def test_nearest_sellers_clips_k_and_handles_zero():
    idx, km = nearest_sellers([48.8], [2.1], [PARIS[0]], [PARIS[1]], k=5)
    assert idx.shape == (1, 1) and idx[0, 0] == 0
    idx, km = nearest_sellers([48.8, 45.7], [2.1, 4.8], [PARIS[0]], [PARIS[1]], k=0)
    assert idx.shape == (2, 0) and km.shape == (2, 0)


def test_sellers_sharing_a_base_are_candidates_together():
    # two sellers in the Paris office, one in Lyon; k=1 nearest *base*
    sel_lat = [PARIS[0], LYON[0], PARIS[0]]
    sel_lon = [PARIS[1], LYON[1], PARIS[1]]
    idx, km = nearest_sellers([48.80, 45.77], [2.12, 4.89], sel_lat, sel_lon, k=1)
    assert idx.shape == (2, 2)
    assert sorted(idx[0].tolist()) == [0, 2]  # both Paris sellers
    assert km[0, 0] == pytest.approx(km[0, 1])
    assert idx[1].tolist() == [1, -1] and km[1, 1] == np.inf  # Lyon alone, padded
