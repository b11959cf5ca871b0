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


def _cli(*args: object):  # type: ignore[no-untyped-def]
    """``allocate ARGS`` in-process, on a wide console (one line per message)."""
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


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
    for bad in ("0.1,0.1", "x", "1.5"):  # one value too many, not a number, out of [0, 1)
        res = runner.invoke(
            app,
            [
                "design",
                str(folder),
                "--levels",
                "1,3",
                "--level-tolerance",
                bad,
                "--out",
                str(tmp_path / "b2"),
            ],
        )
        assert res.exit_code == 2 and "--level-tolerance" in res.output, res.output


def test_levels_end_to_end_on_a_generated_instance(tmp_path: Path) -> None:
    """generate -> design --levels -> map -> report; every level re-checked from the files."""
    inst = tmp_path / "gen"
    res = runner.invoke(
        app, ["generate", "--accounts", "300", "--sellers", "6", "--seed", "3", "--out", str(inst)]
    )
    assert res.exit_code == 0, res.output
    out = tmp_path / "levels"
    res = _cli(
        "design",
        str(inst),
        "--levels",
        "2,6",
        "--balance",
        "count,potential=0.2",
        "--time-limit",
        "8",  # 4 s left no balanced grouping of the territories into regions at load 8
        "--out",
        str(out),
    )
    assert res.exit_code == 0, res.output
    assert "region (2): 2/2 connected" in res.output
    units = pd.read_csv(out / DESIGN_UNITS, dtype={"unit_id": str})
    # nesting, from the file: each territory inside one region
    assert (units.groupby("territory")["level_1"].nunique() == 1).all()
    acc = pd.read_csv(inst / "accounts.csv", dtype=str)
    pot = acc.assign(potential=acc["potential"].astype(float))
    lv = pd.read_csv(out / DESIGN_LEVELS)
    assert set(lv["level_name"]) == {"region", "territory"}
    assert (lv["connected"] == "yes").all()
    regions = lv[lv["level"] == 1].set_index("territory")
    assert regions["children"].tolist() == [3, 3]
    # band of each level, from the accounts table itself
    unit_of = dict(
        zip(units["unit_id"], zip(units["level_1"], units["territory"], strict=True), strict=True)
    )
    for j, k, tol_count in ((0, 2, 0.1), (1, 6, 0.1)):
        lab = pot["unit_id"].map(lambda u, j=j: unit_of[u][j])
        counts = lab.value_counts()
        assert ((counts - len(acc) / k).abs() <= tol_count * len(acc) / k + 1e-9).all()
        sums = pot.groupby(lab)["potential"].sum()
        mean = pot["potential"].sum() / k
        assert ((sums - mean).abs() <= 0.2 * mean + 1e-6).all()
        assert len(counts) == k
    summary = json.loads((out / DESIGN).read_text())
    assert summary["check"]["feasible"] is True
    assert [x["name"] for x in summary["check"]["levels"]] == ["region", "territory"]

    maps = tmp_path / "maps"
    res = runner.invoke(app, ["map", str(out), "--out", str(maps / "levels.html")])
    assert res.exit_code == 0, res.output
    page = (maps / "levels.html").read_text()
    assert "Colour by region (2)" in page and "Colour by territory (6)" in page
    assert "Regions: borders" in page
    res = runner.invoke(app, ["report", str(out), "--out", str(maps / "levels_report")])
    assert res.exit_code == 0, res.output
    report = (maps / "levels_report" / "index.html").read_text()
    assert "Regions" in report and "Territories" in report and "count vs mean (%)" in report
    assert (maps / "levels_report" / "design_map.html").is_file()


