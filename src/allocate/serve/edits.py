"""A saved version's edits applied to an instance, so ``allocate solve --from RUN --edits FILE``
reproduces what the editor re-optimized: the same starting owners and the same locks.

:func:`read_edits` reads :data:`~allocate.io.runfolder.EDITS` (``account_id, from_seller,
to_seller, at, note``; a note containing ``locked`` marks a locked row, ``lock``/``unlock``
a lock change alone). :func:`edited_instance` makes the run's owners today's sellers (the warm
start: the move term and the move cap then count further moves, and each owner stays a
candidate) and locks each locked edit to its new seller, as
:func:`allocate.serve.reoptimize.locked_instance` does for the editor's session.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from allocate.core.errors import InputError, Problem
from allocate.core.instance import Instance
from allocate.core.result import Alignment
from allocate.io.tables import read_table

COLUMNS = ("account_id", "from_seller", "to_seller", "at", "note")


@dataclass(frozen=True)
class Edit:
    """One row of an edits file, as indices.

    Attributes
    ----------
    account, to_seller
        Account and its new seller.
    locked
        Whether the row was locked when the version was saved.
    """

    account: int
    to_seller: int
    locked: bool


def read_edits(path: Path, instance: Instance) -> list[Edit]:
    """The edits of a saved version, checked against ``instance``.

    Parameters
    ----------
    path
        The edits file.
    instance
        The instance it edits.

    Returns
    -------
    list of Edit
        One per row.

    Raises
    ------
    InputError
        Missing file or column, unknown account or seller (file, row and column named).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError.single(str(path), "edits file not found")
    df = read_table(path)
    for col in ("account_id", "to_seller"):
        if col not in df.columns:
            raise InputError.single(str(path), "required column is missing", row=1, column=col)
    apos, spos = instance.account_index(), instance.seller_index()
    notes = df["note"] if "note" in df.columns else [""] * len(df)
    out, problems = [], []
    for i, (a, s, note) in enumerate(zip(df["account_id"], df["to_seller"], notes, strict=True)):
        if a not in apos:
            problems.append(Problem(str(path), f"unknown account {a!r}", row=i + 2, column="account_id"))
        if s not in spos:
            problems.append(Problem(str(path), f"unknown seller {s!r}", row=i + 2, column="to_seller"))
        if a in apos and s in spos:
            words = {w.strip() for w in str(note).split(";")}
            out.append(Edit(apos[a], spos[s], "locked" in words or "lock" in words))
    if problems:
        raise InputError(problems[:50])
    return out


def edited_instance(instance: Instance, start: Alignment | None, edits: list[Edit]) -> Instance:
    """``instance`` with the run's owners as today's sellers and the locked edits locked.

    Parameters
    ----------
    instance
        The instance.
    start
        The alignment of the version the edits apply to (``--from``); for models with one
        row per account its owners become today's sellers. ``None``: today's stay.
    edits
        The edits (:func:`read_edits`): each new seller becomes the account's seller, locked
        when the edit was.

    Returns
    -------
    Instance
        A copy with new ``current_seller`` and ``locked``.
    """
    acc = instance.accounts
    cur = np.array(acc.current_seller, dtype=np.int64)
    lock = np.array(acc.locked, dtype=bool)
    if start is not None and not start.key_kind:
        ok = start.seller >= 0
        cur[start.account[ok]] = start.seller[ok]
    for e in edits:
        cur[e.account] = e.to_seller
        lock[e.account] = lock[e.account] or e.locked
    return dataclasses.replace(instance, accounts=dataclasses.replace(acc, current_seller=cur, locked=lock))
