"""Checks of an alignment table (``account_id, seller_id`` [+ ``product_line`` or ``role``]).

An alignment file is an input like any other: ``schedule --alignment``, ``map`` and ``report``
read it back, and people edit it by hand. :func:`alignment_problems` names every row that
would make a command plan an account twice, or plan it for nobody:

* a missing or unknown account or seller;
* an account (or an account's product line or role) on two rows, whether both rows name the
  same seller (a duplicate) or two sellers (two owners);
* an item column whose value is empty, is not one of the account's product lines, or is not a
  role.

An account absent from the file is allowed: it is simply not planned.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from allocate.core.errors import Problem
from allocate.core.instance import Instance
from allocate.core.nomenclature import ROLES

#: The item columns of split models, in the order they are looked for.
ITEM_COLUMNS: tuple[str, ...] = ("product_line", "role")
#: Most problems listed for one file.
MAX_PROBLEMS = 50


def item_column(df: pd.DataFrame) -> str:
    """The item column of an alignment table: ``product_line``, ``role`` or ``""`` (none).

    Parameters
    ----------
    df
        The table, as read.

    Returns
    -------
    str
        The first of :data:`ITEM_COLUMNS` present.
    """
    return next((c for c in ITEM_COLUMNS if c in df.columns), "")


def alignment_problems(df: pd.DataFrame, instance: Instance, file: str) -> list[Problem]:
    """Every defect of an alignment table (at most :data:`MAX_PROBLEMS`).

    Parameters
    ----------
    df
        The table, as text cells (:func:`~allocate.io.tables.read_table`).
    instance
        The instance it aligns.
    file
        The file named in the problems.

    Returns
    -------
    list of Problem
        Empty when the table is valid.
    """
    for col in ("account_id", "seller_id"):
        if col not in df.columns:
            return [Problem(file, "required column is missing", row=1, column=col)]
    kind = item_column(df)
    apos, spos = instance.account_index(), instance.seller_index()
    lines = instance.accounts.product_lines
    problems: list[Problem] = []
    first: dict[tuple[str, str], tuple[int, str]] = {}
    items = df[kind] if kind else [""] * len(df)
    for i, (a, s, item) in enumerate(zip(df["account_id"], df["seller_id"], items, strict=True)):
        row = i + 2
        a, s, item = _text(a), _text(s), _text(item)
        if not a:
            problems.append(Problem(file, "missing value", row=row, column="account_id"))
        elif a not in apos:
            problems.append(Problem(file, f"unknown account {a!r}", row=row, column="account_id"))
        if not s:
            problems.append(
                Problem(
                    file,
                    "missing seller (delete the row to leave the account unplanned)",
                    row=row,
                    column="seller_id",
                )
            )
        elif s not in spos:
            problems.append(Problem(file, f"unknown seller {s!r}", row=row, column="seller_id"))
        if kind:
            why = _item_problem(kind, item, lines[apos[a]] if a in apos else None)
            if why:
                problems.append(Problem(file, why, row=row, column=kind))
        if a:
            _check_repeat(first, (a, item), row, s, kind, file, problems)
        if len(problems) >= MAX_PROBLEMS:
            break
    return problems[:MAX_PROBLEMS]


def _text(v: object) -> str:
    return "" if v is None else str(v).strip()


def _item_problem(kind: str, item: str, account_lines: tuple[str, ...] | None) -> str | None:
    if not item:
        return "missing value"
    if kind == "role" and item not in ROLES:
        return f"{item!r} is not a role ({', '.join(ROLES)})"
    if kind == "product_line" and account_lines is not None and item not in account_lines:
        return f"{item!r} is not a product line of this account ({';'.join(account_lines)})"
    return None


def _check_repeat(
    first: dict[tuple[str, str], tuple[int, str]],
    key: tuple[str, str],
    row: int,
    seller: str,
    kind: str,
    file: str,
    problems: list[Problem],
) -> None:
    """An account (or account and item) already met: two owners, or the same row twice."""
    seen: Mapping[tuple[str, str], tuple[int, str]] = first
    if key not in seen:
        first[key] = (row, seller)
        return
    row0, seller0 = seen[key]
    what = f"account {key[0]!r}" + (f" ({kind} {key[1]!r})" if kind else "")
    if seller0 != seller:
        msg = f"{what} is on two sellers: {seller0!r} on row {row0} and {seller!r} here"
    else:
        msg = f"{what} is given twice (first on row {row0}); it would be planned twice"
    problems.append(Problem(file, msg, row=row, column="account_id"))
