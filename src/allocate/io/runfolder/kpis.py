"""The indicators of a run: the :data:`KPIS` file, shared by the writers of a run folder.

``allocate solve`` creates it (from a :class:`Kpis`), ``allocate schedule`` merges its keys into
it (:func:`merge_kpis`), and ``schedule``, ``compare``, ``map`` and ``report`` read it back
(:func:`read_kpis`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from allocate.core.errors import InputError
from allocate.io.atomic import write_json
from allocate.io.limits import max_table_bytes, read_bounded
from allocate.io.runfolder.names import KPIS


class Kpis(Protocol):
    """What the run folder needs of the indicators (:class:`allocate.analysis.kpi.Kpis`).

    An optional ``quotas`` attribute (a table, or ``None``) is written as the quota table of the run folder.
    """

    @property
    def sellers(self) -> pd.DataFrame:
        """One row per seller."""

    @property
    def totals(self) -> dict[str, Any]:
        """The instance-wide indicators."""


def read_kpis(folder: Path, *, strict: bool = True) -> dict[str, Any]:
    """The content of ``folder/`` :data:`KPIS` (empty when missing or not a JSON object).

    Parameters
    ----------
    folder
        A run folder.
    strict
        Raise on an unreadable file (``map``, ``report``); when ``False`` it counts as missing
        (``schedule`` and ``compare`` only look for optional keys there).

    Returns
    -------
    dict
        The recorded keys.

    Raises
    ------
    InputError
        With ``strict``, when the file cannot be read or is not JSON.
    """
    p = Path(folder) / KPIS
    if not p.is_file():
        return {}
    try:
        data = json.loads(read_bounded(p, max_table_bytes(), "the file").decode("utf-8"))
    except (ValueError, OSError, UnicodeDecodeError, InputError) as exc:
        if strict:
            raise InputError.single(str(p), f"cannot read: {_reason(exc)}") from None
        return {}
    except RecursionError:  # "[[[[...": json recurses once per level
        if strict:
            raise InputError.single(str(p), "cannot read: nested too deeply") from None
        return {}
    return data if isinstance(data, dict) else {}


def _reason(exc: Exception) -> str:
    if isinstance(exc, InputError):
        return exc.problems[0].message
    return str(exc)


def merge_kpis(folder: Path, instance_name: str, keys: Mapping[str, Any]) -> Path:
    """Add ``keys`` to ``folder/`` :data:`KPIS` (created with ``instance`` when missing or unreadable).

    Parameters
    ----------
    folder
        A run folder.
    instance_name
        The instance's name, for a new file.
    keys
        The keys to add or replace.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    data = read_kpis(folder, strict=False)
    data.setdefault("instance", instance_name)
    data.update(keys)
    path = Path(folder) / KPIS
    write_json(path, data)
    return path
