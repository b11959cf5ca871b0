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


def _rows(text: str) -> dict[str, list[str]]:
    """Table rows as label -> cells (cells are separated by two spaces or more)."""
    import re

    out = {}
    for line in text.splitlines():
        parts = re.split(r"\s{2,}", line.strip())
        if len(parts) > 1:
            out[parts[0]] = parts[1:]
    return out


def _synthetic(models: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from allocate.analysis.compare import Comparison, ModelRun, comparison_table
    from allocate.core.status import SolveStatus

    rec = {"status": "optimal", "explanation": "", "total_workload_h": 12345.6, "workload.mean": 1028.8,
           "workload.min": 20.5, "workload.max": 38.25, "workload.cv": 0.123, "utilization.max": 0.98,
           "total_travel_h": 1234.4, "potential.cv": 0.2, "potential.max_min_ratio": 12.5, "moves": 12345,
           "uncovered_items": 0, "overloaded_sellers": 0, "sellers_used": 120, "sellers_needed": 110,
           "objective": 123456.78, "gap": 0.012, "wall_s": 12.3, "share_scheduled": 0.995, "backlog_h": 1234.5,
           "funnel_output": 12.34}
    why = "segment=large: needs 10.0 h/week but its eligible sellers have 2.0 h/week (short by 8.0 h/week)"
    runs = [ModelRun(m, SolveStatus.OPTIMAL, dict(rec)) for m in models[:-1]]
    runs.append(ModelRun(models[-1], SolveStatus.INFEASIBLE, {"status": "infeasible", "explanation": why}, why))
    return Comparison("fr-pme", tuple(runs), comparison_table(runs))


def test_the_comparison_reads_at_80_columns() -> None:
    """Issue 14: at 80 columns, model names were cut into fragments and one KPI took 4 lines."""
    import io

    from rich.console import Console

    from allocate.cli.compare import MODEL_CODES, print_comparison

    for models, tables in ((("geography", "size", "value_proposition", "roles", "generalist"), 1),
                           (tuple(MODEL_CODES), 2)):
        console = Console(width=80, record=True, file=io.StringIO())
        print_comparison(_synthetic(models), console)
        text = console.export_text()
        assert max(len(line) for line in text.splitlines()) <= 80
        assert text.count("Organization models on fr-pme") == tables
        rows = _rows(text)
        headers = [line.split()[1:] for line in text.splitlines() if line.startswith("KPI ")]
        assert [code for cells in headers for code in cells] == [MODEL_CODES[m] for m in models]  # whole names
        for label in ("status", "workload, h/wk", "workload/seller mean", "potential max/min", "objective",
                      "funnel, deals/period"):
            assert label in rows, label  # one KPI, one line
        assert "infeasible" in rows["status"]
        assert "models: geo = geography" in text and "value = value_proposition" in text
        assert "short by 8.0 h/week" in text.replace("\n", " ")  # the explanation, under the table


def test_the_compare_command_prints_a_table_that_fits_80_columns(tmp_path: Path) -> None:
    folder = three_city_folder(tmp_path)
    res = CliRunner().invoke(app, ["compare", str(folder), "--time-limit", "1", "--workers", "1", "--out",
                                   str(tmp_path / "cmp")], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    table = res.output[res.output.index("Organization models"):res.output.index("models: ")]
    assert max(len(line) for line in table.splitlines()) <= 80
    rows = _rows(table)
    assert rows["KPI"] == ["geo", "size", "value", "roles", "general"]
    assert len(rows["workload, h/wk"]) == 5 and len(rows["status"]) == 5
