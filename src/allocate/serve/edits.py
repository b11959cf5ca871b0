"""A saved version's edits applied to an instance, so ``allocate solve --from RUN --edits FILE``
reproduces what the editor re-optimized: the same starting owners and the same locks.

:data:`~allocate.io.runfolder.EDITS` is the journal of the editing session, one line per row
changed by each step, in order (``account_id, from_seller, to_seller, at, note``). The note
is a ``;``-separated list (:func:`note_words`, :func:`parse_note`): the team of a split model
(``role=AE``), what was done (``assign``, ``lock``, ``unlock``, ``reset``, ``optimize j3``,
``undo assign``...) and the row's lock after the step, ``locked`` or ``unlocked``. Replayed in
order, the last line of an account gives its seller and its lock. :func:`read_edits` reads
it (older files whose note has neither word leave the lock as it was); :func:`edited_instance`
makes the run's owners today's sellers (the warm start: the move term and the move cap then
count further moves, and each owner stays a candidate) and applies the locks, as
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
        The row's lock after the edit (``None``: the note does not say).
    key
        The team of the row in a split model (``None``: every row of the account).
    moved
        The line changes the seller (``from_seller`` differs, or is not given).
    """

    account: int
    to_seller: int
    locked: bool | None
    key: str | None = None
    moved: bool = True


def note_words(key_kind: str, key: str, action: str, locked: bool) -> str:
    """The note of a journal line: team, action, lock after (see the module docstring)."""
    words = [f"{key_kind}={key}"] if key_kind else []
    return "; ".join([*words, action, "locked" if locked else "unlocked"])


def parse_note(note: str) -> tuple[str | None, bool | None]:
    """The team (``role=AE`` gives ``AE``) and the lock state (``locked``/``unlocked``) of a note.

    Parameters
    ----------
    note
        A journal note.

    Returns
    -------
    key, locked
        ``None`` for what the note does not say. A bare ``lock`` or ``unlock`` action says
        it too (older files).
    """
    words = [w.strip() for w in str(note).split(";")]
    key = next((w.split("=", 1)[1] for w in words if "=" in w), None)
    if "unlocked" in words:
        return key, False
    if "locked" in words:
        return key, True
    if "unlock" in words:
        return key, False
    if "lock" in words:
        return key, True
    return key, None


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
    froms = df["from_seller"] if "from_seller" in df.columns else [None] * len(df)
    out, problems = [], []
    # accounts the instance locks to today's seller, until a row of the journal unlocks them:
    # moving one away is the breach the editor shows ("locked to ... but served by ..."), and
    # `solve --edits` holds the same rule rather than taking the edit as a new lock
    home = instance.accounts.current_seller
    held = {int(k) for k in np.flatnonzero(np.asarray(instance.accounts.locked, dtype=bool))}
    sids = instance.sellers.ids
    for i, (a, s, note, f) in enumerate(zip(df["account_id"], df["to_seller"], notes, froms, strict=True)):
        if a not in apos:
            problems.append(Problem(str(path), f"unknown account {a!r}", row=i + 2, column="account_id"))
        if s not in spos:
            problems.append(Problem(str(path), f"unknown seller {s!r}", row=i + 2, column="to_seller"))
        if a in apos and s in spos:
            key, locked = parse_note("" if note is None else str(note))
            k = apos[a]
            if locked is False:  # this row unlocks it (its move, if any, comes with the unlock)
                held.discard(k)
            if k in held and int(home[k]) >= 0 and spos[s] != int(home[k]):
                problems.append(Problem(
                    str(path),
                    f"account {a!r} is locked to seller {sids[int(home[k])]!r} in the instance; this row gives it "
                    f"to {s!r} without unlocking it first (in allocate serve: Unlock, then assign)",
                    row=i + 2, column="to_seller",
                ))
            out.append(Edit(k, spos[s], locked, key, moved=f is None or f != s))
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
        The edits (:func:`read_edits`), replayed in order: each new seller becomes the
        account's seller, locked or unlocked as the edit says (an account-level lock: in a
        split model the last line of the account wins).

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
        if e.locked is not None:
            lock[e.account] = e.locked
    return dataclasses.replace(instance, accounts=dataclasses.replace(acc, current_seller=cur, locked=lock))


def read_history(path: Path) -> list[dict[str, str]]:
    """The lines of an edits file as text (``[]`` when there is none), to carry a version's
    journal into a new editing session.

    Parameters
    ----------
    path
        The edits file.

    Returns
    -------
    list of dict
        One per line, the :data:`COLUMNS` as text.

    Raises
    ------
    InputError
        On a malformed file (file and row named).
    """
    path = Path(path)
    if not path.is_file():
        return []
    df = read_table(path)
    cols = [c for c in COLUMNS if c in df.columns]
    return [{c: "" if v is None or v != v else str(v) for c, v in zip(cols, row, strict=True)}
            for row in df[cols].itertuples(index=False, name=None)]
