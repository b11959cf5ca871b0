"""Adjacency tables: ids checked, distances optional, errors with file, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.core.errors import InputError
from allocate.io.adjacency import read_adjacency

IDX = {"a": 0, "b": 1, "c": 2}


def test_read_with_and_without_distance(tmp_path: Path) -> None:
    p = tmp_path / "adjacency.csv"
    p.write_text("unit_a,unit_b,distance\na,b,2.5\nb,c,\n")
    assert read_adjacency(p, IDX) == [(0, 1, 2.5), (1, 2, None)]


@pytest.mark.parametrize(
    "body,where",
    [
        ("unit_a,unit_b\na,z\n", "row 2, column 'unit_b'"),
        ("unit_a,unit_b,distance\na,b,-1\n", "row 2, column 'distance'"),
        ("unit_a,unit_b\na,a\n", "row 2"),
        ("from,to\na,b\n", "missing column"),
    ],
)
def test_errors_name_row_and_column(tmp_path: Path, body: str, where: str) -> None:
    p = tmp_path / "adjacency.csv"
    p.write_text(body)
    with pytest.raises(InputError) as exc:
        read_adjacency(p, IDX)
    assert where in str(exc.value) and "adjacency.csv" in str(exc.value)
