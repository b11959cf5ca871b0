"""Writing a solve: its four files, the alignment's rows, and what a failed model leaves."""

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
