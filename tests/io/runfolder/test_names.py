"""The file names of run folders: distinct, plain names, and spelled nowhere else in the package."""

from __future__ import annotations

import ast
from pathlib import Path

from allocate.io.runfolder import names

SRC = Path(__file__).resolve().parents[3] / "src" / "allocate"
OWN = SRC / "io" / "runfolder"
#: Constants that are parts of names, not names (too common to search for).
PARTS = {"TMP_PREFIX", "STAGING_PREFIX", "LOCK_SUFFIX", "SIZING_TABLE_SUFFIX"}
FILE_NAMES = {k: v for k, v in vars(names).items() if k.isupper() and isinstance(v, str) and k not in PARTS}


def test_every_file_name_is_distinct_and_plain() -> None:
    assert len(FILE_NAMES) == len(set(FILE_NAMES.values())) == 24
    for value in FILE_NAMES.values():
        assert "/" not in value and "\\" not in value and Path(value).suffix
    assert names.TMP_PREFIX.startswith(".")  # hidden, and never a scenario id
    assert names.STAGING_PREFIX.startswith(".") and names.STAGING_PREFIX != names.TMP_PREFIX


def test_a_sizing_table_is_a_csv_named_after_it() -> None:
    assert names.sizing_table("placement") == "placement.csv"
    assert names.sizing_table("placement") not in FILE_NAMES.values()


def test_no_other_module_spells_a_file_name() -> None:
    """Every string (docstrings and f-string parts included) outside the package is checked."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if OWN in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found += [
                    f"{path.relative_to(SRC)}:{node.lineno}: {v}" for v in FILE_NAMES.values() if v in node.value
                ]
    assert found == []
