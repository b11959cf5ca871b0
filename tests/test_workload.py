"""Workload = desk hours + visits × round-trip travel, checked against hand-computed values."""

import numpy as np
import pytest

from allocate.core.travel import TravelModel, haversine_km
from allocate.core.workload import account_workload, travel_minutes, workload_hours


def test_haversine_paris_lyon():
    # Paris–Lyon great-circle distance is about 392 km (public figure).
    assert haversine_km(48.8566, 2.3522, 45.7640, 4.8357) == pytest.approx(392, abs=3)


def test_travel_model_minutes():
    # 70 km straight × 1.3 circuity at 70 km/h = 1.3 h = 78 min
    assert TravelModel().minutes(70.0) == pytest.approx(78.0)


def test_account_workload_by_hand(tiny):
    wl = account_workload(tiny)
    # customer playbook: 60 min visit + 30 min call, once a week each -> 1.5 h desk, 1 visit
    assert wl.total_desk_h == pytest.approx([1.5] * 4)
    assert wl.total_visits == pytest.approx([1.0] * 4)
    desk_csm, visits_csm = wl.role("CSM")
    assert desk_csm.sum() == pytest.approx(6.0)


def test_workload_hours_includes_round_trip(tiny):
    # A3 (Villeurbanne) served from Lyon: d km one way -> 2 × d × 1.3 / 70 h per visit
    d = haversine_km(45.7719, 4.8902, 45.7640, 4.8357)
    expected = 1.5 + 1.0 * 2 * d * 1.3 / 70
    t = travel_minutes(tiny, np.array([1]), np.array([2]))
    assert workload_hours(1.5, 1.0, t)[0] == pytest.approx(expected)


def test_travel_matrix_overrides_only_its_pairs(tiny_dir):
    from allocate import read_instance

    (tiny_dir / "travel.csv").write_text("seller_id,account_id,minutes\nLYO,A1,42\n")
    inst = read_instance(tiny_dir)
    got = travel_minutes(inst, np.array([1, 0, 1]), np.array([0, 0, 2]))
    assert got[0] == pytest.approx(42.0)  # LYO -> A1 from the matrix
    d_par_a1 = haversine_km(48.8566, 2.3522, 48.8049, 2.1204)
    assert got[1] == pytest.approx(d_par_a1 * 1.3 / 70 * 60)  # PAR -> A1: estimate
    d_lyo_a3 = haversine_km(45.7640, 4.8357, 45.7719, 4.8902)
    assert got[2] == pytest.approx(d_lyo_a3 * 1.3 / 70 * 60)
