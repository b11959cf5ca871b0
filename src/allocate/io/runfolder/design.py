"""The files of a design folder (``allocate design --out``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from allocate.io.atomic import write_csv, write_json
from allocate.io.runfolder.names import (
    DESIGN,
    DESIGN_ACCOUNTS,
    DESIGN_LEVELS,
    DESIGN_TERRITORIES,
    DESIGN_UNITS,
)


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
