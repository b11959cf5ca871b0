"""``allocate serve`` refuses bad input with exit code 2 and one line, before listening."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from allocate.cli import app


def test_missing_folders_exit_2(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["serve", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "instance folder not found" in r.output
    r = CliRunner().invoke(app, ["serve", str(tmp_path), "--run", str(tmp_path / "gone")])
    assert r.exit_code == 2 and "run folder not found" in r.output
    r = CliRunner().invoke(app, ["serve", str(tmp_path), "--port", "70000"])
    assert r.exit_code == 2
