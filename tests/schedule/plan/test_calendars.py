"""Working days and capacities of a seller over the horizon, and public holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from allocate.core.errors import InputError
from allocate.schedule.plan.calendars import (
    DayOff,
    Horizon,
    day_capacity_min,
    horizon_years,
    next_monday,
    parse_holidays,
    public_holidays,
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


def test_a_country_gives_its_holidays_for_every_year_of_the_horizon() -> None:
    # a plan from 21 Dec 2026 over 4 weeks touches 2026 and 2027
    years = horizon_years(dt.date(2026, 12, 21), 4)
    assert list(years) == [2026, 2027]
    fr = parse_holidays("FR", years=years)
    assert {dt.date(2026, 12, 25), dt.date(2027, 1, 1), dt.date(2027, 7, 14), dt.date(2027, 5, 1)} <= fr
    assert all(d.year in (2026, 2027) for d in fr) and len(fr) == 22  # 11 French holidays a year
    assert parse_holidays("fr", years=years) == fr  # case does not matter
    assert dt.date(2027, 7, 4) in parse_holidays("US", years=[2027])
    assert dt.date(2027, 7, 5) in parse_holidays("US", years=[2027])  # observed on the Monday


def test_countries_subdivisions_and_dates_mix() -> None:
    mixed = parse_holidays("FR, 2027-12-24 ,US-CA", years=[2027])
    assert dt.date(2027, 12, 24) in mixed and dt.date(2027, 7, 14) in mixed
    assert dt.date(2027, 3, 31) in mixed  # Cesar Chavez Day: California only
    assert dt.date(2027, 3, 31) not in public_holidays("US", [2027])
    assert dt.date(2027, 11, 1) in public_holidays("DE-BY", [2027])  # All Saints: Bavaria


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("XX", "unknown country 'XX'"),  # not an ISO code the package knows
        ("FR,QQQ", "unknown country 'QQQ'"),
        ("US-ZZ", "US has no subdivision 'ZZ'"),
        ("Noel", "neither a file, an ISO date nor a country code"),
    ],
)
def test_unknown_countries_are_one_clear_problem(spec: str, expected: str) -> None:
    with pytest.raises(InputError) as err:
        parse_holidays(spec, years=[2027])
    assert len(err.value.problems) == 1 and expected in str(err.value.problems[0])
