"""``allocate schedule`` end to end on the tiny instance: files, merge of kpis.json, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from allocate.cli import app
from tests.schedule.mapper_instance import small_instance


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return small_instance(tmp_path_factory)


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


def test_schedule_takes_a_country_s_holidays(tiny_dir: Path, tmp_path: Path) -> None:
    run = _run_dir(tmp_path)
    # 2027-05-03 is a Monday: the week holds 1 May (a Saturday) and nothing else in FR, while
    # 2027-05-06 (Ascension) and 2027-05-17 (Whit Monday) are French holidays
    args = ["--weeks", "3", "--start", "2027-05-03", "--time-limit", "5", "--workers", "1", "--holidays", "FR"]
    res = CliRunner().invoke(app, _schedule_args(tiny_dir, run, *args))
    assert res.exit_code == 0, res.output
    dates = set(pd.read_csv(run / "schedule.csv")["date"])
    assert dates and not dates & {"2027-05-06", "2027-05-17"}


def test_schedule_refuses_an_unknown_country_before_any_work(tmp_path: Path) -> None:
    run = _run_dir(tmp_path)
    # the instance folder does not exist: the holidays are checked first
    res = CliRunner().invoke(app, _schedule_args(tmp_path / "nowhere", run, "--holidays", "ZZ"),
                             env={"COLUMNS": "300"})
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "unknown country 'ZZ'" in lines[0]


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


def test_schedule_cli_on_an_embedded_cluster(small, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder, inst = small
    run = tmp_path / "run"
    run.mkdir()
    rows = [f"{a},S{k % 3}" for k, a in enumerate(inst.accounts.ids)]
    (run / "alignment.csv").write_text("account_id,seller_id\n" + "\n".join(rows) + "\n")
    (run / "kpis.json").write_text(json.dumps({"model": "geography"}))
    args = ["schedule", str(folder), "--alignment", str(run / "alignment.csv"), "--out", str(run)]
    # a limit of 5 s ran out while the worker started (load 8): nothing was scheduled
    args += ["--weeks", "1", "--start", "2027-01-04", "--time-limit", "30", "--workers", "1"]
    res = CliRunner().invoke(app, [*args, "--dask"])
    assert res.exit_code == 0, res.output
    kpis = json.loads((run / "kpis.json").read_text())
    assert kpis["model"] == "geography" and kpis["schedule"]["scheduled"] > 0
    bad = CliRunner().invoke(app, [*args, "--scheduler", "localhost:8786"])
    assert bad.exit_code != 0 and "tcp://HOST:8786" in bad.output


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        # the same account twice: it was planned twice
        ("A1,PAR\nA2,PAR\nA3,LYO\nA1,PAR\n", "row 5, column 'account_id': account 'A1' is given twice"),
        # one account on two sellers
        ("A1,PAR\nA1,LYO\n", "row 3, column 'account_id': account 'A1' is on two sellers"),
        # a blank seller
        ("A1,PAR\nA2,\n", "row 3, column 'seller_id': missing seller"),
    ],
)
def test_schedule_and_validate_refuse_a_bad_hand_edited_alignment(
    tiny_dir: Path, tmp_path: Path, rows: str, message: str
) -> None:
    """Issue 14 item 13: the alignment file is checked like every other input."""
    run = _run_dir(tmp_path)
    (run / "alignment.csv").write_text("account_id,seller_id\n" + rows)
    for args in (
        _schedule_args(tiny_dir, run, *FAST),
        ["validate", str(tiny_dir), "--alignment", str(run / "alignment.csv")],
    ):
        res = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
        assert res.exit_code == 2, res.output
        assert f"alignment.csv, {message}" in res.stderr
    assert not (run / "schedule.csv").exists()


@pytest.mark.parametrize(
    "extra",
    [
        ("--seed", str(2**31)),  # CP-SAT's random_seed is a 32-bit integer: exit 1 before
        ("--time-limit", "inf"),  # ran forever
    ],
)
def test_options_that_cp_sat_refuses_are_bad_input(tiny_dir: Path, tmp_path: Path, extra) -> None:  # type: ignore[no-untyped-def]
    """Issue 14 item 11: option values that passed our range check but not OR-Tools'."""
    run = _run_dir(tmp_path)
    for args in (
        _schedule_args(tiny_dir, run, "--weeks", "1", "--workers", "1", *extra),
        ["solve", str(tiny_dir), "--out", str(tmp_path / "solve"), *extra],
    ):
        res = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
        assert res.exit_code == 2, (args[0], res.output)
        assert "Traceback" not in res.output


def test_a_horizon_past_the_year_9999_is_bad_input(tiny_dir: Path, tmp_path: Path) -> None:
    """Issue 14 item 11: the last dates of the calendar overflowed (exit 1)."""
    run = _run_dir(tmp_path)
    args = _schedule_args(tiny_dir, run, "--weeks", "4", "--start", "9999-12-27", "--workers", "1")
    res = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert res.exit_code == 2, res.output
    assert "--start: 4 weeks from 9999-12-27 run past the year 9999" in res.stderr


def test_a_version_saved_with_breaches_is_planned_with_a_warning(tiny_dir: Path, tmp_path: Path) -> None:
    """The editor may save a version that breaks hard rules (shown, never refused); its plan
    said nothing of it."""
    run = _run_dir(tmp_path)
    (run / "kpis.json").write_text(json.dumps({"model": "geography", "status": "unknown",
                                               "breaches": ["capacity: PAR at 357.0 h/week for 34.0 h"]}))
    res = CliRunner().invoke(app, _schedule_args(tiny_dir, run, *FAST), env={"COLUMNS": "300"})
    assert res.exit_code == 0, res.output
    assert "breaks 1 hard rule(s)" in res.output and "PAR at 357.0" in res.output
