"""The files of a sizing folder (``allocate size --out``): one CSV per table, then :data:`SIZING`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from allocate.io.atomic import write_csv, write_json
from allocate.io.runfolder.names import SIZING, sizing_table


def write_sizing(out: Path, summary: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Write ``<name>.csv`` (:func:`sizing_table`) for each table, then :data:`SIZING` (``allocate size --out``).

    Parameters
    ----------
    out
        The output folder.
    summary
        The content of :data:`SIZING`.
    tables
        The sizing tables by name.

    Returns
    -------
    list of pathlib.Path
        The tables, then :data:`SIZING`.
    """
    out = Path(out)
    paths = []
    for name, df in tables.items():
        write_csv(out / sizing_table(name), df)
        paths.append(out / sizing_table(name))
    write_json(out / SIZING, summary)
    paths.append(out / SIZING)
    return paths
