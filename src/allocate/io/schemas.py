"""Table schemas of the instance format, checked with pandera.

Columns arrive as text (see :mod:`allocate.io.tables`). :func:`convert_columns` converts the
numeric and boolean columns itself, so that a bad cell is reported as "not a number" with its
row, then :func:`schema_problems` lets pandera check ranges, allowed values and uniqueness, and turns every failure case
into a :class:`~allocate.core.errors.Problem` naming the file, the spreadsheet row and the column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from allocate.core.errors import Problem
from allocate.core.nomenclature import ROLES, STAGES

_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
# French spreadsheets group thousands with a (narrow) no-break space: "1 234,56"
_GROUPED = re.compile(r"^\s*[-+]?\d{1,3}([ \u00a0\u202f]\d{3})+(,\d+)?\s*$")


def _number_text(v: str) -> str:
    """Normalize a French-formatted number ("1 234,5") to "1234.5"; other text is unchanged."""
    if _GROUPED.match(v):
        v = re.sub(r"[ \u00a0\u202f]", "", v)
    if _DECIMAL_COMMA.match(v):
        v = v.replace(",", ".")
    return v


def _text_column(col: pd.Series) -> pd.Series:
    """Cells as stripped text; ``None`` and NaN (short rows, empty Parquet cells) become ""."""
    obj = col.astype(object)
    obj = obj.where(obj.notna(), "")
    return obj.astype(str).str.strip()


#: Upper bound of ``max_accounts`` (it is stored as a 64-bit integer).
MAX_ACCOUNTS = 10_000_000
_TRUE = {"true", "1", "yes", "y", "oui", "vrai", "t", "x"}
_FALSE = {"false", "0", "no", "n", "non", "faux", "f", ""}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an input table.

    Parameters
    ----------
    name
        Column name in the header.
    kind
        ``"str"``, ``"float"``, ``"int"``, ``"bool"`` or ``"list"`` (``;``-separated).
    required
        Whether the column must be present.
    nullable
        Whether a cell may be empty.
    identifier
        Whether the cells (each item, for a list) are ids that outputs repeat and other files
        refer to: an id that a spreadsheet would read as a formula is refused
        (:func:`formula_like_id`).
    """

    name: str
    kind: str  # "str" | "float" | "int" | "bool" | "list"
    required: bool = True
    nullable: bool = False
    identifier: bool = False


#: The first characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@")


def formula_like_id(value: str) -> str | None:
    """Why ``value`` cannot be an id, or ``None`` when it can.

    Outputs (the alignment, the plan's tables) repeat the ids exactly, so that ``schedule``,
    ``map`` and ``report`` can read them back; an id starting like a formula would either be
    altered there (a leading ``'``) or run in a spreadsheet, so it is refused where it enters.

    Parameters
    ----------
    value
        A stripped cell.

    Returns
    -------
    str or None
        The problem's message.
    """
    if value.startswith(FORMULA_START):
        return (
            f"id {value[:40]!r} starts with {value[0]!r}, which spreadsheets read as a formula; "
            "rename it (ids must not start with = + - @)"
        )
    return None


ACCOUNT_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("account_id", "str", identifier=True),
    ColumnSpec("name", "str", nullable=True),
    ColumnSpec("lat", "float"),
    ColumnSpec("lon", "float"),
    ColumnSpec("segment", "str"),
    ColumnSpec("potential", "float"),
    ColumnSpec("stage", "str"),
    ColumnSpec("product_lines", "list", identifier=True),
    ColumnSpec("group_id", "str", required=False, nullable=True, identifier=True),
    ColumnSpec("current_seller_id", "str", required=False, nullable=True),
    ColumnSpec("locked", "bool", required=False, nullable=True),
    ColumnSpec("unit_id", "str", required=False, nullable=True, identifier=True),
)

SELLER_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("seller_id", "str", identifier=True),
    ColumnSpec("name", "str", nullable=True),
    ColumnSpec("lat", "float"),
    ColumnSpec("lon", "float"),
    ColumnSpec("role", "str"),
    ColumnSpec("capacity_h", "float"),
    ColumnSpec("segments", "list", nullable=True),
    ColumnSpec("product_lines", "list", nullable=True, identifier=True),
    ColumnSpec("max_accounts", "int", required=False, nullable=True),
    ColumnSpec("max_travel_min", "float", required=False, nullable=True),
    ColumnSpec("daily_h", "float", required=False, nullable=True),
    ColumnSpec("calendar", "str", required=False, nullable=True),
)


def _located_rows(id_column: str) -> dict[str, pa.Column]:
    """The checks shared by accounts and sellers: a unique, non-empty id and a valid point."""
    return {
        id_column: pa.Column(str, pa.Check.str_length(min_value=1), unique=True),
        "lat": pa.Column(float, pa.Check.in_range(-90, 90)),
        "lon": pa.Column(float, pa.Check.in_range(-180, 180)),
    }


def account_schema(segments: Sequence[str]) -> pa.DataFrameSchema:
    """Value checks of ``accounts`` (ranges, allowed values, unique ids).

    Parameters
    ----------
    segments
        The segments of the nomenclature.

    Returns
    -------
    pandera.DataFrameSchema
        Checks of the typed frame that :func:`convert_columns` returns.
    """
    return pa.DataFrameSchema(
        {
            **_located_rows("account_id"),
            "segment": pa.Column(str, pa.Check.isin(list(segments))),
            "potential": pa.Column(float, [pa.Check.ge(0), pa.Check.le(1e12)]),
            "stage": pa.Column(str, pa.Check.isin(list(STAGES))),
        },
        strict=False,
    )


