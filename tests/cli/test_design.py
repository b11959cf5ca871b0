"""``allocate design``: end to end on the 3 x 3 grid, outputs re-checked from the files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from allocate.cli import app
from allocate.io.runfolder import (
    DESIGN,
    DESIGN_ACCOUNTS,
    DESIGN_LEVELS,
    DESIGN_TERRITORIES,
    DESIGN_UNITS,
)
from tests.unit_grid import write_grid

runner = CliRunner()
#: Rook adjacency of the grid, as its unit ids (c<row><col>).
NEIGHBOURS = {
    f"c{r}{c}": {
        f"c{r + dr}{c + dc}"
        for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0))
        if 0 <= r + dr < 3 and 0 <= c + dc < 3
    }
    for r in range(3)
    for c in range(3)
}


def _connected(units: list[str]) -> bool:
    seen, stack = {units[0]}, [units[0]]
    while stack:
        for v in NEIGHBOURS[stack.pop()] & set(units):
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return len(seen) == len(units)


def test_design_end_to_end(tmp_path: Path) -> None:
    folder = write_grid(tmp_path / "grid")
    out = tmp_path / "d"
    res = runner.invoke(
        app,
        [
            "design",
            str(folder),
            "--territories",
            "3",
            "--balance",
            "count,potential=0.0",
            "--tolerance",
            "0",
            "--staff",
            "centres",
            "--time-limit",
            "3",
            "--out",
            str(out),
        ],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    units = pd.read_csv(out / DESIGN_UNITS)
    for _, grp in units.groupby("territory"):
        assert len(grp) == 3 and _connected(grp["unit_id"].tolist())
    acc = pd.read_csv(out / DESIGN_ACCOUNTS)
    assert len(acc) == 9 and set(acc["territory"]) == {0, 1, 2}
    assert len(pd.read_csv(out / DESIGN_TERRITORIES)) == 3
    summary = json.loads((out / DESIGN).read_text())
    assert summary["status"] == "feasible" and summary["checker"]["connected"] == 3


def test_bad_measure_exits_2_and_infeasible_exits_3(tmp_path: Path) -> None:
    folder = write_grid(tmp_path / "grid")
    res = runner.invoke(
        app, ["design", str(folder), "-k", "2", "--balance", "nope", "--out", str(tmp_path / "x")]
    )
    assert res.exit_code == 2 and "nope" in res.output
    res = runner.invoke(app, ["design", str(folder), "-k", "20", "--out", str(tmp_path / "y")])
    assert res.exit_code == 3


def test_levels_nest(tmp_path: Path) -> None:
    folder = write_grid(tmp_path / "grid")
    out = tmp_path / "h"
    res = runner.invoke(
        app,
        [
            "design",
            str(folder),
            "--levels",
            "1,3",
            "--tolerance",
            "0",
            "--time-limit",
            "3",
            "--out",
            str(out),
        ],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    units = pd.read_csv(out / DESIGN_UNITS)
    assert set(units["level_1"]) == {0} and sorted(units["territory"].value_counts().tolist()) == [
        3,
        3,
        3,
    ]
    summary = json.loads((out / DESIGN).read_text())
    assert [lv["territories"] for lv in summary["levels"]] == [1, 3]
    # KPIs per level, recomputed from the units table: counts, parents, deviations
    lv = pd.read_csv(out / DESIGN_LEVELS)
    assert lv.groupby("level")["territory"].count().to_dict() == {1: 1, 2: 3}
    fine = lv[lv["level"] == 2].set_index("territory")
    sizes = units["territory"].value_counts()
    for t, row in fine.iterrows():
        assert row["nodes"] == sizes[t] and row["parent"] == 0
    assert (lv[lv["level"] == 1]["nodes"] == len(units)).all()
    dev_cols = [c for c in lv.columns if c.endswith("_dev_pct")]
    assert dev_cols and (lv.loc[lv["level"] == 1, dev_cols].abs() < 1e-9).all().all()
    assert (fine[dev_cols].abs() <= 1e-6).all().all()  # tolerance 0
    for bad in ("2,3", "0,3", "0", "-3,3"):  # a level of 0 was divided by: exit 1
        res = runner.invoke(
            app, ["design", str(folder), "--levels", bad, "--out", str(tmp_path / "bad")]
        )
        assert res.exit_code == 2 and "--levels" in res.output, (bad, res.output)
        assert not (tmp_path / "bad").exists()


def test_out_is_checked_first_and_replaced_as_one_unit(tmp_path: Path) -> None:
    folder = write_grid(tmp_path / "grid")
    (tmp_path / "afile").write_text("x")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    for out in (tmp_path / "afile", mine):  # FileExistsError (exit 1) after solving; files mixed in
        res = runner.invoke(app, ["design", str(folder), "-k", "3", "--out", str(out)])
        assert res.exit_code == 2 and "--out" in res.output, res.output
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    out = tmp_path / "d"
    res = runner.invoke(app, ["design", str(folder), "--levels", "1,3", "--tolerance", "0.5", "--out", str(out)])
    assert res.exit_code == 0 and (out / DESIGN_LEVELS).is_file(), res.output
    res = runner.invoke(app, ["design", str(folder), "-k", "3", "--tolerance", "0.5", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert not (out / DESIGN_LEVELS).exists()  # the earlier design's levels are not left beside this one
