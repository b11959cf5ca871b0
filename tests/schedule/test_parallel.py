"""The sellers' solves on Dask: same plan as the process pool, cancelled on Ctrl-C."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from allocate import Alignment, Instance, read_instance
from allocate.cli import app
from allocate.core.nomenclature import default_nomenclature_dict
from allocate.schedule import PlanConfig, parallel, plan_actions
from allocate.schedule.parallel import dask_map, pool_map

MONDAY = dt.date(2027, 1, 4)
BASES = [(48.8566, 2.3522), (45.7640, 4.8357), (43.2965, 5.3698)]


def _instance(folder: Path, n: int = 24) -> Path:
    """``n`` accounts around three bases, one generalist seller each (plain files)."""
    import yaml

    rng = np.random.default_rng(4)
    folder.mkdir(parents=True)
    rows = [
        "account_id,name,lat,lon,segment,potential,stage,product_lines,group_id,"
        "current_seller_id,locked,unit_id"
    ]
    for i in range(n):
        lat, lon = BASES[i % 3]
        stage = ["lead", "prospect", "opportunity", "customer"][i % 4]
        rows.append(
            f"A{i:02d},Co {i},{lat + rng.normal(0, 0.2):.5f},{lon + rng.normal(0, 0.2):.5f},"
            f"small,{rng.uniform(1e3, 1e5):.0f},{stage},payroll,,,false,"
        )
    sellers = [
        "seller_id,name,lat,lon,role,capacity_h,segments,product_lines,max_accounts,max_travel_min"
    ]
    sellers += [f"S{c},Seller {c},{la},{lo},generalist,8,,,," for c, (la, lo) in enumerate(BASES)]
    (folder / "accounts.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "sellers.csv").write_text("\n".join(sellers) + "\n", encoding="utf-8")
    (folder / "nomenclature.yaml").write_text(yaml.safe_dump(default_nomenclature_dict()))
    return folder


def _by_base(inst: Instance) -> Alignment:
    n = len(inst.accounts)
    return Alignment("geography", np.arange(n), np.arange(n) % 3, ("",) * n, "")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Instance]:
    folder = _instance(tmp_path_factory.mktemp("par") / "inst")
    return folder, read_instance(folder)


def test_dask_local_cluster_gives_the_pool_plan(small) -> None:  # type: ignore[no-untyped-def]
    from distributed import Client, LocalCluster

    folder, inst = small
    # small enough for CP-SAT to prove every seller's plan optimal well within its share of
    # the limit, so that no wall-clock cut-off can make the two runs differ
    cfg = PlanConfig(weeks=1, start=MONDAY, time_limit_s=20, workers=2, seed=3)
    pool = plan_actions(inst, _by_base(inst), cfg, instance_dir=folder, mapper=pool_map(2))
    assert pool.seller_status == ("optimal",) * 3
    assert 0 < pool.placed.sum() < len(pool.actions)  # capacity binds: the plan is not trivial
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        dask = plan_actions(inst, _by_base(inst), cfg, instance_dir=folder, mapper=dask_map(client))
    assert dask.seller_status == pool.seller_status
    assert np.array_equal(dask.day, pool.day) and np.array_equal(dask.start_min, pool.start_min)
    assert np.array_equal(dask.travel_min, pool.travel_min) and dask.reason == pool.reason


class _Pending:
    """A Dask future that never finishes."""

    status = "pending"

    def done(self) -> bool:
        return False


class _Client:
    """Records what is submitted and cancelled."""

    def __init__(self) -> None:
        self.submitted: list[_Pending] = []
        self.cancelled: list[_Pending] = []

    def submit(self, fn, x, key: str, priority: int, pure: bool) -> _Pending:  # type: ignore[no-untyped-def]
        self.submitted.append(_Pending())
        return self.submitted[-1]

    def cancel(self, futures: list[_Pending], force: bool) -> None:
        assert force
        self.cancelled += futures


def test_ctrl_c_cancels_the_dask_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    def ctrl_c(seconds: float) -> None:
        raise KeyboardInterrupt  # arrives while the mapper waits for the tasks

    monkeypatch.setattr(parallel.time, "sleep", ctrl_c)
    client = _Client()
    with pytest.raises(KeyboardInterrupt):
        dask_map(client)(abs, [-1, -2, -3])
    assert len(client.submitted) == 3 and client.cancelled == client.submitted


def test_schedule_cli_on_an_embedded_cluster(small, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder, inst = small
    run = tmp_path / "run"
    run.mkdir()
    rows = [f"{a},S{k % 3}" for k, a in enumerate(inst.accounts.ids)]
    (run / "alignment.csv").write_text("account_id,seller_id\n" + "\n".join(rows) + "\n")
    (run / "kpis.json").write_text(json.dumps({"model": "geography"}))
    args = ["schedule", str(folder), "--alignment", str(run / "alignment.csv"), "--out", str(run)]
    args += ["--weeks", "1", "--start", "2027-01-04", "--time-limit", "5", "--workers", "1"]
    res = CliRunner().invoke(app, [*args, "--dask"])
    assert res.exit_code == 0, res.output
    kpis = json.loads((run / "kpis.json").read_text())
    assert kpis["model"] == "geography" and kpis["schedule"]["scheduled"] > 0
    bad = CliRunner().invoke(app, [*args, "--scheduler", "localhost:8786"])
    assert bad.exit_code != 0 and "tcp://HOST:8786" in bad.output
