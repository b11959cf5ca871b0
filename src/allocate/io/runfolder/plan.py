"""The files of an action plan (``allocate schedule``) in a run folder.

:func:`write_plan_files` writes :data:`SCHEDULE`, :data:`LOAD`, :data:`UNSCHEDULED` and
:data:`FUNNEL`, then merges the plan's keys into :data:`KPIS`; :func:`read_plan_table` reads one
table back (``report``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from allocate.io.atomic import write_csv
from allocate.io.runfolder.kpis import merge_kpis
from allocate.io.runfolder.names import FUNNEL, LOAD, SCHEDULE, UNSCHEDULED

logger = logging.getLogger(__name__)


def write_plan_files(
    folder: Path,
    instance_name: str,
    *,
    schedule: pd.DataFrame,
    load: pd.DataFrame,
    unscheduled: pd.DataFrame,
    funnel: pd.DataFrame,
    kpis: Mapping[str, Any],
) -> list[Path]:
    """Write an action plan's tables and merge its keys into :data:`KPIS`.

    An existing :data:`KPIS` (from ``allocate solve``) keeps its keys and gains the plan's;
    otherwise a new one is created with ``instance``. Each file is replaced atomically.

    Parameters
    ----------
    folder
        The run folder (created).
    instance_name
        The instance's name, for a new :data:`KPIS`.
    schedule, load, unscheduled, funnel
        The tables of :data:`SCHEDULE`, :data:`LOAD`, :data:`UNSCHEDULED` and :data:`FUNNEL`.
    kpis
        The keys the plan adds to :data:`KPIS`.

    Returns
    -------
    list of pathlib.Path
        The four tables, then :data:`KPIS`.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in ((SCHEDULE, schedule), (LOAD, load), (UNSCHEDULED, unscheduled), (FUNNEL, funnel)):
        write_csv(out / name, df)
        written.append(out / name)
    written.append(merge_kpis(out, instance_name, kpis))
    return written


def read_plan_table(folder: Path, name: str, required: Sequence[str] = ()) -> pd.DataFrame | None:
    """One table of an action plan (:data:`SCHEDULE`, :data:`LOAD`, :data:`FUNNEL` ...), if usable.

    Parameters
    ----------
    folder
        A run folder.
    name
        The table's file name, one of :mod:`allocate.io.runfolder.names`.
    required
        Columns the caller needs.

    Returns
    -------
    pandas.DataFrame or None
        ``None`` (with a warning when the file exists) if missing, unreadable, empty or
        lacking a required column.
    """
    path = Path(folder) / name
    if not path.is_file():
        return None
    try:
        df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, UnicodeDecodeError) as exc:
        logger.warning("cannot read %s: %s", path, exc)
        return None
    missing = [c for c in required if c not in df.columns]
    if missing or df.empty:
        logger.warning("%s skipped: missing columns %s or no rows", path, missing)
        return None
    return df
