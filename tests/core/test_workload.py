"""Workload = desk hours + visits × round-trip travel, checked against hand-computed values."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from allocate.core.nomenclature import ROLES, Nomenclature
from allocate.core.travel import haversine_km
from allocate.core.workload import (
    TRIPS_PER_VISIT,
    PlaybookLoad,
    WorkloadProfile,
    account_workload,
    playbook_load,
    travel_minutes,
    visit_travel_h,
    workload_hours,
)

AE, MRR = ROLES.index("AE"), ROLES.index("MRR")

# 50 working weeks; a default prospect playbook and a heavier one for large prospects
HAND = Nomenclature.model_validate(
    {
        "weeks_per_year": 50,
        "playbooks": [
            {"stage": "prospect", "operations": [
                {"id": "visit1", "channel": "visit", "duration_min": 60, "once": True, "role": "AE"},
                {"id": "call", "channel": "phone", "duration_min": 30, "per_year": 10, "role": "AE"},
                {"id": "mail", "channel": "email", "duration_min": 6, "per_year": 50, "role": "MRR"},
            ]},
            {"stage": "prospect", "segment": "large", "operations": [
                {"id": "visit", "channel": "visit", "duration_min": 120, "per_year": 25, "role": "AE"},
            ]},
        ],
    }
)


def test_playbook_load_by_hand():
    load = playbook_load(HAND, "prospect", "small")
    assert isinstance(load, PlaybookLoad)
    # AE: once-visit 1 h × 1/50 + call 0.5 h × 10/50 = 0.02 + 0.10 h
    assert load.desk_h[AE] == pytest.approx(0.12)
    assert load.visits[AE] == pytest.approx(1 / 50)  # a once operation counts once a year
    assert load.visit_h[AE] == pytest.approx(0.02)  # the call is not on site
    # MRR: 0.1 h × 50/50 e-mails, no visit
    assert load.desk_h[MRR] == pytest.approx(0.1)
    assert load.visits[MRR] == 0.0 and load.visit_h[MRR] == 0.0
    others = [k for k in range(len(ROLES)) if k not in (AE, MRR)]
    assert not load.desk_h[others].any()


def test_playbook_load_takes_the_segment_playbook():
    load = playbook_load(HAND, "prospect", "large")
    # 2 h × 25/50 visits a week
    assert load.desk_h[AE] == pytest.approx(1.0)
    assert load.visits[AE] == pytest.approx(0.5)
    assert load.visit_h[AE] == pytest.approx(1.0)
    assert load.desk_h.sum() == pytest.approx(1.0)  # the default playbook is not added


def test_playbook_load_without_playbook_is_zero():
    load = playbook_load(HAND, "customer", "small")
    assert load.desk_h.shape == (len(ROLES),)
    assert not load.desk_h.any() and not load.visits.any() and not load.visit_h.any()


def test_account_workload_by_hand(tiny):
    wl = account_workload(tiny)
    # customer playbook: 60 min visit + 30 min call, once a week each -> 1.5 h desk, 1 visit
    assert wl.roles == ROLES
    assert wl.total_desk_h == pytest.approx([1.5] * 4)
    assert wl.total_visits == pytest.approx([1.0] * 4)
    assert wl.total_visit_h == pytest.approx([1.0] * 4)  # the 60 min visit, on site
    desk_csm, visits_csm = wl.role("CSM")
    assert desk_csm.sum() == pytest.approx(6.0)
    assert visits_csm.sum() == pytest.approx(4.0)
    assert wl.role("AE")[0].sum() == 0.0


def test_account_workload_follows_stage_and_segment(tiny):
    acc = dataclasses.replace(
        tiny.accounts, stage=("prospect",) * 4, segment=("small", "large", "small", "mid")
    )
    inst = dataclasses.replace(
        tiny, accounts=acc, nomenclature=HAND.model_copy(update={"segments": ("small", "mid", "large")})
    )
    wl = account_workload(inst)
    assert wl.desk_h[:, AE] == pytest.approx([0.12, 1.0, 0.12, 0.12])
    assert wl.visits[:, AE] == pytest.approx([0.02, 0.5, 0.02, 0.02])
    assert wl.total_desk_h == pytest.approx([0.22, 1.0, 0.22, 0.22])
    assert not wl.desk_h.flags.writeable and not wl.visits.flags.writeable
    assert not wl.visit_h.flags.writeable


def test_workload_profile_columns_are_roles():
    wp = WorkloadProfile(("AE", "CSM"), np.array([[1.0, 2.0]]), np.array([[0.0, 0.5]]), np.array([[0.0, 0.75]]))
    assert wp.total_desk_h.tolist() == [3.0]
    assert wp.total_visits.tolist() == [0.5]
    assert wp.total_visit_h.tolist() == [0.75]
    assert [x.tolist() for x in wp.role("CSM")] == [[2.0], [0.5]]
    with pytest.raises(ValueError):
        wp.role("SDR")


def test_visit_travel_h_by_hand():
    assert TRIPS_PER_VISIT == 2.0
    # 2 visits a week, 30 min one way: 2 × 2 × 0.5 h = 2 h
    assert visit_travel_h(2.0, 30.0) == pytest.approx(2.0)
    assert visit_travel_h(np.array([0.5, 1.0]), np.array([60.0, 15.0])) == pytest.approx([1.0, 0.5])


def test_workload_hours_by_hand():
    # 3 h desk + 1 visit × 45 min each way = 4.5 h
    assert workload_hours(3.0, 1.0, 45.0) == pytest.approx(4.5)
    # no visit: travel never counts
    assert workload_hours(np.array([1.0, 2.0]), 0.0, np.array([600.0, 600.0])) == pytest.approx([1.0, 2.0])


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


def test_travel_minutes_of_no_pair_is_empty(tiny):
    assert travel_minutes(tiny, np.array([], dtype=np.int64), np.array([], dtype=np.int64)).shape == (0,)