def seller_schema() -> pa.DataFrameSchema:
    """Value checks of ``sellers`` (ranges, roles, unique ids).

    Returns
    -------
    pandera.DataFrameSchema
        Checks of the typed frame that :func:`convert_columns` returns.
    """
    return pa.DataFrameSchema(
        {
            **_located_rows("seller_id"),
            "role": pa.Column(str, pa.Check.isin(list(ROLES))),
            "capacity_h": pa.Column(float, [pa.Check.gt(0), pa.Check.le(168)]),
            "max_accounts": pa.Column(
                float, [pa.Check.ge(0), pa.Check.le(MAX_ACCOUNTS)], nullable=True, required=False
            ),
            "max_travel_min": pa.Column(
                float, [pa.Check.gt(0), pa.Check.le(7 * 24 * 60)], nullable=True, required=False
            ),
            "daily_h": pa.Column(
                float, [pa.Check.gt(0), pa.Check.le(24)], nullable=True, required=False
            ),
        },
        strict=False,
    )


def convert_columns(
    df: pd.DataFrame, specs: Sequence[ColumnSpec], file: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check that required columns are present and convert the text cells to their kind.

    Parameters
    ----------
    df
        A table of text cells (see :func:`allocate.io.tables.read_table`).
    specs
        The columns of the table.
    file
        File name used in the problems.

    Returns
    -------
    frame : pandas.DataFrame
        Typed columns (floats, booleans, tuples for lists); ``df`` itself when a required
        column is missing.
    problems : list of Problem
        Missing columns (row 1), missing values, numbers and booleans that do not parse.
    """
    problems: list[Problem] = []
    missing = [c.name for c in specs if c.required and c.name not in df.columns]
    for name in missing:
        problems.append(Problem(file, "required column is missing", row=1, column=name))
    if missing:
        return df, problems
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        out[col] = _text_column(df[col])
    for spec in specs:
        if spec.name not in out.columns:
            continue
        s = out[spec.name]
        empty = s == ""
        if not spec.nullable and spec.kind != "list":
            for i in np.flatnonzero(empty.to_numpy()):
                problems.append(Problem(file, "missing value", row=int(i) + 2, column=spec.name))
        if spec.kind in ("float", "int"):
            odd = s.str.contains(r"[,\s\u00a0\u202f]", regex=True)
            text = s.copy()
            text[odd] = s[odd].map(_number_text)
            num = pd.to_numeric(text.where(~empty, None), errors="coerce")
            bad = (~empty) & num.isna()
            for i in np.flatnonzero(bad.to_numpy()):
                problems.append(
                    Problem(
                        file, f"not a number: {s.iloc[i][:40]!r}", row=int(i) + 2, column=spec.name
                    )
                )
            if spec.kind == "int":
                frac = (~num.isna()) & (num != np.floor(num.fillna(0)))
                for i in np.flatnonzero(frac.to_numpy()):
                    problems.append(
                        Problem(file, "must be a whole number", row=int(i) + 2, column=spec.name)
                    )
            out[spec.name] = num.astype(float)
        elif spec.kind == "bool":
            low = s.str.lower()
            bad = ~low.isin(_TRUE | _FALSE)
            for i in np.flatnonzero(bad.to_numpy()):
                problems.append(
                    Problem(
                        file,
                        f"not a boolean (true/false): {s.iloc[i][:40]!r}",
                        row=int(i) + 2,
                        column=spec.name,
                    )
                )
            out[spec.name] = low.isin(_TRUE)
        elif spec.kind == "list":
            out[spec.name] = s.map(lambda v: tuple(x.strip() for x in v.split(";") if x.strip()))
        if spec.identifier:
            cells = out[spec.name] if spec.kind == "list" else s.map(lambda v: (v,))
            for k, items in enumerate(cells):
                why = next((w for w in map(formula_like_id, items) if w), None)
                if why:
                    problems.append(Problem(file, why, row=k + 2, column=spec.name))
    return out, problems


def schema_problems(df: pd.DataFrame, schema: pa.DataFrameSchema, file: str) -> list[Problem]:
    """Run ``schema`` lazily and turn each failure case into a :class:`Problem`.

    Parameters
    ----------
    df
        A typed frame from :func:`convert_columns`.
    schema
        :func:`account_schema` or :func:`seller_schema`.
    file
        File name used in the problems.

    Returns
    -------
    list of Problem
        One per failing cell, sorted by row then column (empty when valid).
    """
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems = []
        fc = err.failure_cases
        for rec in fc.itertuples(index=False):
            idx = getattr(rec, "index", None)
            row = int(idx) + 2 if idx is not None and not pd.isna(idx) else None
            problems.append(
                Problem(
                    file,
                    _describe(str(rec.check), rec.failure_case),
                    row=row,
                    column=str(rec.column),
                )
            )
        return sorted(set(problems), key=lambda p: (p.row or 0, p.column or ""))
    return []


def _describe(check: str, value: object) -> str:
    shown = repr(value)[:60]
    if check.startswith("in_range"):
        lo, hi = check[len("in_range(") : -1].split(",")
        return f"{shown} is out of range [{lo.strip()}, {hi.strip()}]"
    if check.startswith("isin"):
        allowed = check[len("isin(") : -1]
        return f"{shown} is not one of {allowed}"
    if check == "field_uniqueness":
        return f"duplicate id {shown}"
    if check.startswith("greater_than_or_equal_to"):
        return f"{shown} must be >= {check.split('(')[1].rstrip(')')}"
    if check.startswith("greater_than"):
        return f"{shown} must be > {check.split('(')[1].rstrip(')')}"
    if check.startswith("less_than_or_equal_to"):
        return f"{shown} must be <= {check.split('(')[1].rstrip(')')}"
    if check.startswith("str_length"):
        return "empty id"
    if check == "not_nullable":
        return "missing value"
    return f"{shown} fails check {check}"
