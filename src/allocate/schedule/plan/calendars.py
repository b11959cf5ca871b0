"""Working calendars of the sellers: which days of the horizon they work, and how many minutes.

The horizon is ``weeks`` weeks of calendar days starting on a Monday (day 0). A seller works
Monday to Friday, except public holidays and the days off listed in their own calendar file;
each week offers ``capacity_h`` hours, ``capacity_h / 5`` per working day of the week. One day
may hold more than its share when the seller has a daily limit ``daily_h`` above it (a long
day of visits, a short desk day): days are capped at ``daily_h`` and weeks at the sum of their
working days' shares. Without ``daily_h`` every day is capped at its share, as if the week
were spread evenly. A seller's calendar file (the optional ``calendar`` column of the sellers
table, a path relative to the instance folder) is a table with a ``date`` column (ISO
``YYYY-MM-DD``) and an optional ``hours`` column: a row without hours (or with 0) is a day
off, a row with hours caps that day. A calendar can only *lower* a day, and its week loses
what the day loses of its share, so the weekly capacity ``capacity_h`` always holds.

Public holidays (:func:`parse_holidays`) are dates, a file of dates, or a country's holidays
(``FR``, ``US``, a subdivision such as ``US-CA``: any ISO code of the ``holidays`` package),
for every year the plan's horizon touches (:func:`horizon_years`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from allocate.core.errors import InputError, Problem
from allocate.core.instance import WORKDAYS_PER_WEEK
from allocate.io.atomic import safe_child
from allocate.io.calendar import DayOff, read_days_off
from allocate.io.tables import find_table, read_table


@dataclass(frozen=True)
class Horizon:
    """``weeks`` weeks of calendar days from ``start`` (a Monday), with public holidays."""

    start: dt.date
    weeks: int
    holidays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        if self.weeks < 1:
            raise ValueError(f"weeks must be >= 1, got {self.weeks}")
        if self.start.weekday() != 0:
            raise ValueError(
                f"the horizon must start on a Monday, got {self.start} ({self.start:%A})"
            )

    @property
    def n_days(self) -> int:
        """Number of calendar days (7 per week)."""
        return 7 * self.weeks

    def date(self, day: int) -> dt.date:
        """Calendar date of day index ``day``.

        Parameters
        ----------
        day
            Day index from :attr:`start` (day 0); may fall outside the horizon.

        Returns
        -------
        datetime.date
            ``start + day`` days.
        """
        return self.start + dt.timedelta(days=int(day))

    def day(self, date: dt.date) -> int:
        """Day index of ``date`` (may fall outside ``[0, n_days)``).

        Parameters
        ----------
        date
            A calendar date.

        Returns
        -------
        int
            Days from :attr:`start`, negative before it.
        """
        return (date - self.start).days

    def working_template(self) -> NDArray[np.bool_]:
        """Monday-Friday minus public holidays, for every day of the horizon.

        Returns
        -------
        ndarray of bool
            One flag per day, True on a working day.
        """
        ok = np.array([d % 7 < WORKDAYS_PER_WEEK for d in range(self.n_days)], dtype=bool)
        for h in self.holidays:
            k = self.day(h)
            if 0 <= k < self.n_days:
                ok[k] = False
        return ok


def next_monday(today: dt.date | None = None) -> dt.date:
    """The first Monday after ``today`` (today itself is never chosen: plans start ahead).

    Parameters
    ----------
    today
        The reference date; ``None`` for the system's date.

    Returns
    -------
    datetime.date
        The Monday 1 to 7 days after ``today``.
    """
    today = today or dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())


def day_capacity_min(
    horizon: Horizon,
    capacity_h: float,
    days_off: Iterable[DayOff] = (),
    daily_h: float = math.nan,
) -> NDArray[np.int64]:
    """Minutes available on each day of the horizon for one seller (0 on days not worked).

    A day offers ``daily_h`` (default: its share ``capacity_h / 5``), lowered by the
    calendar, and never more than its week (:func:`week_capacity_min`).

    Parameters
    ----------
    horizon
        The planning horizon.
    capacity_h
        The seller's hours per week.
    days_off
        The seller's calendar: days off and shorter days.
    daily_h
        The seller's daily limit in hours; NaN for none (each day gets its share).

    Returns
    -------
    ndarray of int
        Minutes per day, ``horizon.n_days`` long.
    """
    share = _shares(horizon, capacity_h, days_off)
    if math.isnan(daily_h):
        return share
    cap = _working_days(horizon, daily_h * 60.0, days_off)
    week = share.reshape(horizon.weeks, 7).sum(axis=1)
    return np.minimum(cap, np.repeat(week, 7))


def week_capacity_min(
    horizon: Horizon, capacity_h: float, days_off: Iterable[DayOff] = ()
) -> NDArray[np.int64]:
    """Minutes available in each week of the horizon: the shares of its working days.

    Parameters
    ----------
    horizon
        The planning horizon.
    capacity_h
        The seller's hours per week.
    days_off
        The seller's calendar: days off and shorter days.

    Returns
    -------
    ndarray of int
        Minutes per week, ``horizon.weeks`` long.
    """
    return _shares(horizon, capacity_h, days_off).reshape(horizon.weeks, 7).sum(axis=1)


def _shares(
    horizon: Horizon, capacity_h: float, days_off: Iterable[DayOff] = ()
) -> NDArray[np.int64]:
    """Each day's share of the weekly capacity, lowered by the calendar."""
    return _working_days(horizon, capacity_h * 60.0 / WORKDAYS_PER_WEEK, days_off)


