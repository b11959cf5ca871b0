"""The files of a design folder (``allocate design --out``): written, and read back for ``map`` and ``report``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from allocate.core.errors import InputError
from allocate.io.atomic import write_csv, write_json
from allocate.io.limits import max_table_bytes, read_bounded
from allocate.io.runfolder.names import (
    DESIGN,
    DESIGN_ACCOUNTS,
    DESIGN_LEVELS,
    DESIGN_TERRITORIES,
    DESIGN_UNITS,
)
from allocate.io.tables import read_table


def write_design(
    out: Path,
    summary: Mapping[str, Any],
    units: pd.DataFrame | None,
    accounts: pd.DataFrame | None,
    territories: pd.DataFrame | None,
    levels: pd.DataFrame | None = None,
) -> list[Path]:
    """Write the tables that exist, then :data:`DESIGN` (written last: a folder holding it is complete).

    Parameters
    ----------
    out
        The output folder (created).
    summary
        The content of :data:`DESIGN`.
    units, accounts, territories
        The tables of :data:`DESIGN_UNITS`, :data:`DESIGN_ACCOUNTS`, :data:`DESIGN_TERRITORIES`
        (None when there is no design).
    levels
        The table of :data:`DESIGN_LEVELS` (None without a hierarchy).

    Returns
    -------
    list of pathlib.Path
        The files written, :data:`DESIGN` last.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in (
        (DESIGN_UNITS, units),
        (DESIGN_ACCOUNTS, accounts),
        (DESIGN_TERRITORIES, territories),
        (DESIGN_LEVELS, levels),
    ):
        if df is not None:
            write_csv(out / name, df)
            paths.append(out / name)
    write_json(out / DESIGN, summary)
    paths.append(out / DESIGN)
    return paths


@dataclass(frozen=True)
class DesignRun:
    """A design folder read back (for ``map`` and ``report``).

    Attributes
    ----------
    path
        The folder.
    summary
        The content of :data:`DESIGN`.
    units, accounts, territories
        The tables of :data:`DESIGN_UNITS` (node ids as text), :data:`DESIGN_ACCOUNTS` and
        :data:`DESIGN_TERRITORIES`.
    levels
        The table of :data:`DESIGN_LEVELS` (None without a hierarchy).
    """

    path: Path
    summary: dict[str, Any]
    units: pd.DataFrame
    accounts: pd.DataFrame
    territories: pd.DataFrame
    levels: pd.DataFrame | None

    @property
    def node_key(self) -> str:
        """``unit_id`` when the design is made of units, else ``account_id``."""
        return "unit_id" if "unit_id" in self.units.columns else "account_id"

    @property
    def level_columns(self) -> list[str]:
        """The columns of :attr:`units` holding each level, coarsest first (the last one is
        ``territory``)."""
        upper = sorted(
            (c for c in self.units.columns if c.startswith("level_")),
            key=lambda c: int(c.split("_", 1)[1]),
        )
        return [*upper, "territory"]


def read_design_summary(folder: Path) -> dict[str, Any]:
    """The content of ``folder/`` :data:`DESIGN` (empty when missing).

    Raises
    ------
    InputError
        When the file cannot be read or is not a JSON object.
    """
    p = Path(folder) / DESIGN
    if not p.is_file():
        return {}
    try:
        data = json.loads(read_bounded(p, max_table_bytes(), "the file").decode("utf-8"))
    except (ValueError, OSError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError.single(str(p), f"cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise InputError.single(str(p), "not a JSON object")
    return data


def is_design_folder(folder: Path) -> bool:
    """True when ``folder`` holds a design (:data:`DESIGN`) rather than a solve."""
    return (Path(folder) / DESIGN).is_file()


def read_design(folder: Path) -> DesignRun:
    """Read a design folder written by ``allocate design``.

    Parameters
    ----------
    folder
        The folder (``--out`` of ``allocate design``).

    Returns
    -------
    DesignRun
        The summary and the tables.

    Raises
    ------
    InputError
        A missing folder, summary or table (a design that found no partition has no tables),
        or a table without its columns.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError.single(str(folder), "design folder not found")
    summary = read_design_summary(folder)
    if not summary:
        raise InputError.single(str(folder / DESIGN), "not found: not a design folder")
    tables: dict[str, pd.DataFrame | None] = {}
    for name, need in (
        (DESIGN_UNITS, ("territory",)),
        (DESIGN_ACCOUNTS, ("account_id", "territory")),
        (DESIGN_TERRITORIES, ("territory",)),
        (DESIGN_LEVELS, ("level", "territory")),
    ):
        p = folder / name
        if not p.is_file():
            if name == DESIGN_LEVELS:
                tables[name] = None
                continue
            raise InputError.single(
                str(p),
                f"not found (design status {summary.get('status', '?')}: "
                f"{summary.get('reason') or 'no tables'})",
            )
        df = read_table(p)
        for col in need:
            if col not in df.columns:
                raise InputError.single(str(p), f"missing column {col!r}", column=col)
        tables[name] = df
    units = tables[DESIGN_UNITS]
    accounts = tables[DESIGN_ACCOUNTS]
    territories = tables[DESIGN_TERRITORIES]
    assert units is not None and accounts is not None and territories is not None
    return DesignRun(folder, summary, units, accounts, territories, tables[DESIGN_LEVELS])
