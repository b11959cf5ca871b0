"""The tables of an action plan and what ``write_plan`` adds to a run folder."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from allocate.core.result import Alignment
from allocate.schedule import PlanConfig, plan_actions
from allocate.schedule.outputs import (
    action_columns,
    funnel_frame,
    load_frame,
    plan_kpis,
    schedule_frame,
    unscheduled_frame,
    write_plan,
)


@pytest.fixture()
def plan(tiny):  # type: ignore[no-untyped-def]
    al = Alignment("geography", np.arange(4), np.array([0, 0, 1, 1]), ("",) * 4, "")
    cfg = PlanConfig(weeks=2, start=dt.date(2027, 1, 4), time_limit_s=5, workers=1)
    return plan_actions(tiny, al, cfg)


def test_every_action_is_planned_or_explained(tiny, plan) -> None:  # type: ignore[no-untyped-def]
    sched, left = schedule_frame(tiny, plan), unscheduled_frame(tiny, plan)
    assert len(sched) + len(left) == len(plan.actions)
    assert len(sched) == int(plan.placed.sum())
    assert sched["date"].is_monotonic_increasing or sched["seller_id"].nunique() > 1
    assert set(left.columns) == {"seller_id", "account_id", "operation", "reason", "duration_min", "due_date"}


def test_action_columns_name_the_actions_in_the_given_order(tiny, plan) -> None:  # type: ignore[no-untyped-def]
    a = plan.actions
    idx = np.array([len(a) - 1, 0])
    cols = action_columns(tiny, plan, idx)
    assert list(cols) == ["seller_id", "account_id", "operation"]
    assert cols["seller_id"] == [tiny.sellers.ids[a.seller[i]] for i in idx]
    assert cols["account_id"] == [tiny.accounts.ids[a.account[i]] for i in idx]
    assert cols["operation"] == [a.operation[-1], a.operation[0]]
    assert action_columns(tiny, plan, np.zeros(0, dtype=np.int64)) == {
        "seller_id": [],
        "account_id": [],
        "operation": [],
    }


def test_load_and_kpis_agree(tiny, plan) -> None:  # type: ignore[no-untyped-def]
    load, funnel = load_frame(tiny, plan), funnel_frame(tiny, plan)
    assert len(load) == 2 * 2 and len(funnel) == 2  # sellers x weeks, weeks
    sched = schedule_frame(tiny, plan)
    assert load["planned_h"].sum() == pytest.approx(
        (sched["duration_min"] + sched["travel_min"]).sum() / 60, abs=0.05
    )
    k = plan_kpis(tiny, plan, load, funnel)
    assert k["schedule"]["scheduled"] == len(sched) and len(k["weekly_utilization"]) == 2
    assert 0 <= k["share_scheduled"] <= 1


def test_write_plan_keeps_the_solve_kpis(tiny, plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "kpis.json").write_text(json.dumps({"model": "geography"}))
    written = write_plan(tmp_path, tiny, plan)
    assert len(written) == 5 and all(p.is_file() for p in written)
    kpis = json.loads((tmp_path / "kpis.json").read_text())
    assert kpis["model"] == "geography" and kpis["instance"] == tiny.name and "share_scheduled" in kpis
