"""CI smoke test: the OR-Library GAP adapter and the alignment engine agree with known optima.

The optima come from the public ``known_values.csv`` of ``../shared/bench-data/gap`` (OR-Library
/ fontanf); the full sets run in ``make bench``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from allocate.io.benchmarks.gap import read_gap
from allocate.solvers import SolveParams, evaluate, solve_assignment
from allocate.solvers.problem import dense_problem

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "bench-data" / "gap"
CASES = ["gap1-0", "gap4-3", "gap8-1"]


@pytest.mark.skipif(not (DATA / "known_values.csv").is_file(), reason="bench-data not present")
@pytest.mark.parametrize("name", CASES)
def test_small_gap_reaches_known_optimum(name):
    known = {r["instance"]: r for r in csv.DictReader((DATA / "known_values.csv").open())}[name]
    problem = _gap_problem(DATA / known["file"])
    assert problem.n_items == int(known["jobs"]) and problem.n_sellers == int(known["agents"])
    sol = solve_assignment(problem, SolveParams(time_limit_s=20, workers=2))
    assert sol.objective == float(known["optimum"])
    ev = evaluate(problem, sol.choice)
    assert ev.feasible and ev.cost == float(known["optimum"])


def _gap_problem(path):
    g = read_gap(path)
    return dense_problem(g.cost, g.load, g.capacity)
