"""The local search's state: free minutes, windows, tours, timetable, snapshots and rollback."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from allocate.schedule.plan.daybook import DAY_START_MIN, DayBook
from tests.schedule.plan.builders import desk_problem


def _one_visit(base_min: float = 20.0) -> DayBook:
    # a 30-minute visit 20 minutes from the base, and a 20-minute desk action, on day 0
    p = desk_problem([30, 20], [0, 1], [120, 120])
    p = replace(p, is_visit=np.array([True, False]), base_min=np.array([base_min, 0.0]))
    return DayBook(p, np.array([0, 0]))


def test_load_room_and_week() -> None:
    book = _one_visit()
    assert book.tour[0] == 40.0  # out and back
    assert book.load(0) == 30 + 20 + 40 and book.room(0) == 120 - 90 and book.room(1) == 120
    assert book.rooms().tolist() == [30.0, 120.0]
    assert not book.weekly


def test_a_binding_week_caps_each_day() -> None:
    p = desk_problem([30, 30], [0, 1], [60] * 5 + [0, 0])
    p = replace(p, week_cap=np.array([100]))
    book = DayBook(p, np.array([0, -1]))
    assert book.weekly and book.week_free(0) == 70.0
    assert book.room(0) == 30.0 and book.room(1) == 60.0 and book.room(2) == 60.0
    book.insert(1, 1)
    assert book.room(2) == 40.0  # the week is what is full


def test_add_at_a_slot_and_unbook_leave_the_tour_to_retour() -> None:
    book = _one_visit()
    assert book.unbook(0) == 0  # the day it was on
    assert book.day.tolist() == [-1, 0] and book.tasks[0] == [1] and book.stops[0] == []
    assert book.vmin[0] == 0.0 and book.desk[0] == 20.0 and book.tour[0] == 40.0  # not updated
    assert book.unbook(1) == 0 and book.desk[0] == 0.0 and book.tasks[0] == []
    book.add(1, 1)
    book.add(0, 1, at=0)
    assert book.day.tolist() == [1, 1] and book.tasks[1] == [1, 0] and book.stops[1] == [0]
    assert book.vmin[1] == 30.0 and book.desk[1] == 20.0 and book.tour[1] == 0.0
    book.retour(1)
    assert book.tour[1] == 40.0


def test_add_puts_a_visit_at_its_position_in_the_tour() -> None:
    p = desk_problem([30, 30, 30], [0, 1, 2], [480])
    p = replace(p, is_visit=np.ones(3, dtype=bool), base_min=np.full(3, 10.0))
    book = DayBook(p, np.array([0, 0, -1]))
    first, second = book.stops[0]
    book.add(2, 0, at=1)
    assert book.stops[0] == [first, 2, second]
    book.unbook(2)
    book.add(2, 0)
    assert book.stops[0] == [first, second, 2]


def test_window_follows_the_planned_chain_neighbours() -> None:
    p = desk_problem([30, 20], [0, 0], [60, 60, 60, 60], lags=((0, 1, 1, 2),))
    book = DayBook(p, np.array([1, -1]))
    assert book.window(1) == (2, 3)  # 1 to 2 days after day 1
    assert book.window(0) == (0, 3)  # its successor is not planned
    book.insert(1, 3)
    book.remove_one(0)
    assert book.window(0) == (1, 2)


def test_cheapest_slot_insertion_and_freed_minutes() -> None:
    book = _one_visit()
    assert book.cheapest_slot(0, []) == (0, 40.0)
    assert book.insertion(0, 1) == 40.0 and book.insertion(1, 1) == 0.0
    assert book.freed(0, 0) == 30 + 40 and book.freed(1, 0) == 20.0
    assert book.neighbours(0, 0) == (0, 1, 0)  # alone: from the base and back
    assert book.fits(1, 1) and book.evals == 1


def test_rollback_undoes_the_moves_since_begin() -> None:
    book = _one_visit()
    book.begin()
    book.move(0, 1)
    assert book.day.tolist() == [1, 0] and book.tour == [0.0, 40.0]
    book.rollback()
    assert book.day.tolist() == [0, 0] and book.tour == [40.0, 0.0] and book.stops[1] == []
    book.begin()
    book.move(1, 1)
    book.commit()
    assert book.day.tolist() == [0, 1]


def test_snapshot_restore_and_sync_days() -> None:
    book = _one_visit()
    snap = book.snapshot(0)
    book.remove_group(0)
    assert book.day.tolist() == [-1, 0] and book.load(0) == 20.0
    book.restore(0, snap)
    book.sync_days()
    assert book.day.tolist() == [0, 0] and book.load(0) == 90.0


def test_spent_counts_evaluations() -> None:
    book = DayBook(desk_problem([30], [0], [60]), np.array([-1]), max_evals=1)
    assert not book.spent()
    book.fits(0, 0)
    assert book.spent()


def test_timetable_runs_the_tour_from_08_30_then_the_desk_work() -> None:
    start, travel = _one_visit().timetable()
    assert DAY_START_MIN == 8 * 60 + 30
    # drive 20, visit 30 (08:50-09:20), drive back 20, desk work at 09:40
    assert start.tolist() == [DAY_START_MIN + 20, DAY_START_MIN + 70]
    assert travel.tolist() == [40.0, 0.0]
