"""Input sizes are checked before a file is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.core.errors import InputError
from allocate.io import limits


def test_size_text() -> None:
    assert limits.size_text(512) == "512 bytes"
    assert limits.size_text(256 * 2**20) == "256 MB"


def test_check_size_and_read_bounded(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    limits.check_size(path, 100, "the file")
    assert limits.read_bounded(path, 100, "the file") == b"x" * 100
    with pytest.raises(
        InputError, match="the file is 100 bytes, larger than the limit of 99 bytes"
    ):
        limits.read_bounded(path, 99, "the file")


def test_read_bounded_stops_on_a_file_of_unknown_size() -> None:
    """``/dev/zero`` says it is empty and never ends: one byte past the limit is enough."""
    zero = Path("/dev/zero")
    if not zero.exists():
        pytest.skip("no /dev/zero")
    with pytest.raises(InputError, match="larger than the limit of 1,000 bytes"):
        limits.read_bounded(zero, 1000, "YAML file")


def test_environment_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(limits.MAX_TABLE_ENV, raising=False)
    assert limits.max_table_bytes() == limits.MAX_TABLE_BYTES
    monkeypatch.setenv(limits.MAX_TABLE_ENV, "2")
    assert limits.max_table_bytes() == 2 * 2**20
    for bad in ("0", "-1", "two"):
        monkeypatch.setenv(limits.MAX_TABLE_ENV, bad)
        with pytest.raises(InputError, match="not a positive number of megabytes"):
            limits.max_table_bytes()
