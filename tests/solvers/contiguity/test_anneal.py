"""The border annealing: connected territories stay connected, the objective only falls, and
on small grids it reaches the contiguous optimum found by brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocate.solvers.budget import Clock
from allocate.solvers.contiguity.anneal import anneal_contiguous
from allocate.solvers.contiguity.graph import UnitGraph, count_enclaves, territory_components
from allocate.solvers.problem import AssignmentProblem, Balance, evaluate
from tests.solvers.contiguity.conftest import PATH, path_choice, path_graph, path_problem
from tests.unit_grid import grid_neighbours

GRID = grid_neighbours()


def grid3(cost: np.ndarray, capacity: np.ndarray, balance: bool = False) -> AssignmentProblem:
    """The 3 x 3 grid, one item per unit, every seller a candidate: cost (unit, seller), load 1."""
    n, m = cost.shape
    return AssignmentProblem(
        capacity=capacity,
        indptr=np.arange(0, n * m + 1, m),
        seller=np.tile(np.arange(m), n),
        cost=cost.reshape(-1),
        load=np.ones(n * m),
        potential=np.arange(1.0, n + 1.0),
        balance_groups=(np.arange(m),) if balance else (),
        balances=(Balance("potential", 0.2, weight=0.5),) if balance else (),
    )


def grid_graph3(m: int) -> UnitGraph:
    centroid = np.array([[u % 3 + 0.5, u // 3 + 0.5] for u in range(9)])
    return UnitGraph.build(GRID, np.arange(9), base_unit=np.arange(m), centroid=centroid)


def columns(p: AssignmentProblem) -> np.ndarray:
    """Seller ``column % m`` holds each column of the grid: a contiguous start."""
    m = p.n_sellers
    return np.array([p.candidate_index(u, (u % 3) % m) for u in range(9)])


def connected(p: AssignmentProblem, choice: np.ndarray) -> bool:
    return count_enclaves(GRID, np.arange(9), p.seller[choice]) == 0


def brute_force(p: AssignmentProblem) -> float:
    """The contiguous optimum: every assignment of the 9 units, each seller holding one."""
    best = np.inf
    m = p.n_sellers
    for sellers in itertools.product(range(m), repeat=9):
        if len(set(sellers)) < m:
            continue
        choice = np.array([p.candidate_index(u, s) for u, s in enumerate(sellers)])
        ev = evaluate(p, choice)
        if ev.feasible and connected(p, choice):
            best = min(best, ev.objective)
    return best


def test_a_better_contiguous_border_is_found() -> None:
    # seller 1 serves unit 2 for 0.1: moving it keeps both territories connected
    p = path_problem(cost1={2: 0.1})
    start = path_choice([0, 0, 0, 1, 1])
    out = anneal_contiguous(p, path_graph(), start, trials=200)
    assert p.seller[out].tolist() == [0, 0, 1, 1, 1]
    assert start.tolist() == path_choice([0, 0, 0, 1, 1]).tolist()  # not modified


def test_a_move_that_cuts_the_giver_is_never_made() -> None:
    # seller 1 would serve unit 1 for nothing, but taking it cuts seller 0's {0} from {2}
    # (and seller 1 does not touch unit 1 anyway); unit 2 is the only move on the border
    p = path_problem(cost1={1: 0.0, 2: 5.0})
    start = path_choice([0, 0, 0, 1, 1])
    out = anneal_contiguous(p, path_graph(), start, trials=500)
    assert count_enclaves(PATH, np.arange(5), p.seller[out]) == 0
    assert evaluate(p, out).objective <= evaluate(p, start).objective


def test_detached_pieces_never_multiply_and_are_worn_down() -> None:
    p = path_problem()
    split = path_choice([0, 0, 1, 0, 0])  # seller 0: {0, 1} and {3, 4}
    out = anneal_contiguous(p, path_graph(), split, trials=500)
    assert count_enclaves(PATH, np.arange(5), p.seller[out]) == 0


def test_no_budget_no_change_and_the_clock_stops_it() -> None:
    p = path_problem(cost1={2: 0.1})
    start = path_choice([0, 0, 0, 1, 1])
    assert anneal_contiguous(p, path_graph(), start, trials=0).tolist() == start.tolist()
    clock = Clock.after(0.0)
    assert anneal_contiguous(p, path_graph(), start, trials=10_000, clock=clock).tolist() == start.tolist()
    assert clock.stopped == ["contiguity (border annealing)"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cost=st.lists(st.floats(0.0, 10.0), min_size=27, max_size=27),
    cap=st.lists(st.floats(2.0, 5.0), min_size=3, max_size=3),
    seed=st.integers(0, 3),
    balance=st.booleans(),
)
def test_invariants(cost, cap, seed, balance) -> None:
    p = grid3(np.array(cost).reshape(9, 3), np.array(cap), balance)
    start = columns(p)
    before = evaluate(p, start)
    out = anneal_contiguous(p, grid_graph3(3), start, trials=2_000, seed=seed)
    after = evaluate(p, out)
    assert connected(p, out)
    assert after.objective <= before.objective + 1e-9
    assert after.overload <= before.overload + 1e-9  # no hard rule worse
    assert all(len(pieces) == 1 for pieces in territory_components(GRID, _units_of(p, out)).values())
    assert len(set(p.seller[out].tolist())) == 3  # nobody loses its last unit
    assert out.tolist() == anneal_contiguous(p, grid_graph3(3), start, trials=2_000, seed=seed).tolist()


def _units_of(p: AssignmentProblem, choice: np.ndarray) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for u, s in enumerate(p.seller[choice].tolist()):
        out.setdefault(s, set()).add(u)
    return out


@pytest.mark.parametrize("case", range(6))
def test_reaches_the_brute_force_optimum_on_small_grids(case) -> None:
    rng = np.random.default_rng(case)
    m = 2 + case % 2
    # capacity for any split: the moves are single units, and a full receiver blocks them
    p = grid3(rng.uniform(0.0, 10.0, size=(9, m)), np.full(m, 9.0), balance=case >= 3)
    out = anneal_contiguous(p, grid_graph3(m), columns(p), trials=20_000, seed=case)
    assert connected(p, out)
    assert evaluate(p, out).objective == pytest.approx(brute_force(p))
