"""The files of a batch folder: its plan, its index, and the scenario folders with their marker.

A scenario is written in a private temporary folder (:func:`new_scenario_tmp`, named with
:data:`TMP_PREFIX`) and is complete once it holds :data:`DONE` (:func:`write_done`,
:func:`read_done`); the batch folder holds :data:`BATCH_PLAN` and :data:`BATCH_INDEX`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from allocate.io.atomic import atomic_write_with, write_json
from allocate.io.runfolder.names import BATCH_INDEX, BATCH_PLAN, DONE, TMP_PREFIX


def new_scenario_tmp(root: Path, scenario_id: str) -> Path:
    """Create a private folder where one attempt of a scenario writes (never read).

    Parameters
    ----------
    root
        The batch folder.
    scenario_id
        The scenario.

    Returns
    -------
    pathlib.Path
        ``root/.tmp-<scenario_id>-<random>``, created.
    """
    tmp = Path(root) / f"{TMP_PREFIX}{scenario_id}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    return tmp


def scenario_temporaries(root: Path) -> Iterator[Path]:
    """The temporary folders of unfinished scenario attempts in ``root``.

    Parameters
    ----------
    root
        The batch folder.

    Returns
    -------
    iterator of pathlib.Path
        Each folder made by :func:`new_scenario_tmp` that is still there.
    """
    return (p for p in Path(root).glob(f"{TMP_PREFIX}*") if p.is_dir())


def write_done(folder: Path, record: Mapping[str, Any]) -> Path:
    """Write a scenario's record, :data:`DONE`: the marker of a finished folder, written last.

    Parameters
    ----------
    folder
        The scenario's (temporary) folder.
    record
        Its record (``scenario_id``, status, KPIs ...).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(folder) / DONE
    write_json(path, record)
    return path


def read_done(folder: Path) -> dict[str, Any] | None:
    """The record in ``folder/`` :data:`DONE`.

    Parameters
    ----------
    folder
        A scenario folder.

    Returns
    -------
    dict or None
        The record, or ``None`` when the scenario is not done (or the marker is damaged).
    """
    p = Path(folder) / DONE
    if not p.is_file():
        return None
    try:
        rec = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return rec if isinstance(rec, dict) and "scenario_id" in rec else None


def write_batch_plan(root: Path, plan: Mapping[str, Any]) -> Path:
    """Write the expanded grid of a batch, :data:`BATCH_PLAN`.

    Parameters
    ----------
    root
        The batch folder.
    plan
        Source, name and scenarios.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(root) / BATCH_PLAN
    write_json(path, plan)
    return path


def write_batch_index(root: Path, index: pd.DataFrame) -> Path:
    """Rewrite :data:`BATCH_INDEX` (Parquet) atomically.

    Parameters
    ----------
    root
        The batch folder.
    index
        One row per finished scenario.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(root) / BATCH_INDEX
    atomic_write_with(path, lambda p: index.to_parquet(p, index=False))
    return path
