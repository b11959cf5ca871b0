"""The columns that ``allocate import`` writes beside the instance's own (the reader ignores them).

* ``accounts.history``: last period's won revenue (the won opportunities of each account), read
  by quotas of method ``history`` or ``blend``;
* ``sellers.email``: the user's e-mail, which HubSpot's import tool wants as the owner;
* ``sellers.team``: the user's team (Salesforce ``Department``/``Division``, HubSpot ``Teams``),
  the parents of ``allocate export --hierarchy team``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from allocate.core.errors import InputError, Problem
from allocate.core.instance import Instance
from allocate.io.crm.derive import parse_number
from allocate.io.tables import find_table, read_table


def read_history(folder: Path, instance: Instance) -> NDArray[np.float64] | None:
    """The ``history`` of each account of ``instance``, in instance order, or ``None``.

    Parameters
    ----------
    folder
        The instance folder.
    instance
        The instance read from it.

    Returns
    -------
    numpy.ndarray or None
        One amount per account (empty cell: 0); ``None`` when the column is absent.

    Raises
    ------
    InputError
        A cell that is not a non-negative number (row and column named).
    """
    path = find_table(Path(folder), "accounts")
    assert path is not None
    df = read_table(path)
    if "history" not in df.columns:
        return None
    pos = instance.account_index()
    out = np.zeros(len(instance.accounts))
    problems = []
    for i, (aid, cell) in enumerate(zip(df["account_id"], df["history"], strict=True)):
        text = str(cell).strip()
        v = parse_number(text) if text else 0.0
        if v is None or v < 0:
            problems.append(Problem(str(path), f"history {text!r} is not a non-negative number",
                                    row=i + 2, column="history"))
        elif str(aid).strip() in pos:
            out[pos[str(aid).strip()]] = v
    if problems:
        raise InputError(problems[:50])
    return out


def read_seller_emails(folder: Path, instance: Instance) -> tuple[str, ...] | None:
    """The ``email`` of each seller of ``instance``, in instance order, or ``None``.

    Parameters
    ----------
    folder
        The instance folder.
    instance
        The instance read from it.

    Returns
    -------
    tuple of str or None
        One e-mail per seller (``""`` when unknown); ``None`` when the column is absent.
    """
    return _seller_column(folder, instance, "email")


def read_seller_teams(folder: Path, instance: Instance) -> tuple[str, ...] | None:
    """The ``team`` of each seller of ``instance``, in instance order, or ``None``.

    Parameters
    ----------
    folder
        The instance folder.
    instance
        The instance read from it.

    Returns
    -------
    tuple of str or None
        One team per seller (``""`` when none); ``None`` when the column is absent.
    """
    return _seller_column(folder, instance, "team")


def _seller_column(folder: Path, instance: Instance, column: str) -> tuple[str, ...] | None:
    """An optional text column of the sellers file, per seller of ``instance`` (blank: ``""``)."""
    path = find_table(Path(folder), "sellers")
    assert path is not None
    df = read_table(path)
    if column not in df.columns:
        return None
    values = ("" if pd.isna(v) else str(v).strip() for v in df[column])
    by_id = dict(zip((str(s).strip() for s in df["seller_id"]), values, strict=True))
    return tuple(by_id.get(s, "") for s in instance.sellers.ids)
