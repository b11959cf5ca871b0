"""``allocate serve`` refuses bad input with exit code 2 and one line, before listening."""

from __future__ import annotations

import socket
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


def test_an_address_it_cannot_listen_on_exits_2_before_opening(tmp_path: Path) -> None:
    # uvicorn logged these and exited 3 (our "infeasible") after the workspace was opened
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        r = CliRunner().invoke(app, ["serve", str(tmp_path), "--port", str(taken)])
        assert r.exit_code == 2 and "error: --port" in r.output, r.output
    r = CliRunner().invoke(app, ["serve", str(tmp_path), "--host", "999.1.1.1", "--port", "0"])
    assert r.exit_code == 2 and "error: --host" in r.output, r.output


def test_out_naming_a_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    r = CliRunner().invoke(app, ["serve", str(tmp_path), "--out", str(tmp_path / "afile"), "--port", "0"])
    assert r.exit_code == 2 and "error: --out" in r.output, r.output
