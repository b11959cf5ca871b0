"""The local search's operators on one seller's days, on desk work and visits."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from allocate.schedule.plan.daybook import DayBook
from allocate.schedule.plan.moves import (
    consolidate,
    eject_fill,
    refill,
    regroup,
    relocate_fill,
    repair,
    unplanned_groups,
)
from tests.schedule.plan.builders import desk_problem, free


def test_relocation_makes_room_for_a_long_action() -> None:
    # two half-full days of 60 minutes; the 60-minute action fits once a 30 moves over
    p = desk_problem([30, 30, 60], [0, 1, 2], [60, 60])
    book = DayBook(p, np.array([0, 1, -1]), max_evals=1000)
    assert relocate_fill(book, [[0], [1], [2]]) == 1
    assert book.day.tolist() == [1, 1, 0]  # nothing left the plan
    assert free(book) == [0.0, 0.0]


def test_relocation_keeps_the_lags_of_planned_chains() -> None:
    # a chain 0 -> 1 exactly one day apart holds days 0 and 1; action 2 needs a whole day
    p = desk_problem([30, 30, 60], [0, 0, 1], [60, 60], lags=((0, 1, 1, 1),))
    book = DayBook(p, np.array([0, 1, -1]), max_evals=1000)
    assert relocate_fill(book, [[0, 1], [2]]) == 0
    assert book.day.tolist() == [0, 1, -1]  # every day put back as it was


def test_relocation_stops_at_its_evaluation_budget() -> None:
    p = desk_problem([30, 30, 60], [0, 1, 2], [60, 60])
    book = DayBook(p, np.array([0, 1, -1]), max_evals=0)
    assert relocate_fill(book, [[0], [1], [2]]) == 0 and book.day[2] == -1


def test_consolidation_gathers_free_time_into_one_day() -> None:
    # three 20-minute actions spread over three 60-minute days: 40 free minutes each
    p = desk_problem([20, 20, 20], [0, 1, 2], [60, 60, 60])
    book = DayBook(p, np.array([0, 1, 2]), max_evals=1000)
    assert consolidate(book) > 0
    assert sorted(free(book)) == [0.0, 60.0, 60.0]
    assert (book.day >= 0).all()
    # a swap: no action fits elsewhere, but the 40 and the 35 trade days (5 minutes move)
    p = desk_problem([40, 35, 15], [0, 1, 2], [60, 60])
    book = DayBook(p, np.array([0, 1, 1]), max_evals=1000)
    assert free(book) == [20.0, 10.0]
    assert consolidate(book) == 1
    assert book.day.tolist() == [1, 0, 1] and free(book) == [25.0, 5.0]


def test_repair_drops_the_cheapest_groups_of_an_overloaded_day() -> None:
    # 110 minutes booked on a 60-minute day: groups 0 then 1 (equal values, lower index first)
    book = DayBook(desk_problem([40, 40, 30], [0, 1, 2], [60]), np.array([0, 0, 0]))
    repair(book)
    assert book.day.tolist() == [-1, -1, 0] and free(book) == [30.0]


def test_unplanned_groups_by_value_or_by_value_per_minute() -> None:
    p = desk_problem([30, 10, 20, 40, 5], [0, 1, 2, 2, 3], [60, 60])
    p = replace(p, value=np.array([3.0, 2.0, 1.0, 1.0, 1.0]))
    book = DayBook(p, np.array([-1, -1, -1, 0, -1]))  # group 2 is partly planned
    groups = [[0], [1], [2, 3], [4]]
    assert unplanned_groups(book, groups) == [[0], [1], [4]]  # 3, 2, 1
    assert unplanned_groups(book, groups, per_minute=True) == [[1], [4], [0]]  # 0.2, 0.2, 0.1


def test_refill_takes_the_earliest_days_that_fit_by_value_per_minute() -> None:
    book = DayBook(desk_problem([30, 30, 50], [0, 1, 2], [60, 60]), np.full(3, -1))
    refill(book, [[0], [1], [2]])
    assert book.day.tolist() == [0, 0, 1]


def test_eject_fill_makes_room_for_a_long_action_and_replaces_the_ejected() -> None:
    # the 60-minute action takes day 0 once the 30 leaves; the 30 then joins the other 30
    book = DayBook(desk_problem([30, 30, 60], [0, 1, 2], [60, 60]), np.array([0, 1, -1]))
    eject_fill(book, [[0], [1], [2]])
    assert book.day.tolist() == [1, 1, 0] and free(book) == [0.0, 0.0]


def test_eject_fill_is_undone_when_it_loses_more_than_it_gains() -> None:
    p = desk_problem([30, 30, 60], [0, 1, 2], [60, 60])
    p = replace(p, value=np.array([5.0, 5.0, 1.0]), day_cap=np.array([60, 30]))
    book = DayBook(p, np.array([0, 1, -1]))
    eject_fill(book, [[0], [1], [2]])
    assert book.day.tolist() == [0, 1, -1]


def test_regroup_puts_two_nearby_visits_on_one_day() -> None:
    # two visits 50 km north of the base, 1 km apart, each alone on its day
    p = desk_problem([30, 30], [0, 1], [480, 480])
    lat, lon = np.array([45.45, 45.45]), np.array([5.0, 5.013])
    km = np.hypot((lat - 45.0) * 111.2, (lon - 5.0) * 78.7)
    p = replace(p, is_visit=np.ones(2, dtype=bool), lat=lat, lon=lon, base_min=p.travel.minutes(km))
    book = DayBook(p, np.array([0, 1]))
    before = sum(book.tour)
    regroup(book)
    assert book.day.tolist() == [1, 1]
    assert book.tour[0] == 0.0 and sum(book.tour) < before - 1.0
