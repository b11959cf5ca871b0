"""A seller's calendar file: days off and shorter days, bad rows named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from allocate.core.errors import InputError
from allocate.io.calendar import DayOff, read_days_off


def test_days_off_and_short_days(tmp_path: Path) -> None:
    path = tmp_path / "cal.csv"
    path.write_text('date,hours\n2027-01-04,\n2027-01-05,"3,5"\n2027-01-06,0\n')
    assert read_days_off(path) == [
        DayOff(dt.date(2027, 1, 4), 0.0),
        DayOff(dt.date(2027, 1, 5), 3.5),
        DayOff(dt.date(2027, 1, 6), 0.0),
    ]


def test_excel_date_cells(tmp_path: Path) -> None:
    path = tmp_path / "cal.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["date", "hours"])
    wb.active.append([dt.datetime(2027, 1, 4), 2])
    wb.save(path)
    assert read_days_off(path) == [DayOff(dt.date(2027, 1, 4), 2.0)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "date\n04/01/2027\n",
            "row 2, column 'date': '04/01/2027' is not an ISO date (YYYY-MM-DD)",
        ),
        (
            "date\n2027-01-04 10:30:00\n",
            "row 2, column 'date': '2027-01-04 10:30:00' is not an ISO date",
        ),
        ("date,hours\n2027-01-04,-1\n", "row 2, column 'hours': hours -1.0 not in [0, 24]"),
        ("date,hours\n2027-01-04,1e400\n", "row 2, column 'hours': hours inf not in [0, 24]"),
        ("date,hours\n2027-01-04,NaN\n", "row 2, column 'hours': hours nan not in [0, 24]"),
    ],
)
def test_bad_rows(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "cal.csv"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        read_days_off(path)
    assert message in str(err.value)
