"""The KPIS file: read strictly or leniently, and merged into by later commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from allocate.core.errors import InputError
from allocate.io.runfolder.kpis import merge_kpis, read_kpis
from allocate.io.runfolder.names import KPIS


def test_unreadable_kpis_are_an_input_error_only_when_strict(tmp_path: Path) -> None:
    assert read_kpis(tmp_path) == {}
    (tmp_path / KPIS).write_text("{broken")
    with pytest.raises(InputError, match="cannot read"):
        read_kpis(tmp_path)
    assert read_kpis(tmp_path, strict=False) == {}


def test_kpis_that_are_not_an_object_read_as_empty(tmp_path: Path) -> None:
    (tmp_path / KPIS).write_text("[1, 2]")
    assert read_kpis(tmp_path) == {}


def test_merging_keeps_the_keys_and_creates_a_missing_file(tmp_path: Path) -> None:
    (tmp_path / KPIS).write_text(json.dumps({"instance": "old", "model": "roles", "gap": 0.1}))
    assert merge_kpis(tmp_path, "new", {"gap": 0.0, "weeks": 4}) == tmp_path / KPIS
    assert read_kpis(tmp_path) == {"instance": "old", "model": "roles", "gap": 0.0, "weeks": 4}
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    merge_kpis(fresh, "inst", {"weeks": 4})
    assert read_kpis(fresh) == {"instance": "inst", "weeks": 4}
    (fresh / KPIS).write_text("{broken")  # unreadable: replaced, not raised
    merge_kpis(fresh, "inst", {"weeks": 5})
    assert read_kpis(fresh) == {"instance": "inst", "weeks": 5}


def test_deeply_nested_kpis_are_an_input_error(tmp_path: Path) -> None:
    """Issue 14 item 11: ``[[[[...`` made json recurse until RecursionError (exit 1)."""
    (tmp_path / KPIS).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="cannot read: nested too deeply"):
        read_kpis(tmp_path)
    assert read_kpis(tmp_path, strict=False) == {}
