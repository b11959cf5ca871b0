"""Reading the files of a CRM export and telling which object each one holds.

A file's kind (accounts, users, opportunities, territory associations) is recognised from its
header: the kind whose *distinctive* mapped columns (columns that no other kind maps) appear
most. A file that matches no kind, two files of one kind, or a file that lacks a key column
of its kind is bad input, reported on one line naming the file, row 1 and the column.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from allocate.core.errors import InputError
from allocate.io.crm.mapping import REQUIRED, Kind, Mapping, Source
from allocate.io.tables import read_table

_LABEL = {
    Kind.ACCOUNT: "accounts (Account / companies)",
    Kind.SELLER: "users (User / owners)",
    Kind.OPPORTUNITY: "opportunities",
    Kind.OBJECT_TERRITORY: "ObjectTerritory2Association",
    Kind.USER_TERRITORY: "UserTerritory2Association",
}


@dataclass(frozen=True)
class ExportFile:
    """One input file, read as text, with its kind and the columns of our fields.

    Attributes
    ----------
    path
        The file.
    kind
        What it holds.
    table
        Its cells as text (see :func:`allocate.io.tables.read_table`).
    columns
        Our field → its column, for the fields the file has.
    """

    path: Path
    kind: Kind
    table: pd.DataFrame
    columns: dict[str, str]
    _cells: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # our fields' cells as stripped text, once (a cell is read several times per row)
        for name, col in self.columns.items():
            self._cells[name] = [
                "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
                for v in self.table[col].tolist()
            ]

    def cell(self, i: int, name: str) -> str:
        """The stripped text of our field ``name`` on data row ``i`` (``""`` when absent).

        Parameters
        ----------
        i
            0-based data row.
        name
            Our field.

        Returns
        -------
        str
            The cell's text.
        """
        cells = self._cells.get(name)
        return "" if cells is None else cells[i]

    def column(self, name: str) -> str:
        """The file's column of our field ``name`` (``name`` itself when unmapped), for messages.

        Parameters
        ----------
        name
            Our field.

        Returns
        -------
        str
            The column name.
        """
        return self.columns.get(name, name)

    def __len__(self) -> int:
        return len(self.table)


def _distinctive(mapping: Mapping) -> dict[Kind, set[str]]:
    """Per kind, the mapped columns that no other kind maps."""
    per_kind = {k: {c for f in cols for c in mapping.candidates(k, f)} for k, cols in mapping.columns.items()}
    seen = Counter(c for cols in per_kind.values() for c in cols)
    return {k: {c for c in cols if seen[c] == 1} for k, cols in per_kind.items()}


def detect_kind(header: list[str], mapping: Mapping, source: Source, file: str) -> Kind:
    """The kind of file whose distinctive columns ``header`` holds most.

    Parameters
    ----------
    header
        The file's column names.
    mapping
        The mapping in force.
    source
        The CRM announced (named in the error).
    file
        The file (named in the error).

    Returns
    -------
    Kind
        The kind recognised.

    Raises
    ------
    InputError
        When no kind, or two kinds equally, match.
    """
    cols = set(header)
    scores = {k: len(cols & d) for k, d in _distinctive(mapping).items()}
    best = max(scores.values(), default=0)
    winners = [k for k, s in scores.items() if s == best]
    # one stray column ("City") is no evidence when the kind's key columns are missing too
    weak = best < 2 and len(winners) == 1 and bool(_missing(mapping, winners[0], header))
    if best == 0 or len(winners) > 1 or weak:
        kinds = "; ".join(
            f"{_LABEL[k]}: {', '.join(_key_columns(mapping, k))}" for k in mapping.columns
        )
        raise InputError.single(
            file,
            f"not a {source.value} export that allocate reads (header {', '.join(header[:8])}"
            f"{'...' if len(header) > 8 else ''}); expected one of: {kinds}",
            row=1,
        )
    return winners[0]


def _missing(mapping: Mapping, kind: Kind, header: list[str]) -> list[str]:
    """Our required fields of ``kind`` that ``header`` lacks."""
    out = []
    for req in REQUIRED[kind]:
        names = (req,) if isinstance(req, str) else req
        if not any(mapping.column(kind, n, header) for n in names):
            out.append(names[0])
    return out


def _key_columns(mapping: Mapping, kind: Kind) -> list[str]:
    out = []
    for req in REQUIRED[kind]:
        names = (req,) if isinstance(req, str) else req
        cands = [c for n in names for c in mapping.candidates(kind, n)]
        if cands:
            out.append(" or ".join(cands))
    return out


def read_export(path: Path, mapping: Mapping, source: Source) -> ExportFile:
    """Read one file of an export and recognise its kind.

    Parameters
    ----------
    path
        A CSV (UTF-8, with or without BOM; ``,`` or ``;``), Excel or Parquet file.
    mapping
        The mapping in force.
    source
        The CRM announced.

    Returns
    -------
    ExportFile
        The file, its kind and the columns of our fields.

    Raises
    ------
    InputError
        On an unreadable file, an unknown kind, or a missing key column (row 1, column named).
    """
    path = Path(path)
    file = str(path)
    if path.is_dir():
        raise InputError.single(file, "is a folder; give the export's files (e.g. Account.csv User.csv)")
    if not path.is_file():
        raise InputError.single(file, "file not found")
    table = read_table(path)
    header = [str(c) for c in table.columns]
    kind = detect_kind(header, mapping, source, file)
    columns: dict[str, str] = {}
    for name in mapping.columns.get(kind, {}):
        col = mapping.column(kind, name, header)
        if col is not None:
            columns[name] = col
    for req in REQUIRED[kind]:
        names = (req,) if isinstance(req, str) else req
        if not any(n in columns for n in names):
            cands = [c for n in names for c in mapping.candidates(kind, n)]
            raise InputError.single(
                file,
                f"required column is missing for a {source.value} {_LABEL[kind]} file"
                + (f" (expected {' or '.join(cands)})" if len(cands) > 1 else ""),
                row=1,
                column=cands[0] if cands else names[0],
            )
    return ExportFile(path=path, kind=kind, table=table, columns=columns)


def read_exports(paths: list[Path], mapping: Mapping, source: Source) -> dict[Kind, ExportFile]:
    """Read every file of an export; at most one file per kind.

    Parameters
    ----------
    paths
        The files given on the command line.
    mapping
        The mapping in force.
    source
        The CRM announced.

    Returns
    -------
    dict
        Kind → file.

    Raises
    ------
    InputError
        As :func:`read_export`, or when two files hold the same kind, or the accounts or the
        users are missing.
    """
    out: dict[Kind, ExportFile] = {}
    for p in paths:
        f = read_export(p, mapping, source)
        if f.kind in out:
            raise InputError.single(
                str(p), f"a second {_LABEL[f.kind]} file (the first is {out[f.kind].path}); give one", row=1
            )
        out[f.kind] = f
    for kind in (Kind.ACCOUNT, Kind.SELLER):
        if kind not in out:
            raise InputError.single(
                ", ".join(str(p) for p in paths) or "FILES",
                f"no {_LABEL[kind]} file among the files given; an import needs accounts and users",
            )
    return out
