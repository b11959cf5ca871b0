"""The comparison table: every model is a column, every KPI a row, infeasibility explained."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from allocate import Scenario, read_instance
from allocate.analysis.compare import ROWS, compare, schedule_kpis
from allocate.io.runfolder import merge_kpis
from tests.analysis.conftest import three_city_folder

MODELS = ["geography", "size", "value_proposition", "roles", "generalist", "hybrid"]


@pytest.fixture()
def instance(tmp_path: Path):
    return read_instance(three_city_folder(tmp_path))


def test_every_model_and_every_kpi(instance, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    sc = Scenario(time_limit_s=0.5, workers=1)
    rendered = []

    def pages(comp, scenario):  # the rendering is allocate.publish.comparison's
        rendered.append(scenario)
        return "# md\n", "<p>html</p>\n"

    comp = compare(instance, MODELS, sc, out, pages=pages)
    assert rendered == [sc]
    table = pd.read_csv(out / "comparison.csv", keep_default_na=False)
    assert list(table.columns) == ["kpi", "unit", *MODELS]
    expected = [r.label for r in ROWS if not r.optional]
    assert list(table["kpi"]) == expected
    by_kpi = table.set_index("kpi")
    status = by_kpi.loc["status"]
    assert status["value_proposition"] == "infeasible"
    assert "hr" in by_kpi.loc["explanation", "value_proposition"]  # names the short group
    for m in MODELS:
        if m == "value_proposition":
            assert (
                not (out / m / "alignment.csv").exists() and (out / m / "infeasible.json").is_file()
            )
            continue
        assert status[m] in ("optimal", "feasible")
        kp = json.loads((out / m / "kpis.json").read_text())
        # the table shows the run's own KPIs
        assert float(by_kpi.loc["total workload", m]) == pytest.approx(
            kp["totals"]["total_workload_h"]
        )
        assert float(by_kpi.loc["moves against today", m]) == kp["totals"]["moves"]
    assert (out / "comparison.md").read_text() == "# md\n"
    assert (out / "comparison.html").read_text() == "<p>html</p>\n"
    assert comp.models == tuple(MODELS)


def test_schedule_kpis_are_picked_up(instance, tmp_path: Path) -> None:
    def fake_schedule(inst, result, folder: Path) -> None:
        # what a schedule adds to the run's KPIs (allocate.schedule.schedule_run does the same)
        merge_kpis(folder, inst.name, {"share_scheduled": 0.9, "backlog_h": 3.5})

    comp = compare(
        instance,
        ["generalist", "size"],
        Scenario(time_limit_s=0.5, workers=1),
        tmp_path / "c",
        schedule=fake_schedule,
    )
    t = comp.table.set_index("kpi")
    assert t.loc["actions scheduled", "generalist"] == 0.9 and t.loc["backlog", "size"] == 3.5
    assert "funnel output" not in t.index  # absent everywhere: no row


def test_schedule_kpis_of_a_run_folder(tmp_path: Path) -> None:
    assert schedule_kpis(tmp_path) == {}  # no KPIs: no schedule
    (tmp_path / "kpis.json").write_text("{not json")
    assert schedule_kpis(tmp_path) == {}  # unreadable: ignored, the row stays n/a
    merge_kpis(tmp_path, "x", {"backlog_h": 2.0, "funnel_output": {"deals": 1.0}, "other": 1})
    assert schedule_kpis(tmp_path) == {"backlog_h": 2.0, "funnel_output": {"deals": 1.0}}


def test_without_pages_no_comparison_file_is_written(instance, tmp_path: Path) -> None:
    compare(instance, ["generalist"], Scenario(time_limit_s=0.5, workers=1), tmp_path / "c")
    assert (tmp_path / "c" / "generalist").is_dir()
    assert not (tmp_path / "c" / "comparison.csv").exists()


def test_display_rows_mark_the_best_value_of_models_with_a_solution() -> None:
    from allocate.analysis.compare import (
        Comparison,
        ModelRun,
        comparison_table,
        display_rows,
        headline,
    )
    from allocate.core.status import SolveStatus

    runs = (
        ModelRun("a", SolveStatus.OPTIMAL, {"status": "optimal", "total_workload_h": 10.0}),
        ModelRun("b", SolveStatus.FEASIBLE, {"status": "feasible", "total_workload_h": 12.0}),
        ModelRun("c", None, {"status": "error", "total_workload_h": 1.0}),
    )
    assert [r.solved for r in runs] == [True, True, False]
    assert [r.label for r in runs] == ["optimal", "feasible", "error"]
    comp = Comparison("x", runs, comparison_table(runs))
    rows = {label: (texts, best) for _, label, _, texts, best in display_rows(comp)}
    assert rows["total workload"] == (["10.0", "12.0", "1.0"], {0})  # the error model is not ranked
    assert rows["status"] == (["optimal", "feasible", "error"], set())
    assert "10.0 h/week under a and 12.0 h/week under b" in headline(comp)


def test_compare_writes_its_folder_as_one_unit(instance, tmp_path: Path) -> None:
    # a comparison stopped after its first model leaves the previous folder as it was
    from allocate.publish.comparison import pages

    out = tmp_path / "cmp"
    sc = Scenario(time_limit_s=0.5, workers=1)
    first = compare(instance, ["geography"], sc, out, pages=pages)
    assert first.runs[0].folder == out / "geography"  # the final place, not the staged one
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))

    def stop(run):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        compare(instance, ["size", "geography"], sc, out, on_model=stop, pages=pages)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    compare(instance, ["size"], sc, out, pages=pages)
    assert not (out / "geography").exists() and (out / "size").is_dir()
