"""The OR-Library GAP reader, on hand-written files and (when present) on known optima.

The optima come from the public ``known_values.csv`` of ``shared/bench-data/gap`` (OR-Library
/ fontanf), a folder next to the repository or one of its parents; the full sets run in
``make bench``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from allocate.core.errors import InputError
from allocate.io.benchmarks.gap import GapInstance, read_gap
from allocate.solvers import SolveParams, evaluate, solve_assignment
from allocate.solvers.problem import dense_problem


def _bench_data() -> Path:
    """``shared/bench-data/gap`` beside the repository (or a worktree's parent folders)."""
    repo = Path(__file__).resolve().parents[3]
    for folder in repo.parents:
        if (folder / "shared" / "bench-data" / "gap" / "known_values.csv").is_file():
            return folder / "shared" / "bench-data" / "gap"
    return repo.parent / "shared" / "bench-data" / "gap"


DATA = _bench_data()
CASES = ["gap1-0", "gap4-3", "gap8-1"]

# 2 agents, 3 jobs: costs, then loads (row = agent), then capacities
TINY = """2 3
  4 1 7
  2 8 3
  5 5 5
  1 2 9
  10 6
"""


def test_read_gap_by_hand(tmp_path):
    path = tmp_path / "gap-tiny"
    path.write_text(TINY)
    g = read_gap(path)
    assert isinstance(g, GapInstance)
    assert g.cost.tolist() == [[4, 1, 7], [2, 8, 3]]
    assert g.load.tolist() == [[5, 5, 5], [1, 2, 9]]
    assert g.capacity.tolist() == [10, 6]
    assert read_gap(str(path)).cost.shape == (2, 3)  # a str path works too


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("2 3\n4 1 x\n", "not a GAP file: non-integer token"),
        ("2\n", "not a GAP file: too short"),
        ("", "not a GAP file: too short"),
        ("2 3\n4 1 7 2 8 3\n5 5 5 1 2 9\n10\n", "GAP file has 15 numbers, expected 16"),
    ],
)
def test_malformed_gap_names_the_file(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(InputError) as info:
        read_gap(path)
    assert str(info.value) == f"{path}: {message}"


def test_tiny_gap_optimum(tmp_path):
    # by hand: job 2 (load 9) fits agent 0 only, which then has room for one more job;
    # job 0 -> agent 1 (2) + job 1 -> agent 0 (1) + job 2 -> agent 0 (7) = 10 beats
    # 2 + 8 + 7 = 17 (both on agent 1) and 4 + 8 + 7 = 19
    path = tmp_path / "gap-tiny"
    path.write_text(TINY)
    g = read_gap(path)
    sol = solve_assignment(dense_problem(g.cost, g.load, g.capacity), SolveParams(time_limit_s=10, workers=1))
    assert sol.objective == 10.0


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
