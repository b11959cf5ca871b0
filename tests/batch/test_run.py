"""Batches on a real Dask LocalCluster: results, failures, killed workers, interruption, resume."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from allocate.batch import read_batch, run_batch
from allocate.core.errors import InputError
from tests.batch.conftest import WHATIFS, write_batch


def _check_exactly_once(out: Path, plan) -> pd.DataFrame:
    """Every scenario has one finished folder and one index row; nothing else is left."""
    ids = {s.scenario_id for s in plan.scenarios}
    folders = {p.name for p in out.iterdir() if p.is_dir()}
    assert folders == ids  # no temporary folder left, no stray folder
    for sid in ids:
        rec = json.loads((out / sid / "done.json").read_text())
        assert rec["scenario_id"] == sid
    df = pd.read_parquet(out / "runs.parquet")
    assert sorted(df["scenario_id"]) == sorted(ids)  # one row each, no duplicate
    return df


def test_small_batch_records_results_and_failures(
    client, instance_dir: Path, tmp_path: Path
) -> None:
    whatifs = [*WHATIFS, {"name": "tight", "capacity_factor": 0.01}]  # 1 % capacity: infeasible
    plan = read_batch(write_batch(tmp_path, str(instance_dir), ["generalist"], whatifs))
    out = tmp_path / "out"
    seen = []
    summary = run_batch(
        plan, out, client, on_progress=lambda rec, s: seen.append(rec["scenario_id"])
    )
    assert (summary.ok, summary.failed, summary.interrupted) == (3, 1, False)
    assert sorted(seen) == sorted(s.scenario_id for s in plan.scenarios)
    df = _check_exactly_once(out, plan).set_index("param.whatif.name")
    assert df.loc["tight", "status"] == "failed" and "infeasible" in df.loc["tight", "error"]
    assert (df.drop(index="tight")["status"] == "ok").all()
    # the what-ifs reached the solver: one more seller, 20 % more leads
    base = df.loc["today"]
    assert df.loc["+1 seller", "kpi.seller_count"] == base["kpi.seller_count"] + 1
    assert df.loc["+20 % leads", "kpi.accounts"] == base["kpi.accounts"] + round(0.2 * 20)
    assert "kpi.total_workload_h" in df.columns and "param.scenario.time_limit_s" in df.columns
    for name in ("alignment.csv", "kpis.json", "sellers_kpis.csv"):
        assert (out / df.loc["today", "scenario_id"] / name).is_file()
    # without --resume, a folder with results is not overwritten
    with pytest.raises(InputError, match="--resume"):
        run_batch(plan, out, client)


def test_killed_worker_loses_nothing_and_duplicates_nothing(
    client, instance_dir: Path, tmp_path: Path
) -> None:
    plan = read_batch(
        write_batch(
            tmp_path,
            str(instance_dir),
            ["geography", "generalist", "size"],
            WHATIFS,
            time_limit=1.0,
        )
    )
    out = tmp_path / "out"
    killed: list[int] = []

    def kill_a_busy_worker(rec: dict, summary) -> None:
        if killed:
            return
        busy = [w for w, keys in client.processing().items() if keys]
        if not busy:
            return
        pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
        os.kill(pid, signal.SIGKILL)  # the task it is running must be run again elsewhere
        killed.append(pid)

    summary = run_batch(plan, out, client, on_progress=kill_a_busy_worker)
    assert killed, "no worker was busy when the first scenario finished"
    assert summary.ok == len(plan) and summary.failed == 0
    df = _check_exactly_once(out, plan)
    assert (df["status"] == "ok").all()
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker


def test_interrupt_then_resume(client, instance_dir: Path, tmp_path: Path) -> None:
    plan = read_batch(
        write_batch(
            tmp_path, str(instance_dir), ["geography", "generalist"], WHATIFS, time_limit=0.5
        )
    )
    out = tmp_path / "out"
    stop = threading.Event()
    first = run_batch(plan, out, client, stop=stop, on_progress=lambda rec, s: stop.set())
    assert first.interrupted and 1 <= first.done < len(plan)
    done_before = {
        sid: json.loads((out / sid / "done.json").read_text())["finished_at"]
        for sid in first.records
    }
    index = pd.read_parquet(out / "runs.parquet")
    assert set(index["scenario_id"]) == set(first.records)
    time.sleep(0.5)
    second = run_batch(plan, out, client, resume=True)
    assert not second.interrupted
    assert second.skipped + second.done == len(plan) and second.skipped >= first.done
    _check_exactly_once(out, plan)
    for sid, stamp in done_before.items():  # resumed scenarios were not run again
        assert json.loads((out / sid / "done.json").read_text())["finished_at"] == stamp
