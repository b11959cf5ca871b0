"""``schedule_run``: from a run folder to its plan files, with the instance folder recorded there."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from allocate.schedule import PlanConfig, schedule_run


def _run_dir(tmp_path: Path, tiny_dir: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    (run / "alignment.csv").write_text("account_id,seller_id\nA1,PAR\nA2,PAR\nA3,LYO\nA4,LYO\n")
    (run / "kpis.json").write_text(json.dumps({"model": "geography", "instance_dir": str(tiny_dir)}))
    return run


def test_schedule_run_writes_the_same_files(tiny_dir: Path, tmp_path: Path) -> None:
    from types import SimpleNamespace

    from allocate import read_instance
    from allocate.io.runfolder import read_alignment

    run = _run_dir(tmp_path, tiny_dir)
    inst = read_instance(tiny_dir)
    result = SimpleNamespace(alignment=read_alignment(run / "alignment.csv", inst))
    cfg = PlanConfig(weeks=2, start=dt.date(2027, 1, 4), time_limit_s=5, workers=1)
    plan = schedule_run(inst, result, run, cfg)  # type: ignore[arg-type]
    for name in ("schedule.csv", "load.csv", "unscheduled.csv", "funnel.csv"):
        assert (run / name).is_file()
    assert len(pd.read_csv(run / "schedule.csv")) == int(plan.placed.sum()) == 16
    assert json.loads((run / "kpis.json").read_text())["share_scheduled"] == 1.0
