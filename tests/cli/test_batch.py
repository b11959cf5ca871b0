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


def test_batch_with_failed_scenarios_exits_4_and_names_them_last(tmp_path: Path) -> None:
    """Issue 14, item 16: a batch whose every scenario failed used to exit 0."""
    from distributed import LocalCluster

    inst = synthetic_instance(tmp_path / "inst", n_accounts=24)
    tight = [{"name": "tight", "capacity_factor": 0.01}, {"name": "tighter", "capacity_factor": 0.005}]
    spec = write_batch(tmp_path, str(inst), ["geography"], tight)
    out = tmp_path / "out"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        res = CliRunner().invoke(app, ["batch", str(spec), "--scheduler", cluster.scheduler_address, "--out", str(out)],
                                 env={"COLUMNS": "400"})
    assert res.exit_code == 4, res.output
    index = pd.read_parquet(out / "runs.parquet")
    assert list(index["status"]) == ["failed", "failed"]
    last = res.output.strip().splitlines()[-1]
    assert last.startswith("failed: 2 of 2 scenarios: ")
    for sid in index["scenario_id"]:
        assert sid in last
    assert "[geography, tight] (infeasible" in last and "[geography, tighter]" in last


def test_a_second_batch_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    """Issue 14, item 15: two batches on one --out both said ok; the index kept one of them."""
    from allocate.io.runfolder import folder_lock

    inst = synthetic_instance(tmp_path / "inst", n_accounts=12)
    spec = write_batch(tmp_path, str(inst), ["geography"], [{"name": "today"}])
    out = tmp_path / "out"
    with folder_lock(out):  # a first batch is running
        res = CliRunner().invoke(app, ["batch", str(spec), "--out", str(out)], env={"COLUMNS": "400"})
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "another allocate run" in lines[0] and "pid" in lines[0]
    assert not (out / "runs.parquet").exists()


def test_a_quota_no_split_can_meet_is_refused_before_any_work(tmp_path: Path) -> None:
    """`solve` refuses it before solving; a batch solved every scenario first, then each one
    "failed" (exit 4) with a message naming 'scenario', not the batch file."""
    import yaml

    inst = synthetic_instance(tmp_path / "inst", n_accounts=12)
    spec = write_batch(tmp_path, str(inst), ["geography"], [{"name": "today"}])
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    data["scenario"]["quota"] = {"total": 1000, "floor": 600}  # 600 each: more than the total
    spec.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["batch", str(spec), "--out", str(out)], env={"COLUMNS": "400"})
    assert res.exit_code == 2, res.output
    assert "batch.yaml" in res.output and "floor" in res.output
    assert not out.exists()
