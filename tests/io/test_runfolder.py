"""The run folder: every file a solve, a schedule, a comparison, a batch or a sizing writes, and
reading them back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from allocate.align.solve import solve
from allocate.analysis.kpi import compute_kpis
from allocate.core.errors import InputError
from allocate.core.scenario import Scenario
from allocate.io import runfolder as rf


@pytest.fixture()
def run(tiny, tmp_path: Path):  # type: ignore[no-untyped-def]
    result = solve(tiny, Scenario(model="geography", time_limit_s=2, workers=1, seed=1))
    kpis = compute_kpis(tiny, result)
    folder = tmp_path / "run"
    written = rf.write_run(folder, tiny, result, kpis, extra={"instance_dir": tiny.source_dir})
    return folder, result, written


def test_a_solve_writes_its_four_files(tiny, run) -> None:  # type: ignore[no-untyped-def]
    folder, result, written = run
    names = [rf.ALIGNMENT, rf.SELLERS_KPIS, rf.KPIS, rf.TERRITORIES]
    assert written == [folder / n for n in names]
    kpis = rf.read_kpis(folder)
    assert kpis["model"] == "geography" and kpis["status"] == result.status.value
    geo = json.loads((folder / rf.TERRITORIES).read_text())
    assert {f["properties"]["seller_id"] for f in geo["features"]} <= set(tiny.sellers.ids)


def test_a_run_reads_back_as_written(tiny, run) -> None:  # type: ignore[no-untyped-def]
    folder, result, _ = run
    back = rf.read_run(folder, tiny)
    assert back.label == "geography" and back.path == folder
    assert np.array_equal(back.alignment.account, result.alignment.account)
    assert np.array_equal(back.alignment.seller, result.alignment.seller)
    assert list(back.sellers["seller_id"]) == list(tiny.sellers.ids)
    assert back.totals == rf.read_kpis(folder)["totals"]
    # without the CSV, the sellers come from the KPIs
    (folder / rf.SELLERS_KPIS).unlink()
    assert list(rf.read_seller_kpis(folder)["seller_id"]) == list(tiny.sellers.ids)


def test_alignment_errors_name_the_cell(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="alignment file not found"):
        rf.read_alignment(tmp_path / rf.ALIGNMENT, tiny)
    (tmp_path / rf.ALIGNMENT).write_text("account_id,seller_id\nA1,PAR\nZZ,PAR\nA3,NOPE\n")
    with pytest.raises(InputError) as err:
        rf.read_alignment(tmp_path / rf.ALIGNMENT, tiny)
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "account_id"), (4, "seller_id")]


def test_model_name_without_kpis_comes_from_the_item_column(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / rf.ALIGNMENT).write_text("account_id,seller_id,role\nA1,PAR,CSM\n")
    assert rf.read_alignment(tmp_path / rf.ALIGNMENT, tiny).model == "roles"
    (tmp_path / rf.KPIS).write_text("[1, 2]")  # not an object: ignored
    assert rf.read_alignment(tmp_path / rf.ALIGNMENT, tiny).model == "roles"


def test_unreadable_kpis_are_an_input_error_only_when_strict(tmp_path: Path) -> None:
    assert rf.read_kpis(tmp_path) == {}
    (tmp_path / rf.KPIS).write_text("{broken")
    with pytest.raises(InputError, match="cannot read"):
        rf.read_kpis(tmp_path)
    assert rf.read_kpis(tmp_path, strict=False) == {}


def test_instance_dir_of_a_run(tmp_path: Path) -> None:
    inst = tmp_path / "inst"
    inst.mkdir()
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(InputError, match="pass --instance"):
        rf.resolve_instance_dir(run)
    assert rf.recorded_instance_dir(run) is None
    (run / rf.KPIS).write_text(json.dumps({"instance_dir": "../inst"}))  # relative to the run
    assert rf.resolve_instance_dir(run).resolve() == inst.resolve()
    assert rf.resolve_instance_dir(run, inst) == inst
    with pytest.raises(InputError, match="not found"):
        rf.resolve_instance_dir(run, tmp_path / "nope")
    (run / rf.KPIS).write_text(json.dumps({"instance_dir": str(inst)}))
    assert rf.recorded_instance_dir(run) == inst


def test_plan_files_merge_into_the_kpis(tmp_path: Path) -> None:
    (tmp_path / rf.KPIS).write_text(json.dumps({"model": "size", "share_scheduled": 0.1}))
    df = pd.DataFrame({"week": [1], "x": ["=1+1"]})
    written = rf.write_plan_files(
        tmp_path, "inst", schedule=df, load=df, unscheduled=df, funnel=df, kpis={"share_scheduled": 0.5}
    )
    assert [p.name for p in written] == [rf.SCHEDULE, rf.LOAD, rf.UNSCHEDULED, rf.FUNNEL, rf.KPIS]
    assert rf.read_kpis(tmp_path) == {"model": "size", "share_scheduled": 0.5, "instance": "inst"}
    assert "'=1+1" in (tmp_path / rf.LOAD).read_text()  # neutralized like every CSV
    assert rf.read_plan_table(tmp_path, rf.LOAD, ("week",)) is not None
    assert rf.read_plan_table(tmp_path, rf.LOAD, ("missing",)) is None
    assert rf.read_plan_table(tmp_path / "none", rf.LOAD) is None


def test_comparison_failure_and_sizing_files(tmp_path: Path) -> None:
    paths = rf.write_comparison_files(tmp_path / "c", pd.DataFrame({"kpi": ["a"]}), "# md\n", "<p>h</p>\n")
    assert [p.name for p in paths] == [rf.COMPARISON_CSV, rf.COMPARISON_MD, rf.COMPARISON_HTML]
    assert paths[1].read_text() == "# md\n"
    assert rf.write_failure(tmp_path / "m", True, {"model": "m"}).name == rf.INFEASIBLE
    assert rf.write_failure(tmp_path / "m", False, {"model": "m"}).name == rf.ERROR
    out = rf.write_sizing(tmp_path / "s", {"minimum": 3}, {"placement": pd.DataFrame({"k": [3]})})
    assert [p.name for p in out] == ["placement.csv", rf.SIZING]
    assert json.loads(out[-1].read_text()) == {"minimum": 3}


def test_batch_folder(tmp_path: Path) -> None:
    tmp = rf.new_scenario_tmp(tmp_path, "abc")
    assert tmp.is_dir() and tmp.name.startswith(rf.TMP_PREFIX + "abc-")
    assert list(rf.scenario_temporaries(tmp_path)) == [tmp]
    assert rf.read_done(tmp) is None
    rf.write_done(tmp, {"scenario_id": "abc", "status": "ok"})
    assert rf.read_done(tmp) == {"scenario_id": "abc", "status": "ok"}
    (tmp / rf.DONE).write_text('{"status": "ok"}')  # no id: not a record of ours
    assert rf.read_done(tmp) is None
    assert rf.write_batch_plan(tmp_path, {"name": "b"}).name == rf.BATCH_PLAN
    index = rf.write_batch_index(tmp_path, pd.DataFrame({"scenario_id": ["abc"]}))
    assert index.name == rf.BATCH_INDEX and list(pd.read_parquet(index)["scenario_id"]) == ["abc"]
