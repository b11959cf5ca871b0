"""``allocate size``: the smallest team on the console and in files; unknown roles refused."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from allocate.cli import app


def test_size_writes_the_summary_and_tables(tiny_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sizing"
    res = CliRunner().invoke(
        app, ["size", str(tiny_dir), "--max-sellers", "2", "--time-limit", "1", "--workers", "1", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "sizing.json").read_text())
    assert summary["current_sellers"] == 2 and "capacity_check" in summary
    assert (out / "capacity_check.csv").is_file() and f"wrote {out}/sizing.json" in res.output.replace("\n", "")


def test_size_refuses_an_unknown_role(tiny_dir: Path) -> None:
    res = CliRunner().invoke(app, ["size", str(tiny_dir), "--role", "WIZARD"])
    assert res.exit_code == 2 and "unknown role 'WIZARD'" in res.output
