"""Writing a solve: its files (quotas too), as one unit, the alignment's rows, and what a failed model leaves."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from allocate.core.result import Alignment
from allocate.io.runfolder.kpis import read_kpis
from allocate.io.runfolder.names import (
    ALIGNMENT,
    ERROR,
    INFEASIBLE,
    KPIS,
    SELLERS_KPIS,
    TERRITORIES,
)
from allocate.io.runfolder.solve import alignment_frame, write_failure


def test_a_solve_writes_its_four_files(tiny, run) -> None:  # type: ignore[no-untyped-def]
    folder, result, written = run
    assert written == [folder / n for n in (ALIGNMENT, SELLERS_KPIS, KPIS, TERRITORIES)]
    kpis = read_kpis(folder)
    assert kpis["model"] == "geography" and kpis["status"] == result.status.value
    assert kpis["instance_dir"] == tiny.source_dir  # the extra keys
    assert [s["seller_id"] for s in kpis["sellers"]] == list(tiny.sellers.ids)
    geo = json.loads((folder / TERRITORIES).read_text())
    assert {f["properties"]["seller_id"] for f in geo["features"]} <= set(tiny.sellers.ids)


def test_alignment_rows_name_accounts_sellers_and_items(tiny) -> None:  # type: ignore[no-untyped-def]
    whole = Alignment("geography", np.array([0, 1]), np.array([1, -1]), ("", ""), "")
    df = alignment_frame(tiny, whole)
    assert df.to_dict(orient="list") == {"account_id": ["A1", "A2"], "seller_id": ["LYO", ""]}
    split = Alignment("roles", np.array([0]), np.array([0]), ("CSM",), "role")
    assert list(alignment_frame(tiny, split).columns) == ["account_id", "seller_id", "role"]


def test_a_failure_leaves_infeasible_or_error(tmp_path: Path) -> None:
    assert write_failure(tmp_path / "m", True, {"model": "m"}).name == INFEASIBLE
    path = write_failure(tmp_path / "m", False, {"model": "m", "error": "boom"})
    assert path.name == ERROR and json.loads(path.read_text()) == {"model": "m", "error": "boom"}


def test_quotas_of_the_kpis_are_written_with_the_run(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from allocate.align.solve import solve
    from allocate.analysis.kpi import compute_kpis
    from allocate.core.quota import QuotaSpec
    from allocate.core.scenario import Scenario
    from allocate.io.runfolder.names import QUOTAS
    from allocate.io.runfolder.solve import write_run

    sc = Scenario(model="geography", time_limit_s=2, workers=1, quota=QuotaSpec(total=90_000, rounding=1000))
    result = solve(tiny, sc)
    kpis = compute_kpis(tiny, result)
    assert kpis.quotas is not None
    written = write_run(tmp_path / "run", tiny, result, kpis)
    assert written[-1] == tmp_path / "run" / QUOTAS
    import pandas as pd

    q = pd.read_csv(written[-1])
    assert q["quota"].sum() == 90_000 and (q["quota"] % 1000 == 0).all()
    # each seller's quota is in the seller table too
    s = pd.read_csv(tmp_path / "run" / SELLERS_KPIS)
    assert s["quota"].tolist() == q["quota"].tolist()


def test_write_run_swaps_the_folder_in_as_one_unit(tiny, run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pytest

    import allocate.io.runfolder.solve as mod

    folder, result, _ = run
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    (folder / "stale.txt").write_text("from an older run")
    before["stale.txt"] = b"from an older run"

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise RuntimeError("killed while writing the territories")

    monkeypatch.setattr(mod, "territories_geojson", boom)
    from allocate.analysis.kpi import compute_kpis

    with pytest.raises(RuntimeError):
        mod.write_run(folder, tiny, result, compute_kpis(tiny, result))
    # the old run, untouched, and no staged folder left beside it
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not [p.name for p in folder.parent.iterdir() if p.name.startswith(".")]
    monkeypatch.undo()
    mod.write_run(folder, tiny, result, compute_kpis(tiny, result))
    assert not (folder / "stale.txt").exists()  # a new run replaces the folder, never mixes


def test_write_run_refuses_a_folder_it_did_not_write(tiny, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from allocate.analysis.kpi import compute_kpis
    from allocate.core.errors import InputError
    from allocate.io.runfolder.solve import write_run

    _, result, _ = run
    mine = tmp_path / "photos"
    mine.mkdir()
    (mine / "holiday.jpg").write_bytes(b"x")
    with pytest.raises(InputError, match="did not write"):
        write_run(mine, tiny, result, compute_kpis(tiny, result))
    assert [p.name for p in mine.iterdir()] == ["holiday.jpg"]
