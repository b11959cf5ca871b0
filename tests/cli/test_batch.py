"""``allocate batch``: a grid run on a Dask scheduler, its index, and refused addresses."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from allocate.cli import app
from tests.batch.conftest import synthetic_instance, write_batch


def test_batch_on_a_running_scheduler(tmp_path: Path) -> None:
    from distributed import LocalCluster

    inst = synthetic_instance(tmp_path / "inst", n_accounts=24)
    spec = write_batch(tmp_path, str(inst), ["geography"], [{"name": "today"}])
    out = tmp_path / "out"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        res = CliRunner().invoke(app, ["batch", str(spec), "--scheduler", cluster.scheduler_address, "--out", str(out)])
        assert res.exit_code == 0, res.output
        assert "1 ok, 0 failed, 0 already done" in res.output
        index = pd.read_parquet(out / "runs.parquet")
        assert list(index["status"]) == ["ok"]
        again = CliRunner().invoke(app, ["batch", str(spec), "--scheduler", cluster.scheduler_address, "--out", str(out)])
        assert again.exit_code == 2 and "--resume" in again.output


def test_batch_refuses_a_bad_scheduler_address(tmp_path: Path) -> None:
    inst = synthetic_instance(tmp_path / "inst", n_accounts=12)
    spec = write_batch(tmp_path, str(inst), ["geography"], [{"name": "today"}])
    res = CliRunner().invoke(app, ["batch", str(spec), "--scheduler", "localhost:8786"])
    assert res.exit_code == 2 and "tcp://HOST:8786" in res.output
