"""``allocate map`` and ``allocate report``: outputs, gallery, and the instance of a run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocate.cli import app
from tests.publish.publishing import published_runs


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return published_runs(tmp_path_factory)


def test_cli_map_vs_and_index(published: dict[str, Path], tmp_path: Path) -> None:
    runner = CliRunner()
    maps = tmp_path / "maps"
    res = runner.invoke(
        app, ["map", str(published["geo"]), "--offline", "--out", str(maps / "geo & co.html")]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app,
        [
            "map",
            str(published["geo"]),
            "--vs",
            str(published["size"]),
            "--instance",
            str(published["instance"]),
            "--offline",
            "--out",
            str(maps / "vs.html"),
        ],
    )
    assert res.exit_code == 0, res.output
    index = (maps / "index.html").read_text()
    assert 'href="geo%20%26%20co.html"' in index and 'href="vs.html"' in index
    assert "geo &amp; co.html" in index
    vs = (maps / "vs.html").read_text()
    assert vs.count("L.map(") == 2 and ".sync(" in vs


def test_cli_map_without_instance_exits_2(published: dict[str, Path], tmp_path: Path) -> None:
    run = Path(shutil.copytree(published["geo"], tmp_path / "run"))
    meta = json.loads((run / "kpis.json").read_text())
    meta.pop("instance_dir", None)
    (run / "kpis.json").write_text(json.dumps(meta))
    res = CliRunner().invoke(app, ["map", str(run), "--out", str(tmp_path / "m.html")])
    assert res.exit_code == 2
    assert "--instance" in res.output
    res = CliRunner().invoke(
        app,
        ["map", str(run), "--instance", str(tmp_path / "nope"), "--out", str(tmp_path / "m.html")],
    )
    assert res.exit_code == 2


def test_report_needs_instance(published: dict[str, Path], tmp_path: Path) -> None:
    run = Path(shutil.copytree(published["geo"], tmp_path / "r"))
    kp = run / "kpis.json"
    kp.write_text(kp.read_text().replace('"instance_dir"', '"instance_dir_unused"'))
    res = CliRunner().invoke(app, ["report", str(run), "--out", str(tmp_path / "maps" / "x")])
    assert res.exit_code == 2
