"""``allocate solve``: one organization model on one instance, written as a run folder.

On the tiny instance (two bases, Paris and Lyon, two suburban accounts each) the answer is
known by hand: each account goes to the base in its own city, which moves A1 (today Lyon's)
and A4 (today Paris's).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from allocate.cli import app
from allocate.core.scenario import Scenario
from allocate.io import read_instance
from allocate.organize.presets import build_model
from allocate.solvers.problem import evaluate
from tests.conftest import TINY_ACCOUNTS, TINY_SELLERS, write_instance

runner = CliRunner()
RUN_FILES = ["alignment.csv", "kpis.json", "sellers_kpis.csv", "territories.geojson"]


def _solve(folder: Path, out: Path, *extra: object):
    args = ["solve", str(folder), "--out", str(out), "--time-limit", "5", "--workers", "1", "--seed", "1"]
    return runner.invoke(app, [*args, *(str(a) for a in extra)], env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def generalist_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    root = tmp_path_factory.mktemp("solve")
    folder = write_instance(root / "tiny", TINY_ACCOUNTS, TINY_SELLERS)
    out = root / "run"
    return folder, out, _solve(folder, out, "--model", "generalist")


def test_solve_writes_the_run_folder(generalist_run) -> None:
    _, out, result = generalist_run
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == RUN_FILES
    assert "generalist: optimal" in result.output
    assert f"wrote {out}/alignment.csv" in result.output.replace("\n", "")


def test_solve_assigns_each_account_to_its_city(generalist_run) -> None:
    _, out, _ = generalist_run
    alignment = pd.read_csv(out / "alignment.csv", dtype=str)
    owner = dict(zip(alignment["account_id"], alignment["seller_id"], strict=True))
    assert owner == {"A1": "PAR", "A2": "PAR", "A3": "LYO", "A4": "LYO"}
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["status"] == "optimal" and kpis["model"] == "generalist"
    assert kpis["totals"]["moves"] == 2  # A1 and A4 change seller
    sellers = pd.read_csv(out / "sellers_kpis.csv")
    # 2 accounts x (1 h visit + 0.5 h call) a week each, travel on top
    assert (sellers["workload_h"] > 3.0).all()
    assert sellers["workload_h"].sum() == pytest.approx(kpis["totals"]["total_workload_h"], abs=0.01)


def test_objective_is_recomputed_from_the_written_alignment(generalist_run) -> None:
    folder, out, _ = generalist_run
    kpis = json.loads((out / "kpis.json").read_text())
    terms, weights = kpis["totals"]["objective_terms"], kpis["scenario"]["weights"]
    by_terms = weights["travel"] * terms["travel"] + terms["imbalance"] + weights["move"] * terms["moves"]
    assert kpis["objective"] == pytest.approx(by_terms, rel=1e-9)
    # independently: rebuild the model and price the alignment read back from the CSV
    inst = read_instance(folder)
    mp = build_model(inst, Scenario.model_validate(kpis["scenario"]))
    alignment = pd.read_csv(out / "alignment.csv", dtype=str)
    seller_of = dict(zip(alignment["account_id"], alignment["seller_id"], strict=True))
    sellers = list(inst.sellers.ids)
    choice = np.array(
        [
            mp.problem.candidate_index(i, sellers.index(seller_of[inst.accounts.ids[a]]))
            for i, a in enumerate(mp.rows.account)  # one item per account on this instance
        ]
    )
    assert (choice >= 0).all()
    ev = evaluate(mp.problem, choice)
    assert ev.feasible and ev.moves == 2
    assert ev.objective == pytest.approx(kpis["objective"], rel=1e-6)
    assert kpis["best_bound"] <= kpis["objective"] + 1e-6


def test_proven_infeasible_instance_exits_3_with_the_shortfall(tmp_path: Path) -> None:
    # 1 h/week each, against 6 h of visits and calls plus 1.5 h of travel
    sellers = [TINY_SELLERS[0]] + [s.replace(",40,", ",1,") for s in TINY_SELLERS[1:]]
    folder = write_instance(tmp_path / "tight", TINY_ACCOUNTS, sellers)
    out = tmp_path / "run"
    result = _solve(folder, out)
    assert result.exit_code == 3
    assert "infeasible: not enough capacity" in result.stderr
    assert "needs 7.5 h/week" in result.stderr and "have 2.0 h/week" in result.stderr
    assert "short by 5.5 h/week" in result.stderr
    assert not out.exists(), "an infeasible solve must not write a run folder"
    assert "Traceback" not in result.output


def test_bad_option_value_is_bad_input(tiny_dir: Path, tmp_path: Path) -> None:
    # a refused option, not a defect of the instance files (those are in test_bad_inputs.py)
    result = _solve(tiny_dir, tmp_path / "run", "--model", "astrology")
    assert result.exit_code == 2 and "option model" in result.stderr
    assert not (tmp_path / "run").exists()


def test_no_valid_solution_exits_4_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    # issue 14 item 2: a hard band broken by the best alignment found -> exit 4, no run folder
    from allocate.core.status import SolveStatus
    from allocate.solvers.pipeline import AssignmentSolution

    def timed_out(problem, params=None):  # what a time-out without a valid alignment returns
        choice = problem.indptr[:-1].astype(np.int64)
        return AssignmentSolution(SolveStatus.UNKNOWN, choice, 1.0, 0.0, 0.0, 0.1, True, 1.0)

    monkeypatch.setattr("allocate.align.solve.solve_assignment", timed_out)
    folder = write_instance(tmp_path / "tiny", TINY_ACCOUNTS, TINY_SELLERS)
    scenario = tmp_path / "hard.yaml"
    scenario.write_text("model: generalist\nbalance:\n  workload: null\n  potential: null\n"
                        "  count: {tolerance: 0.0, hard: true}\n")
    out = tmp_path / "run"
    result = _solve(folder, out, "--scenario", scenario)
    assert result.exit_code == 4, result.output
    assert "no solution:" in result.output and "breach: balance: count of" in result.output
    assert not out.exists()


def test_an_lp_stopped_by_its_budget_never_exits_3(tmp_path: Path, monkeypatch) -> None:
    # issue 14: `solve fr-pme --model size --time-limit 3` exited 3 ("LP relaxation is
    # infeasible") because the LP had stopped at its limit. Here every LP stops unfinished
    # with overflow: the solve must go on, exit 0 and write a feasible alignment.
    from allocate.solvers import lp as lp_module
    from tests.solvers.test_lp import _StoppedSolver

    stopped = lp_module.mbh.SolveStatus.FEASIBLE
    monkeypatch.setattr(lp_module.mbh, "ModelSolverHelper", lambda name: _StoppedSolver(name, stopped))
    folder = write_instance(tmp_path / "tiny", TINY_ACCOUNTS, TINY_SELLERS)
    out = tmp_path / "run"
    result = _solve(folder, out, "--model", "generalist")
    assert result.exit_code == 0, result.output
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["status"] in ("optimal", "feasible")
    assert kpis["totals"]["overloaded_sellers"] == 0  # recomputed from the alignment


# Three Paris sellers whose capacities cannot take every Paris account each: the cheapest
# choice (every account to the nearest seller) overloads them; the Lyon seller has room.
TIGHT_SELLERS = [
    "seller_id,name,lat,lon,role,capacity_h,segments,product_lines,max_accounts,max_travel_min",
    "P1,Paris One,48.8566,2.3522,CSM,4,,,,",
    "P2,Paris Two,48.8600,2.3400,CSM,4,,,,",
    "LYO,Lyon Seller,45.7640,4.8357,CSM,60,,,,",
]
TIGHT_ACCOUNTS = [
    "account_id,name,lat,lon,segment,potential,stage,product_lines,group_id,current_seller_id,locked,unit_id",
    "A1,Versailles Co,48.8049,2.1204,small,10000,customer,payroll,,,false,",
    "A2,Saint-Denis Co,48.9362,2.3574,small,20000,customer,payroll,,,false,",
    "A3,Montreuil Co,48.8638,2.4485,small,30000,customer,hr,,,false,",
    "A4,Boulogne Co,48.8397,2.2399,small,40000,customer,payroll,,,false,",
    "A5,Nanterre Co,48.8924,2.2071,small,40000,customer,payroll,,,false,",
]


def test_an_lp_cut_by_the_clock_still_writes_a_valid_alignment(tmp_path: Path, monkeypatch) -> None:
    # issue 14: under load the LP ran into the wall clock, nothing after it had time and the
    # repair did not restore capacity: exit 4 on a capacity-tight scenario. Feasibility now
    # comes first: the run is valid, every hard rule checked again from the written file.
    from allocate.align.check import check_alignment
    from allocate.io.runfolder import read_alignment
    from allocate.solvers import lp as lp_module
    from tests.solvers.test_pipeline import _ClockEatingLp

    monkeypatch.setattr(lp_module.mbh, "ModelSolverHelper", _ClockEatingLp)
    folder = write_instance(tmp_path / "tight", TIGHT_ACCOUNTS, TIGHT_SELLERS)
    inst = read_instance(folder)
    scenario = Scenario(model="generalist")
    mp = build_model(inst, scenario)
    nearest = np.minimum.reduceat(np.arange(mp.problem.nnz), mp.problem.indptr[:-1])
    assert not evaluate(mp.problem, nearest).feasible  # the cheapest choice overloads Paris
    out = tmp_path / "run"
    result = _solve(folder, out, "--model", "generalist", "--time-limit", "2")
    assert result.exit_code == 0, result.output
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["status"] in ("optimal", "feasible") and kpis["totals"]["overloaded_sellers"] == 0
    report = check_alignment(inst, read_alignment(out / "alignment.csv", inst), scenario)
    assert report.ok, report.breaches


def test_a_run_stopped_by_the_clock_says_so(tmp_path: Path, monkeypatch) -> None:
    # the safety net fires (here: a deadline already passed): kpis.json and the terminal say
    # the run is not deterministic and which stage the clock stopped
    import time

    from allocate.solvers.budget import Clock

    # the command's deadline is long gone when the solve starts
    monkeypatch.setattr(Clock, "after", classmethod(lambda cls, _s, _start=None: cls(time.perf_counter() - 1)))
    folder = write_instance(tmp_path / "tiny", TINY_ACCOUNTS, TINY_SELLERS)
    out = tmp_path / "run"
    result = _solve(folder, out, "--model", "generalist")
    assert result.exit_code == 0, result.output
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["deterministic"] is False
    assert "safety net stopped" in kpis["deterministic_note"]
    assert "not deterministic" in result.stderr


def test_piped_messages_stay_one_line_each(tmp_path: Path) -> None:
    """Read by a script (stdout a pipe, no COLUMNS), a message longer than 80 characters is one
    line, not folded at 80 columns as rich does for an unknown width."""
    import os
    import subprocess
    import sys

    folder = write_instance(tmp_path / "tiny", TINY_ACCOUNTS, TINY_SELLERS)
    out = tmp_path / ("a-run-folder-with-a-long-name-" + "x" * 40)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    res = subprocess.run(
        [sys.executable, "-c", "from allocate.cli import main; main()", "solve", str(folder), "--out", str(out),
         "--model", "generalist", "--time-limit", "5", "--workers", "1", "--seed", "1"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert res.returncode == 0, res.stderr
    [wrote] = [line for line in res.stdout.splitlines() if line.startswith("wrote ")]
    assert len(wrote) > 80 and wrote.endswith("territories.geojson")


def _moves_in_file(run: Path, folder: Path) -> int:
    """Accounts whose seller in the written alignment is not their seller today (read from files)."""
    today = pd.read_csv(folder / "accounts.csv", dtype=str).set_index("account_id")["current_seller_id"]
    written = pd.read_csv(run / "alignment.csv", dtype=str).set_index("account_id")["seller_id"]
    return int((written != today.reindex(written.index)).sum())


@pytest.mark.parametrize("model", ["generalist", "geography"])
def test_a_cap_of_zero_moves_is_served_when_today_meets_the_hard_rules(tmp_path: Path, model: str) -> None:
    # issue 15 item 4: today's alignment meets every hard rule (room everywhere), so a cap of
    # 0 has an answer, today's; never an exit 4
    folder = write_instance(tmp_path / "tiny", TINY_ACCOUNTS, TINY_SELLERS)
    out = tmp_path / "run"
    result = _solve(folder, out, "--model", model, "--max-moves", "0")
    assert result.exit_code == 0, result.output
    assert _moves_in_file(out, folder) == 0


# Lyon's seller has 6 h/week: Villeurbanne (1.5 h of work, little travel) fits, but not
# Versailles as well (about 9 h/week of driving from Lyon), so at least one account must move.
SHORT_LYON = [TINY_SELLERS[0], TINY_SELLERS[1], TINY_SELLERS[2].replace(",40,", ",6,")]


def test_a_capped_alignment_has_at_most_the_cap_in_its_file(tmp_path: Path) -> None:
    folder = write_instance(tmp_path / "tiny", TINY_ACCOUNTS, SHORT_LYON)
    for cap in (1, 3):
        out = tmp_path / f"run{cap}"
        result = _solve(folder, out, "--model", "generalist", "--max-moves", cap)
        assert result.exit_code == 0, result.output
        moves = _moves_in_file(out, folder)
        assert moves <= cap
        assert moves >= 1  # Versailles cannot stay with Lyon


def test_an_impossible_cap_exits_3_with_the_moves_needed_and_why(tmp_path: Path) -> None:
    folder = write_instance(tmp_path / "tiny", TINY_ACCOUNTS, SHORT_LYON)
    out = tmp_path / "run"
    result = _solve(folder, out, "--model", "generalist", "--max-moves", "0")
    assert result.exit_code == 3, result.output
    assert "the move cap of 0 accounts cannot hold" in result.stderr
    assert "need at least 1 moves" in result.stderr
    assert "capacity: LYO is" in result.stderr and "over capacity with its accounts of today" in result.stderr
    assert not out.exists()
