"""Read a seller's calendar file: the days off and the shorter days of one seller.

A calendar is a table (any format of :func:`~allocate.io.tables.read_table`) with a ``date``
column (ISO ``YYYY-MM-DD``; an Excel date cell is accepted too) and an optional ``hours``
column: a row without hours (or with 0) is a day off, a row with hours caps that day. The
instance reader checks every calendar named in the sellers table with :func:`read_days_off`,
so ``validate`` refuses what ``schedule`` would refuse.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from allocate.core.errors import InputError, Problem
from allocate.io.tables import read_table

#: Most hours of one day.
MAX_DAY_H = 24.0


@dataclass(frozen=True)
class DayOff:
    """One entry of a seller calendar: a day off (``hours`` 0) or a shorter day."""

    date: dt.date
    hours: float = 0.0


def read_days_off(path: Path) -> list[DayOff]:
    """Read a calendar table (``date`` column, optional ``hours``), naming bad rows.

    Parameters
    ----------
    path
        A table file (any format :func:`~allocate.io.tables.read_table` reads).

    Returns
    -------
    list of DayOff
        One entry per row; a missing or zero ``hours`` is a day off.

    Raises
    ------
    InputError
        Naming the file, row and column of a missing ``date`` column, a bad date, or hours
        that are not a number in ``[0, 24]`` (NaN and infinities included).
    """
    df = read_table(path)
    if "date" not in df.columns:
        raise InputError.single(str(path), "required column is missing", row=1, column="date")
    hours = df["hours"] if "hours" in df.columns else [""] * len(df)
    out, problems = [], []
    for i, (d, h) in enumerate(zip(df["date"], hours, strict=True)):
        day = _date(str(d).strip())
        if day is None:
            problems.append(
                Problem(
                    str(path),
                    f"{str(d)[:40]!r} is not an ISO date (YYYY-MM-DD)",
                    row=i + 2,
                    column="date",
                )
            )
            continue
        text = str(h).strip().replace(",", ".")
        try:
            value = float(text) if text else 0.0
        except ValueError:
            problems.append(
                Problem(str(path), f"{str(h)[:40]!r} is not a number", row=i + 2, column="hours")
            )
            continue
        if not (math.isfinite(value) and 0.0 <= value <= MAX_DAY_H):
            problems.append(
                Problem(str(path), f"hours {value} not in [0, 24]", row=i + 2, column="hours")
            )
            continue
        out.append(DayOff(day, value))
    if problems:
        raise InputError(problems[:50])
    return out


def _date(text: str) -> dt.date | None:
    """An ISO date, or an Excel date cell read as ``YYYY-MM-DD 00:00:00``."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp.date() if stamp.time() == dt.time() else None
