"""Offices: count, placement and seats."""

from __future__ import annotations

import numpy as np

from allocate.generate.offices import (
    OFFICE_MIN_POPULATION,
    office_count,
    place_offices,
    staff_offices,
)
from allocate.generate.towns import Towns


def test_one_office_per_two_sellers() -> None:
    assert [office_count(n) for n in (1, 2, 3, 7, 40)] == [1, 1, 1, 3, 20]


def _line_towns() -> Towns:
    # 40 towns on a parallel, every tenth one large
    n = 40
    pop = np.where(np.arange(n) % 10 == 0, 2 * OFFICE_MIN_POPULATION, 1000.0)
    return Towns(
        geonameid=np.arange(n, dtype=np.int64),
        name=tuple(f"T{i}" for i in range(n)),
        lat=np.full(n, 45.0),
        lon=np.linspace(0.0, 3.9, n),
        population=pop,
        admin1=("X",) * n,
        lat0_rad=float(np.radians(45.0)),
    )


def test_offices_go_where_the_weight_is() -> None:
    towns = _line_towns()
    # all accounts in towns 28..31: the office is the big town 30 among them
    town_idx = np.array([28, 29, 30, 31] * 5)
    offices = place_offices(towns, town_idx, np.ones(20), 1)
    assert offices.tolist() == [30]
    # two clusters: one office each, the heavier cluster first
    town_idx = np.array([1] * 10 + [21] * 5)
    assert place_offices(towns, town_idx, np.ones(15), 2).tolist() == [1, 21]


def test_seats_follow_the_local_workload() -> None:
    local = np.array([[3.0, 1.0, 0.0], [1.0, 1.0, 2.0]])
    seats = staff_offices(local, np.array([4, 4]))
    assert seats.sum(axis=1).tolist() == [4, 4]
    assert seats[0].tolist() == [3, 1, 0]
    assert seats[1].tolist() == [1, 1, 2]
    # an office with workload gets a seat before a busier office gets a second one
    few = staff_offices(np.array([[10.0, 1.0]]), np.array([2]))
    assert few.tolist() == [[1, 1]]
