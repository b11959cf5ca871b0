"""Working days and capacities of a seller over the horizon, and public holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from allocate.core.errors import InputError
from allocate.schedule.plan.calendars import (
    DayOff,
    Horizon,
    day_capacity_min,
    next_monday,
    parse_holidays,
    week_capacity_min,
)

MONDAY = dt.date(2027, 1, 4)


def test_horizon_days_and_dates() -> None:
    h = Horizon(MONDAY, 2, frozenset({dt.date(2027, 1, 6)}))
    assert h.n_days == 14 and h.date(9) == dt.date(2027, 1, 13) and h.day(MONDAY) == 0
    assert h.working_template().tolist()[:7] == [True, True, False, True, True, False, False]
    with pytest.raises(ValueError):
        Horizon(dt.date(2027, 1, 5), 1)  # a Tuesday


def test_next_monday_is_never_today() -> None:
    assert next_monday(MONDAY) == dt.date(2027, 1, 11)
    assert next_monday(dt.date(2027, 1, 10)) == dt.date(2027, 1, 11)


def test_capacity_of_each_day_and_week() -> None:
    h = Horizon(MONDAY, 1, frozenset({dt.date(2027, 1, 5)}))
    # 35 h a week: 420 minutes a working day; a holiday on Tuesday, 1.5 h on Thursday
    off = [DayOff(dt.date(2027, 1, 7), 1.5)]
    assert day_capacity_min(h, 35.0, off).tolist() == [420, 0, 420, 90, 420, 0, 0]
    assert week_capacity_min(h, 35.0, off).tolist() == [420 + 420 + 90 + 420]
    # up to 8 h a day, never more than the week
    assert day_capacity_min(h, 35.0, off, daily_h=8.0).tolist() == [480, 0, 480, 90, 480, 0, 0]
    # 5 h a week: 60 minutes a day, 240 in the week (Thursday keeps its 60-minute share),
    # which caps each day of 8 h; Thursday's calendar still says 1.5 h
    assert day_capacity_min(h, 5.0, off, daily_h=8.0).tolist() == [240, 0, 240, 90, 240, 0, 0]


def test_parse_holidays() -> None:
    assert parse_holidays(None) == frozenset()
    assert parse_holidays("2027-01-01, 2027-01-05") == {dt.date(2027, 1, 1), dt.date(2027, 1, 5)}
    with pytest.raises(InputError):
        parse_holidays("2027-01-01,soon")