def test_a_rejected_hierarchy_exits_non_zero(tmp_path: Path, monkeypatch) -> None:
    """The independent check runs at the end of every design: a breach exits 4 and says so."""
    import numpy as np

    from allocate.core.status import SolveStatus
    from allocate.solvers.design.hierarchy import NestedDesign

    def straddling(graph, *args, **kwargs):  # type: ignore[no-untyped-def]
        cols = np.array([i % 3 for i in range(9)], dtype=np.int64)
        rows = np.array([i // 3 for i in range(9)], dtype=np.int64)
        return NestedDesign(SolveStatus.FEASIBLE, [cols, rows], [None, None])

    monkeypatch.setattr("allocate.design.run.nested_partition", straddling)
    folder = write_grid(tmp_path / "grid")
    out = tmp_path / "bad"
    res = _cli("design", str(folder), "--levels", "3,3", "--tolerance", "0", "--out", str(out))
    assert res.exit_code == 4
    assert "design rejected" in res.output and "straddles" in res.output
    summary = json.loads((out / DESIGN).read_text())
    assert summary["status"] == "unknown" and summary["check"]["feasible"] is False


def test_named_levels_reach_the_files_and_the_map_escaped(tmp_path: Path) -> None:
    folder = write_grid(tmp_path / "grid")
    out = tmp_path / "named"
    hostile = "<i>zone</i>"
    res = _cli(
        "design",
        str(folder),
        "--levels",
        f"{hostile}=1,sector=3",
        "--tolerance",
        "0",
        "--time-limit",
        "3",
        "--out",
        str(out),
    )
    assert res.exit_code == 0, res.output
    assert f"{hostile} (1): 1/1 connected" in res.output and "sector (3): 3/3" in res.output
    lv = pd.read_csv(out / DESIGN_LEVELS)
    assert lv["level_name"].tolist() == [hostile, "sector", "sector", "sector"]
    page = tmp_path / "m.html"
    res = runner.invoke(app, ["map", str(out), "--out", str(page)])
    assert res.exit_code == 0, res.output
    html = page.read_text()
    assert "Colour by sector (3)" in html and hostile not in html
    shown = html.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    assert hostile not in shown and "&lt;i&gt;zone&lt;/i&gt;" in shown
    res = runner.invoke(
        app, ["design", str(folder), "--levels", "a=1,a=3", "--out", str(tmp_path / "dup")]
    )
    assert res.exit_code == 2 and "distinct" in res.output


def test_levels_from_a_nested_scenario_file(tmp_path: Path) -> None:
    folder = write_grid(tmp_path / "grid")
    spec = tmp_path / "levels.yaml"
    spec.write_text(
        "levels:\n  - {name: zone, territories: 1, tolerance: 0}\n  - {name: sector, territories: 3}\n"
    )
    out = tmp_path / "y"
    res = _cli(
        "design",
        str(folder),
        "--levels",
        str(spec),
        "--tolerance",
        "0",
        "--time-limit",
        "3",
        "--out",
        str(out),
    )
    assert res.exit_code == 0, res.output
    summary = json.loads((out / DESIGN).read_text())
    assert summary["level_names"] == ["zone", "sector"] and summary["level_counts"] == [1, 3]
    assert summary["level_bands"][0] == {"count": 0.0}
    spec.write_text("levels:\n  - {name: zone, territories: two}\n")
    res = runner.invoke(app, ["design", str(folder), "--levels", str(spec), "--out", str(out)])
    assert res.exit_code == 2 and "territories" in res.output



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
    quick = ["--time-limit", "3"]  # the default 30 s runs every search to its budget
    res = runner.invoke(app, ["design", str(folder), "--levels", "1,3", "--tolerance", "0.5", *quick, "--out", str(out)])
    assert res.exit_code == 0 and (out / DESIGN_LEVELS).is_file(), res.output
    res = runner.invoke(app, ["design", str(folder), "-k", "3", "--tolerance", "0.5", *quick, "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert not (out / DESIGN_LEVELS).exists()  # the earlier design's levels are not left beside this one


def test_workers_run_independent_searches_and_the_design_does_not_depend_on_where(
    tmp_path: Path, monkeypatch
) -> None:
    """``--workers 2``: two searches in two processes; twice the same files, and the same
    design as the two searches run in turn in this process (the API without a mapper)."""
    import allocate.solvers.design.solve as solve_mod
    from allocate.design import DesignSpec, design_territories
    from allocate.io import read_instance

    # a budget far inside the limit (the forked workers inherit it): stopped by the budget
    monkeypatch.setattr(solve_mod, "ITERS_PER_S", 60)

    inst = write_grid(tmp_path / "grid")
    common = ("design", inst, "-k", 3, "--tolerance", 0.4, "--time-limit", 5)
    for name in ("w2a", "w2b"):
        res = _cli(*common, "--workers", 2, "--out", tmp_path / name)
        assert res.exit_code == 0, res.output
        summary = json.loads((tmp_path / name / DESIGN).read_text())
        assert summary["starts"] == 2 and summary["check"]["feasible"] is True
        assert summary["deterministic"] is True and summary["iterations"] == 300
    res = _cli(*common, "--workers", 1, "--out", tmp_path / "w1")
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "w1" / DESIGN).read_text())["starts"] == 1
    res = _cli(*common, "--workers", 0, "--out", tmp_path / "w0")
    assert res.exit_code == 2 and "--workers" in res.output
    a = (tmp_path / "w2a" / DESIGN_UNITS).read_bytes()
    assert a == (tmp_path / "w2b" / DESIGN_UNITS).read_bytes()
    spec = DesignSpec(territories=3, balance={"count": 0.4}, time_limit_s=5, starts=2)
    in_turn = design_territories(read_instance(inst), spec)
    units = pd.read_csv(tmp_path / "w2a" / DESIGN_UNITS, dtype={"unit_id": str})
    assert units["territory"].tolist() == in_turn.solution.labels.tolist()