def _working_days(
    horizon: Horizon, minutes: float, days_off: Iterable[DayOff] = ()
) -> NDArray[np.int64]:
    """``minutes`` (rounded) on each working day, lowered by the calendar."""
    cap = np.where(horizon.working_template(), int(round(minutes)), 0).astype(np.int64)
    for off in days_off:
        k = horizon.day(off.date)
        if 0 <= k < horizon.n_days:
            cap[k] = min(int(cap[k]), int(round(off.hours * 60.0)))
    return cap


_COUNTRY = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z0-9]{1,12}))?$")


def horizon_years(start: dt.date, weeks: int) -> range:
    """The calendar years that a plan of ``weeks`` weeks from ``start`` touches.

    Parameters
    ----------
    start
        First day of the plan.
    weeks
        Its length in weeks.

    Returns
    -------
    range
        From ``start``'s year to the year of the plan's last day.
    """
    last = start + dt.timedelta(days=7 * weeks - 1)
    return range(start.year, last.year + 1)


def public_holidays(code: str, years: Iterable[int]) -> frozenset[dt.date]:
    """A country's public holidays in ``years``, from the ``holidays`` package.

    Parameters
    ----------
    code
        An ISO 3166 country code (``FR``, ``USA``), optionally with a subdivision (``US-CA``,
        ``DE-BY``), as the ``holidays`` package spells them.
    years
        The years to list.

    Returns
    -------
    frozenset of datetime.date
        The holidays (observed days included where the country moves them).

    Raises
    ------
    InputError
        (exit code 2) When the package knows neither the country nor the subdivision.
    """
    import holidays

    m = _COUNTRY.match(code.strip())
    if m is None:
        raise InputError.single("--holidays", f"{code!r} is not a country code such as FR or US-CA")
    country, subdiv = m.group(1).upper(), m.group(2)
    known = holidays.list_supported_countries()
    if country not in known:
        raise InputError.single(
            "--holidays",
            f"unknown country {country!r}: give an ISO code that the holidays package knows (FR, US, DE ...)",
        )
    if subdiv is not None:
        match = {str(s).upper(): str(s) for s in known[country]}.get(subdiv.upper())
        if match is None:
            raise InputError.single(
                "--holidays",
                f"{country} has no subdivision {subdiv!r}; known: {', '.join(map(str, known[country][:12]))}"
                + (" ..." if len(known[country]) > 12 else ""),
            )
        subdiv = match
    days = holidays.country_holidays(country, subdiv=subdiv, years=list(years))
    return frozenset(days.keys())


def parse_holidays(
    spec: str | Path | None, base: Path | None = None, years: Iterable[int] = ()
) -> frozenset[dt.date]:
    """Public holidays from a table file with a ``date`` column, or a comma list of ISO dates
    and country codes.

    ``spec`` is a path when such a file exists (relative to the working directory), else it
    is read as a list such as ``FR,2026-12-24``: each item an ISO date, or a country (or
    subdivision) code whose holidays in ``years`` are added (:func:`public_holidays`).
    ``None`` or an empty string means no holidays.

    Parameters
    ----------
    spec
        A file path or a comma list of ISO dates and country codes.
    base
        Folder a relative path is resolved against (instead of the working directory).
    years
        The years a country's holidays are listed for (:func:`horizon_years` of the plan).

    Returns
    -------
    frozenset of datetime.date
        The holidays.

    Raises
    ------
    InputError
        Naming each item that is neither a file, an ISO date nor a country code, or an
        unknown country.
    """
    if spec is None or not str(spec).strip():
        return frozenset()
    path = Path(spec)
    if base is not None and not path.is_absolute():
        path = base / path
    if path.is_file():
        return frozenset(d.date for d in read_days_off(path))
    out: set[dt.date] = set()
    problems = []
    years = list(years)
    for k, item in enumerate(str(spec).split(",")):
        text = item.strip()
        if not text:
            continue
        if _COUNTRY.match(text):
            out |= public_holidays(text, years)
            continue
        try:
            out.add(dt.date.fromisoformat(text))
        except ValueError:
            problems.append(
                Problem(
                    "--holidays",
                    f"item {k + 1} {text!r} is neither a file, an ISO date nor a country code",
                )
            )
    if problems:
        raise InputError(problems)
    return frozenset(out)


def seller_calendars(folder: Path | None, seller_ids: Sequence[str]) -> dict[int, list[DayOff]]:
    """Days off of each seller, from the ``calendar`` column of the instance's sellers table.

    The column is not kept on :class:`~allocate.core.instance.Sellers`, so it is read again here;
    each path is resolved with :func:`~allocate.io.atomic.safe_child` (never outside the folder).
    Returns an empty mapping when ``folder`` is ``None`` or the column is absent.

    Parameters
    ----------
    folder
        The instance folder, or ``None`` for an instance built in memory.
    seller_ids
        The sellers' ids, in the instance's order.

    Returns
    -------
    dict
        Seller index to its calendar entries, for the sellers that have a calendar file.
    """
    if folder is None:
        return {}
    folder = Path(folder)
    path = find_table(folder, "sellers", required=False)
    if path is None:
        return {}
    df = read_table(path)
    if "calendar" not in df.columns:
        return {}
    index = {sid: i for i, sid in enumerate(seller_ids)}
    out: dict[int, list[DayOff]] = {}
    for row, (sid, rel) in enumerate(zip(df["seller_id"], df["calendar"], strict=True)):
        if not str(rel).strip() or sid not in index:
            continue
        target = safe_child(folder, str(rel), file=str(path), row=row + 2, column="calendar")
        if not target.is_file():
            raise InputError.single(
                str(path), f"calendar file {rel!r} not found", row=row + 2, column="calendar"
            )
        out[index[sid]] = read_days_off(target)
    return out
