"""The comparison table: every model is a column, every KPI a row, infeasibility explained."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from allocate import Scenario, read_instance
from allocate.analysis.compare import ROWS, compare
from allocate.core.nomenclature import default_nomenclature_dict

MODELS = ["geography", "size", "value_proposition", "roles", "generalist", "hybrid"]


@pytest.fixture()
def instance(tmp_path: Path):
    rng = np.random.default_rng(1)
    cities = [(48.8566, 2.3522), (45.7640, 4.8357), (43.2965, 5.3698)]
    rows = [
        "account_id,name,lat,lon,segment,potential,stage,product_lines,group_id,current_seller_id,locked,unit_id"
    ]
    for i in range(30):
        lat, lon = cities[i % 3]
        stage = ["lead", "prospect", "opportunity", "customer"][i % 4]
        # "hr" has no specialist: value_proposition is infeasible, the other models are not
        line = "hr" if i == 7 else "payroll"
        rows.append(
            f"A{i},<b>Co {i}</b>,{lat + rng.normal(0, 0.2):.4f},{lon + rng.normal(0, 0.2):.4f},small,{1000 + i},{stage},{line},,S{i % 3},false,"
        )
    sellers = [
        "seller_id,name,lat,lon,role,capacity_h,segments,product_lines,max_accounts,max_travel_min"
    ]
    sellers += [
        f"S{c},Seller {c},{lat},{lon},generalist,20,,payroll,,"
        for c, (lat, lon) in enumerate(cities)
    ]
    folder = tmp_path / "inst"
    folder.mkdir()
    (folder / "accounts.csv").write_text("\n".join(rows) + "\n")
    (folder / "sellers.csv").write_text("\n".join(sellers) + "\n")
    (folder / "nomenclature.yaml").write_text(yaml.safe_dump(default_nomenclature_dict()))
    return read_instance(folder)


def test_every_model_and_every_kpi(instance, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    comp = compare(instance, MODELS, Scenario(time_limit_s=0.5, workers=1), out)
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
    md = (out / "comparison.md").read_text()
    page = (out / "comparison.html").read_text()
    assert all(m in md and m in page for m in MODELS)
    assert "<script" not in page and "<style>" in page
    assert comp.models == tuple(MODELS)


def test_schedule_kpis_are_picked_up(instance, tmp_path: Path) -> None:
    def fake_schedule(inst, result, folder: Path) -> None:
        (folder / "schedule").mkdir()
        (folder / "schedule" / "kpis.json").write_text(
            json.dumps({"share_scheduled": 0.9, "backlog_h": 3.5})
        )

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


def test_compare_schedules_on_a_dask_scheduler(instance, tmp_path: Path) -> None:
    from distributed import LocalCluster
    from typer.testing import CliRunner

    from allocate.cli import app

    folder = Path(instance.source_dir)
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
