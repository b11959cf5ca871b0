"""Reader of a unit adjacency table: ``unit_a, unit_b[, distance]``.

Each row says that two units (or two accounts, when the instance has no units) touch, and
optionally how far apart they are (any positive length: km, minutes). The ids are checked
against the known ones; every problem names the file, the row and the column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from allocate.core.errors import InputError, Problem
from allocate.io.tables import read_table


def read_adjacency(path: Path, index: Mapping[str, int]) -> list[tuple[int, int, float | None]]:
    """The edges of an adjacency table.

    Parameters
    ----------
    path
        The table (CSV, Excel or Parquet) with columns ``unit_a``, ``unit_b`` and optionally
        ``distance``.
    index
        Position of each known id.

    Returns
    -------
    list of tuple
        ``(a, b, distance or None)`` per row (positions in ``index``).

    Raises
    ------
    InputError
        Missing columns, unknown ids, a unit joined to itself, a distance not > 0.
    """
    path = Path(path)
    name = path.name
    df = read_table(path)
    missing = [c for c in ("unit_a", "unit_b") if c not in df.columns]
    if missing:
        raise InputError.single(
            name, f"missing column(s) {', '.join(missing)} (expected unit_a, unit_b[, distance])"
        )
    has_d = "distance" in df.columns
    problems: list[Problem] = []
    edges: list[tuple[int, int, float | None]] = []
    for r, rec in enumerate(df.to_dict(orient="records"), start=2):
        ends = []
        for col in ("unit_a", "unit_b"):
            key = str(rec[col]).strip()
            if key not in index:
                problems.append(Problem(name, f"unknown id {key!r}", r, col))
            ends.append(index.get(key, -1))
        dist: float | None = None
        if has_d and str(rec["distance"]).strip() not in ("", "nan", "None"):
            try:
                dist = float(str(rec["distance"]).replace(",", "."))
            except ValueError:
                dist = float("nan")
            if not math.isfinite(dist) or dist <= 0:
                problems.append(
                    Problem(
                        name,
                        f"distance must be a number > 0, got {rec['distance']!r}",
                        r,
                        "distance",
                    )
                )
        if ends[0] >= 0 and ends[0] == ends[1]:
            problems.append(Problem(name, "a unit cannot be adjacent to itself", r, "unit_b"))
        if len(problems) > 200:
            break
        edges.append((ends[0], ends[1], dist))
    if problems:
        raise InputError(problems)
    return edges
