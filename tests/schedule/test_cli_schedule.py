"""``allocate schedule`` end to end on the tiny instance: files, merge of kpis.json, bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from allocate.cli import app


def _run_dir(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    (run / "alignment.csv").write_text("account_id,seller_id\nA1,PAR\nA2,PAR\nA3,LYO\nA4,LYO\n")
    (run / "kpis.json").write_text(json.dumps({"model": "geography", "objective": 1.5}))
    return run


#: Two weeks from a fixed Monday, a short limit, one process.
FAST = ("--weeks", "2", "--start", "2027-01-04", "--time-limit", "5", "--workers", "1")


def _schedule_args(tiny_dir: Path, run: Path, *extra: str) -> list[str]:
    return [
        "schedule",
        str(tiny_dir),
        "--alignment",
        str(run / "alignment.csv"),
        "--out",
        str(run),
        *extra,
    ]


def test_schedule_writes_the_plan_and_merges_kpis(tiny_dir: Path, tmp_path: Path) -> None:
    sellers = (tiny_dir / "sellers.csv").read_text().splitlines()
    sellers = [sellers[0] + ",calendar", sellers[1] + ",off/par.csv", sellers[2] + ","]
    (tiny_dir / "sellers.csv").write_text("\n".join(sellers) + "\n")
    (tiny_dir / "off").mkdir()
    (tiny_dir / "off" / "par.csv").write_text("date\n2027-01-07\n")
    run = _run_dir(tmp_path)
    res = CliRunner().invoke(app, _schedule_args(tiny_dir, run, *FAST, "--holidays", "2027-01-05"))
    assert res.exit_code == 0, res.output
    sched = pd.read_csv(run / "schedule.csv")
    assert list(sched.columns[:7]) == [
        "seller_id",
        "account_id",
        "operation",
        "date",
        "start",
        "duration_min",
        "travel_min",
    ]
    # weekly visit and call for 4 customers over 2 weeks, ample capacity: all 16 planned
    assert len(sched) == 16 and pd.read_csv(run / "unscheduled.csv").empty
    assert "2027-01-05" not in set(sched["date"])  # holiday
    assert "2027-01-07" not in set(sched.loc[sched["seller_id"] == "PAR", "date"])  # day off
    k = json.loads((run / "kpis.json").read_text())
    assert k["model"] == "geography" and k["objective"] == 1.5 and k["share_scheduled"] == 1.0
    assert len(k["weekly_utilization"]) == 2
    for name in ("load.csv", "funnel.csv"):
        assert (run / name).is_file()


def test_schedule_rejects_a_start_that_is_not_a_monday(tiny_dir: Path, tmp_path: Path) -> None:
    run = _run_dir(tmp_path)
    res = CliRunner().invoke(app, _schedule_args(tiny_dir, run, "--start", "2027-01-05"))
    assert res.exit_code == 2
    assert not (run / "schedule.csv").exists()


def test_schedule_rejects_bad_holidays(tiny_dir: Path, tmp_path: Path) -> None:
    run = _run_dir(tmp_path)
    res = CliRunner().invoke(app, _schedule_args(tiny_dir, run, "--holidays", "2027-13-40"))
    assert res.exit_code == 2


def test_schedule_run_writes_the_same_files(tiny_dir: Path, tmp_path: Path) -> None:
    from types import SimpleNamespace

    from allocate import read_instance
    from allocate.io.runfolder import read_alignment
    from allocate.schedule import PlanConfig, schedule_run

    run = _run_dir(tmp_path)
    (run / "kpis.json").write_text(
        json.dumps({"model": "geography", "instance_dir": str(tiny_dir)})
    )
    inst = read_instance(tiny_dir)
    result = SimpleNamespace(alignment=read_alignment(run / "alignment.csv", inst))
    cfg = PlanConfig(weeks=2, start=dt.date(2027, 1, 4), time_limit_s=5, workers=1)
    plan = schedule_run(inst, result, run, cfg)  # type: ignore[arg-type]
    for name in ("schedule.csv", "load.csv", "unscheduled.csv", "funnel.csv"):
        assert (run / name).is_file()
    assert len(pd.read_csv(run / "schedule.csv")) == int(plan.placed.sum()) == 16
    assert json.loads((run / "kpis.json").read_text())["share_scheduled"] == 1.0


def test_daily_limit_from_the_command_line(tiny_dir: Path, tmp_path: Path) -> None:
    # 40 h weeks: a 10 h day is allowed (each week keeps 40 h), a 6 h day could never
    # fill the week, 25 h is not a day
    run = _run_dir(tmp_path)
    res = CliRunner().invoke(app, _schedule_args(tiny_dir, run, *FAST, "--daily-h", "10"))
    assert res.exit_code == 0, res.output
    sched = pd.read_csv(run / "schedule.csv")
    minutes = (sched["duration_min"] + sched["travel_min"]).groupby(
        [sched["seller_id"], sched["date"]]
    )
    assert 0 < minutes.sum().max() <= 600 + 0.2
    assert (pd.read_csv(run / "load.csv")["capacity_h"] == 40).all()
    (run / "schedule.csv").unlink()
    res = CliRunner().invoke(app, _schedule_args(tiny_dir, run, *FAST, "--daily-h", "6"))
    assert res.exit_code == 2 and "--daily-h" in res.output and "PAR" in res.output
    assert not (run / "schedule.csv").exists()
    res = CliRunner().invoke(app, _schedule_args(tiny_dir, run, *FAST, "--daily-h", "25"))
    assert res.exit_code == 2
