"""``allocate compare``: the table on the console and in files, schedules on a Dask scheduler."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from allocate.cli import app
from tests.analysis.conftest import three_city_folder


def test_compare_refuses_unknown_or_repeated_models(tmp_path: Path) -> None:
    folder = three_city_folder(tmp_path)
    res = CliRunner().invoke(app, ["compare", str(folder), "--models", "size,nope"])
    assert res.exit_code == 2 and "unknown model(s) nope" in res.output
    res = CliRunner().invoke(app, ["compare", str(folder), "--models", "size,size"])
    assert res.exit_code == 2 and "listed twice" in res.output


def test_compare_schedules_on_a_dask_scheduler(tmp_path: Path) -> None:
    from distributed import LocalCluster

    folder = three_city_folder(tmp_path)
    out = tmp_path / "cmp"
    args = ["compare", str(folder), "--models", "size,generalist", "--time-limit", "3", "--schedule"]
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        res = CliRunner().invoke(app, [*args, "--scheduler", cluster.scheduler_address, "--out", str(out)])
    assert res.exit_code == 0, res.output
    for model in ("size", "generalist"):
        assert (out / model / "schedule.csv").is_file()
    t = pd.read_csv(out / "comparison.csv", index_col=0)
    assert "actions scheduled" in t.index
    bad = CliRunner().invoke(app, [*args[:-1], "--scheduler", "tcp://x:1", "--out", str(out)])
    assert bad.exit_code == 2 and "only used with --schedule" in bad.output
