"""The ``Territory2`` ids of an org, read from a Data Loader export: ``--territory-ids FILE``.

Data Loader inserts ``ObjectTerritory2Association`` and ``UserTerritory2Association`` rows with
a ``Territory2Id``, and sets a territory's parent with ``ParentTerritory2Id``: ids that exist
only once ``Territory2.csv`` has been inserted. The workflow is therefore:

1. ``allocate export RUN --to salesforce --out sf`` and insert ``sf/Territory2.csv``;
2. export ``Territory2`` (at least ``Id`` and ``DeveloperName``) with Data Loader, or keep the
   insert's success file (it has both columns);
3. ``allocate export RUN --to salesforce --territory-ids Territory2_export.csv --out sf``: the
   association files get a ``Territory2Id`` column, and ``Territory2_parent_update.csv``
   (``Id, ParentTerritory2Id``) sets the parents of a hierarchy (an *update*).

The file is read like any table (UTF-8 with or without BOM, ``,`` or ``;``); its headers are
matched without regard to case (Data Loader writes ``"ID","DEVELOPERNAME"``). Each id must be a
15- or 18-character Salesforce id; a DeveloperName listed twice, an empty or malformed cell,
or a territory of the export missing from the file is refused (file, row and column named).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from allocate.core.errors import InputError, Problem
from allocate.io.tables import read_table

_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
#: Most problems reported at once.
_MAX_PROBLEMS = 20


def read_territory_ids(path: Path) -> dict[str, str]:
    """``DeveloperName`` → ``Id`` from a Data Loader export of ``Territory2``.

    Parameters
    ----------
    path
        The file (``.csv`` or another table format).

    Returns
    -------
    dict
        One id per DeveloperName, as written (case kept).

    Raises
    ------
    InputError
        A missing file or column, an empty or malformed cell, a DeveloperName listed twice.
    """
    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise InputError.single(f"--territory-ids {path}", "no such file (a Data Loader export of Territory2 with "
                                "Id and DeveloperName)")
    df = read_table(path)
    by_lower = {str(c).strip().lower(): c for c in df.columns}
    cols = {}
    for want in ("Id", "DeveloperName"):
        col = by_lower.get(want.lower())
        if col is None:
            raise InputError.single(where, f"column missing (the file has {', '.join(map(str, df.columns)) or 'none'})",
                                    row=1, column=want)
        cols[want] = col
    out: dict[str, str] = {}
    first_row: dict[str, int] = {}
    problems: list[Problem] = []
    for i, (tid, dev) in enumerate(zip(df[cols["Id"]], df[cols["DeveloperName"]], strict=True)):
        row = i + 2
        tid, dev = str(tid).strip(), str(dev).strip()
        if not tid and not dev:
            continue  # a blank line
        if not dev:
            problems.append(Problem(where, "empty DeveloperName", row=row, column=str(cols["DeveloperName"])))
        elif not _ID.fullmatch(tid):
            problems.append(Problem(where, f"{tid!r} is not a 15- or 18-character Salesforce id", row=row,
                                    column=str(cols["Id"])))
        elif dev in out:
            problems.append(Problem(where, f"DeveloperName {dev!r} is also on row {first_row[dev]}", row=row,
                                    column=str(cols["DeveloperName"])))
        else:
            out[dev], first_row[dev] = tid, row
        if len(problems) >= _MAX_PROBLEMS:
            break
    if problems:
        raise InputError(problems)
    return out


def territory_id_of(ids: dict[str, str], needed: Iterable[str], path: Path) -> dict[str, str]:
    """The ids of the territories ``needed``, all of them or an error.

    Parameters
    ----------
    ids
        :func:`read_territory_ids` of ``path``.
    needed
        The DeveloperNames the export writes.
    path
        The file, for the message.

    Returns
    -------
    dict
        DeveloperName → Id for each of ``needed``.

    Raises
    ------
    InputError
        When some are missing: the file, its ``DeveloperName`` column and the first missing
        names (insert ``Territory2.csv`` first, then export ``Territory2`` again).
    """
    needed = list(dict.fromkeys(needed))
    missing = [d for d in needed if d not in ids]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise InputError.single(
            str(path),
            f"{len(missing)} of the {len(needed)} territories of this export have no row: {shown} "
            "(insert Territory2.csv with Data Loader first, then export Territory2 with Id and DeveloperName)",
            column="DeveloperName",
        )
    return {d: ids[d] for d in needed}
