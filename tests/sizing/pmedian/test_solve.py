"""The p-median entry point: every stage together, on small instances with known optima."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from allocate.core.errors import InfeasibleError
from allocate.core.status import SolveStatus
from allocate.io.benchmarks.orlib import read_pmed, read_pmedcap
from allocate.sizing.pmedian.solve import solve_pmedian
from tests.sizing.capacitated import cases as capacitated
from tests.sizing.pmedian.cases import brute_force

BENCH = Path(__file__).resolve().parents[4] / "shared" / "bench-data"


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
    assert result.objective == pytest.approx(brute_force(cost, p))
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
    assert result.objective == pytest.approx(brute_force(cost, 3), abs=11 * 1e-3)


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
    assert result.objective == pytest.approx(brute_force(cost, 2))


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


@pytest.mark.parametrize(("seed", "p", "slack"), [(0, 3, 1), (1, 3, 3), (2, 2, 0)])
def test_solve_pmedian_capacitated_matches_brute_force(seed, p, slack):
    problem = capacitated.planar(9, seed, p, slack)
    optimum = capacitated.brute_force(problem)
    result = solve_pmedian(
        problem.costs.astype(float),
        p,
        demand=problem.demand,
        capacity=problem.capacity,
        time_limit_s=10,
    )
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == optimum
    capacitated.assert_feasible(problem, result.medians, result.assignment)


def test_non_square_capacitated_instance_without_colocated_clients():
    rng = np.random.default_rng(8)
    clients, sites = rng.uniform(0, 50, size=(25, 2)), rng.uniform(0, 50, size=(8, 2))
    cost = np.linalg.norm(clients[:, None] - sites[None, :], axis=2)  # fractional costs
    demand = rng.uniform(0.5, 3.0, size=25)
    capacity = demand.sum() / 3 * 1.15
    result = solve_pmedian(cost, 3, demand=demand, capacity=capacity, time_limit_s=10)
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    assignment = np.array(result.assignment)
    for j in result.medians:
        assert demand[assignment == j].sum() <= capacity + 1e-9
    assert set(result.assignment) <= set(result.medians)
    assert result.objective == pytest.approx(cost[np.arange(25), assignment].sum())


def test_big_capacitated_model_keeps_to_the_time_limit() -> None:
    # 900,000 pairs: building the exact CP-SAT model alone took ~35 s before the guard
    rng = np.random.default_rng(0)
    clients, towns = rng.random((600, 2)), rng.random((1500, 2))
    cost = np.hypot(*(clients[:, None, :] - towns[None, :, :]).transpose(2, 0, 1)) * 100
    start = time.monotonic()
    res = solve_pmedian(cost, 5, demand=np.ones(600), capacity=130.0, time_limit_s=2, workers=1)
    assert time.monotonic() - start < 10
    if res.medians:  # whatever was found is a real capacitated solution
        load = np.bincount(np.asarray(res.assignment), minlength=1500)
        assert load.max() <= 130 and set(np.flatnonzero(load)) <= set(res.medians)


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
