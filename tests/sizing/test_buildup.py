"""The workload build-up: desk hours plus a round trip to the nearest base, per role and segment."""

from __future__ import annotations

import pytest

from allocate.core.travel import haversine_km
from allocate.sizing.buildup import nearest_base_travel_min, workload_buildup

PARIS, LYON = (48.8566, 2.3522), (45.7640, 4.8357)
ACCOUNTS = [(48.8049, 2.1204), (48.9362, 2.3574), (45.7719, 4.8902), (45.6975, 4.8867)]


def _minutes(a: tuple[float, float], b: tuple[float, float]) -> float:
    return haversine_km(*a, *b) * 1.3 / 70 * 60  # default travel model: 1.3 circuity, 70 km/h


def test_travel_runs_to_the_nearest_base_not_to_today_s_owner(tiny) -> None:
    # Versailles is owned by Lyon today but its nearest base is Paris
    expected = [_minutes(PARIS, a) for a in ACCOUNTS[:2]] + [_minutes(LYON, a) for a in ACCOUNTS[2:]]
    assert nearest_base_travel_min(tiny) == pytest.approx(expected)


def test_buildup_by_role_and_segment_by_hand(tiny) -> None:
    b = workload_buildup(tiny)
    travel_h = sum(2 * m / 60 for m in nearest_base_travel_min(tiny))
    total = 4 * 1.5 + travel_h  # four customers: 1.5 h desk and one visit a week each
    assert b.total_workload_h == pytest.approx(total)
    assert b.total_capacity_h == 80.0
    assert b.sellers_needed == 1
    # only the CSM role has work or sellers
    assert b.by_role.role.tolist() == ["CSM"]
    row = b.by_role.iloc[0]
    assert (row.workload_h, row.sellers, row.capacity_h, row.sellers_needed) == pytest.approx((total, 2, 80.0, 1))
    seg = b.by_segment.set_index("segment")
    assert seg.loc["small", "accounts"] == 3 and seg.loc["mid", "accounts"] == 1
    assert seg.workload_h.sum() == pytest.approx(total)
    assert seg.loc["mid", "sellers_needed"] == pytest.approx(seg.loc["mid", "workload_h"] / 40)
