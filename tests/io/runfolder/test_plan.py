"""The files of an action plan: written beside a solve, merged into its KPIs, read back."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from allocate.io.runfolder.kpis import read_kpis
from allocate.io.runfolder.names import FUNNEL, KPIS, LOAD, SCHEDULE, UNSCHEDULED
from allocate.io.runfolder.plan import read_plan_table, write_plan_files


def test_plan_files_merge_into_the_kpis(tmp_path: Path) -> None:
    (tmp_path / KPIS).write_text(json.dumps({"model": "size", "share_scheduled": 0.1}))
    df = pd.DataFrame({"week": [1], "x": ["=1+1"]})
    written = write_plan_files(
        tmp_path, "inst", schedule=df, load=df, unscheduled=df, funnel=df, kpis={"share_scheduled": 0.5}
    )
    assert [p.name for p in written] == [SCHEDULE, LOAD, UNSCHEDULED, FUNNEL, KPIS]
    assert read_kpis(tmp_path) == {"model": "size", "share_scheduled": 0.5, "instance": "inst"}
    assert "'=1+1" in (tmp_path / LOAD).read_text()  # neutralized like every CSV


def test_a_plan_table_is_read_only_when_usable(tmp_path: Path) -> None:
    pd.DataFrame({"week": [1]}).to_csv(tmp_path / LOAD, index=False)
    assert read_plan_table(tmp_path, LOAD, ("week",)) is not None
    assert read_plan_table(tmp_path, LOAD, ("missing",)) is None
    assert read_plan_table(tmp_path / "none", LOAD) is None
    (tmp_path / FUNNEL).write_text("week\n")  # header only: no rows
    assert read_plan_table(tmp_path, FUNNEL) is None
    (tmp_path / SCHEDULE).write_text("")  # empty file
    assert read_plan_table(tmp_path, SCHEDULE) is None
