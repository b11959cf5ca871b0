"""Tests of the p-median engine and the OR-Library readers."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from allocate import SolveStatus
from allocate.core.errors import InfeasibleError
from allocate.sizing import read_pmed, read_pmedcap, solve_pmedian

BENCH = Path(__file__).resolve().parents[3] / "shared" / "bench-data"


def _brute_force(cost: np.ndarray, p: int) -> float:
    """Optimal uncapacitated value by enumerating every set of p candidates."""
    return min(
        float(cost[:, list(medians)].min(axis=1).sum())
        for medians in itertools.combinations(range(cost.shape[1]), p)
    )


@pytest.mark.parametrize(
    ("n_clients", "n_candidates", "p", "seed"),
    [
        (12, 12, 3, 0),  # square, coinciding clients and candidates
        (15, 9, 2, 1),  # more clients than candidates
        (10, 10, 1, 2),  # single median
        (14, 8, 4, 3),  # half of the candidates open
    ],
)
def test_uncapacitated_matches_brute_force(n_clients, n_candidates, p, seed):
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 100, size=(n_clients, n_candidates)).astype(float)
    result = solve_pmedian(cost, p, time_limit_s=10, seed=0)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == pytest.approx(_brute_force(cost, p))
    assert len(result.medians) == p
    # The objective is the cost of the returned assignment, served only by open medians.
    assert set(result.assignment) <= set(result.medians)
    served = cost[np.arange(n_clients), list(result.assignment)].sum()
    assert served == pytest.approx(result.objective)
    assert result.best_bound == pytest.approx(result.objective)


def test_fractional_costs_are_scaled_and_reported_in_caller_units():
    rng = np.random.default_rng(7)
    cost = rng.uniform(0.0, 5.0, size=(11, 11))
    result = solve_pmedian(cost, 3, time_limit_s=10)
    # Scaling to 1/1000 may pick a set that is optimal for rounded costs only.
    assert result.objective == pytest.approx(_brute_force(cost, 3), abs=11 * 1e-3)


def test_capacitated_respects_capacity_and_self_service():
    rng = np.random.default_rng(4)
    xy = rng.uniform(0, 100, size=(16, 2))
    cost = np.floor(np.linalg.norm(xy[:, None] - xy[None, :], axis=2))
    demand = rng.integers(1, 10, size=16)
    capacity = int(np.ceil(demand.sum() / 3)) + 3
    result = solve_pmedian(cost, 4, demand=demand, capacity=capacity, time_limit_s=20)
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    assignment = np.array(result.assignment)
    for median in result.medians:
        assert demand[assignment == median].sum() <= capacity
        assert assignment[median] == median  # an open median serves its own town
    assert set(result.assignment) <= set(result.medians)
    uncapacitated = solve_pmedian(cost, 4, time_limit_s=10)
    assert result.objective >= uncapacitated.objective


def test_capacitated_brute_force_when_capacity_is_loose():
    rng = np.random.default_rng(5)
    cost = rng.integers(1, 50, size=(9, 9)).astype(float)
    np.fill_diagonal(cost, 0)
    result = solve_pmedian(cost, 2, demand=np.ones(9), capacity=9, time_limit_s=10)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == pytest.approx(_brute_force(cost, 2))


def test_not_enough_capacity_raises():
    cost = np.zeros((4, 4))
    with pytest.raises(InfeasibleError, match="cannot serve"):
        solve_pmedian(cost, 2, demand=np.full(4, 3), capacity=5)


@pytest.mark.parametrize("p", [0, 6])  # none, more than the candidates
def test_bad_p_is_rejected(p):
    with pytest.raises(ValueError, match="p="):
        solve_pmedian(np.ones((5, 5)), p)


@pytest.mark.parametrize("capacity", [None, 8])  # numpy stages only; CP-SAT with 2 workers
def test_same_seed_same_solution(capacity):
    rng = np.random.default_rng(11)
    cost = rng.integers(1, 100, size=(30, 30)).astype(float)
    np.fill_diagonal(cost, 0)
    first = solve_pmedian(cost, 6, capacity=capacity, seed=3, time_limit_s=20)
    second = solve_pmedian(cost, 6, capacity=capacity, seed=3, time_limit_s=20)
    assert first.status is SolveStatus.OPTIMAL
    assert first.medians == second.medians
    assert first.assignment == second.assignment


def test_pmed_reader_last_duplicate_edge_wins(tmp_path):
    path = tmp_path / "tiny.txt"
    # Edge 1-2 is listed twice: the second cost (7) must be used, not the minimum (2).
    path.write_text("3 3 1\n1 2 2\n2 3 1\n2 1 7\n")
    instance = read_pmed(path)
    assert instance.cost[0, 1] == 7
    assert instance.cost[0, 2] == 8
    assert instance.cost[2, 0] == 8


def test_pmedcap_reader_floors_euclidean(tmp_path):
    path = tmp_path / "cap.txt"
    path.write_text("1 10\n3 1 20\n1 0 0 5\n2 3 4 6\n3 1 1 7\n")
    instance = read_pmedcap(path)
    assert instance.cost[0, 1] == 5
    assert instance.cost[0, 2] == 1  # floor(sqrt(2))
    assert instance.capacity == 20
    assert instance.demand is not None
    assert instance.demand.tolist() == [5, 6, 7]


@pytest.mark.skipif(not (BENCH / "pmed").is_dir(), reason="bench-data not available")
def test_pmed1_reaches_known_optimum():
    instance = read_pmed(BENCH / "pmed" / "instances" / "pmed1.txt")
    result = solve_pmedian(instance.cost, instance.p, time_limit_s=30)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == 5819


@pytest.mark.skipif(not (BENCH / "cpmp").is_dir(), reason="bench-data not available")
def test_pmedcap1_02_within_half_a_percent():
    instance = read_pmedcap(BENCH / "cpmp" / "pmedcap1" / "pmedcap1_02.txt")
    result = solve_pmedian(
        instance.cost, instance.p, instance.demand, instance.capacity, time_limit_s=20
    )
    assignment = np.array(result.assignment)
    assert instance.demand is not None
    for median in result.medians:
        assert instance.demand[assignment == median].sum() <= instance.capacity
    assert result.objective <= 740 * 1.005
