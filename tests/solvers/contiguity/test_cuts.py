"""The connectivity-cut bound against brute force on tiny grids: never above the best
contiguous alignment, never below the plain LP."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from allocate.solvers.contiguity.cuts import contiguity_bound
from allocate.solvers.contiguity.graph import UnitGraph
from allocate.solvers.lp import lp_relaxation
from allocate.solvers.problem import AssignmentProblem, Balance, evaluate
from tests.unit_grid import grid_graph, grid_problem


def _grid(rows: int, cols: int) -> list[list[int]]:
    """Rook adjacency, unit ``cols * row + column``."""
    out = []
    for r in range(rows):
        for c in range(cols):
            nb = [(r - 1, c), (r, c - 1), (r, c + 1), (r + 1, c)]
            out.append([cols * i + j for i, j in nb if 0 <= i < rows and 0 <= j < cols])
    return out


def _connected(adj: list[list[int]], units: set[int]) -> bool:
    """Whether ``units`` is one connected set of ``adj`` (empty counts as connected)."""
    if not units:
        return True
    start = min(units)
    seen, stack = {start}, [start]
    while stack:
        for v in adj[stack.pop()]:
            if v in units and v not in seen:
                seen.add(v)
                stack.append(v)
    return seen == units


def _brute_force(p: AssignmentProblem, adj: list[list[int]], parts: list[set[int]]) -> float:
    """Best objective over every feasible alignment whose territories are connected within
    each part of the graph (item u in unit u, every seller a candidate of every item)."""
    m = p.n_sellers
    best = np.inf
    for pick in itertools.product(range(m), repeat=p.n_items):
        if any(
            not _connected(adj, {u for u in part if pick[u] == s}) for s in range(m) for part in parts
        ):
            continue
        ev = evaluate(p, np.asarray([m * u + s for u, s in enumerate(pick)]))
        if ev.feasible:
            best = min(best, ev.objective)
    return float(best)


def _random_problem(n: int, m: int, seed: int, current: bool = False) -> AssignmentProblem:
    """``n`` items, ``m`` sellers, all candidates; random travel and loads, soft balance."""
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0.0, 4.0, size=(n, m))
    load = 1.0 + 0.5 * cost
    return AssignmentProblem(
        capacity=np.full(m, 1.6 * load.min(axis=1).sum() / m),
        indptr=np.arange(0, n * m + 1, m),
        seller=np.tile(np.arange(m), n),
        cost=cost.reshape(-1),
        load=load.reshape(-1),
        current=rng.integers(0, m, size=n) if current else np.zeros(0, dtype=np.int64),
        move_weight=0.3 if current else 0.0,
        balance_groups=(np.arange(m),),
        balances=(Balance("load", 0.2, weight=0.5),),
    )


def _graph(adj: list[list[int]], m: int) -> UnitGraph:
    n = len(adj)
    return UnitGraph.build(adj, np.arange(n), base_unit=np.zeros(m, dtype=np.int64), centroid=np.zeros((n, 2)))


def test_on_the_3x3_grid_between_the_lp_and_the_contiguous_optimum() -> None:
    # brute force (tests/solvers/contiguity/test_exact.py): 14 h without contiguity, 16 h with
    p = grid_problem()
    lp = lp_relaxation(p, 5.0)
    out = contiguity_bound(p, grid_graph(), rounds=10, seconds=2.0)
    assert out.lp_bound == pytest.approx(lp.bound)
    assert lp.bound - 1e-6 <= out.bound <= 16.0 + 1e-6
    # the LP keeps A's two west corners apart (14 h): the cuts see that it may not
    assert out.bound > 14.0 + 1e-3
    assert out.cuts > 0 and [b for _, b in out.history] == sorted(b for _, b in out.history)


@pytest.mark.parametrize(
    ("rows", "cols", "m", "seed", "current"),
    [
        (3, 3, 2, 0, False),
        (3, 3, 3, 1, True),  # three sellers, moves priced
        (2, 4, 3, 2, True),
        (4, 4, 2, 3, False),
    ],
)
def test_never_above_the_brute_force_contiguous_optimum(rows: int, cols: int, m: int, seed: int, current: bool) -> None:
    adj = _grid(rows, cols)
    p = _random_problem(rows * cols, m, seed, current)
    best = _brute_force(p, adj, [set(range(rows * cols))])
    out = contiguity_bound(p, _graph(adj, m), rounds=10, seconds=2.0)
    assert np.isfinite(best)
    assert out.lp_bound - 1e-6 <= out.bound <= best + 1e-6


def test_islands_are_separate_parts() -> None:
    # a 2 x 3 mainland (units 0-5) and a 1 x 2 island (6, 7); A travels 0 h to the mainland's
    # opposite corners 0 and 5 and to the island, 4 h elsewhere; B 2 h everywhere.
    # Without contiguity A = {0, 5, 6, 7}: 8 h. With it A may keep the island and one corner
    # (a piece of each part is allowed, two pieces of the mainland are not): 10 h.
    adj = _grid(2, 3) + [[7], [6]]
    cost_a = np.array([0.0, 4.0, 4.0, 4.0, 4.0, 0.0, 0.0, 0.0])
    p = AssignmentProblem(
        capacity=np.array([100.0, 100.0]),
        indptr=np.arange(0, 17, 2),
        seller=np.tile([0, 1], 8),
        cost=np.column_stack([cost_a, np.full(8, 2.0)]).reshape(-1),
        load=np.ones(16),
    )
    best = _brute_force(p, adj, [set(range(6)), {6, 7}])
    assert best == pytest.approx(10.0)
    out = contiguity_bound(p, _graph(adj, 2), rounds=10, seconds=2.0)
    assert out.lp_bound == pytest.approx(8.0)
    assert 8.0 + 1e-3 < out.bound <= best + 1e-6


def test_random_islands() -> None:
    adj = _grid(2, 3) + [[7], [6]]
    p = _random_problem(8, 2, 4, current=True)
    best = _brute_force(p, adj, [set(range(6)), {6, 7}])
    out = contiguity_bound(p, _graph(adj, 2), rounds=10, seconds=2.0)
    assert out.lp_bound - 1e-6 <= out.bound <= best + 1e-6


def test_a_unit_with_two_bundles() -> None:
    # unit 0 of the 3 x 3 grid holds items 0 and 1 (as the hybrid model's groups would): a
    # seller owns a unit when it holds any of its items; y is then a column of its own
    adj = _grid(3, 3)
    b_unit = np.array([0, 0, 1, 2, 3, 4, 5, 6, 7, 8])
    p = _random_problem(10, 2, 5, current=True)
    best = np.inf
    for pick in itertools.product(range(2), repeat=10):
        owned = [{int(b_unit[i]) for i in range(10) if pick[i] == s} for s in range(2)]
        if all(_connected(adj, units) for units in owned):
            ev = evaluate(p, np.asarray([2 * i + s for i, s in enumerate(pick)]))
            if ev.feasible:
                best = min(best, ev.objective)
    graph = UnitGraph.build(adj, b_unit, base_unit=np.zeros(2, dtype=np.int64), centroid=np.zeros((9, 2)))
    out = contiguity_bound(p, graph, rounds=10, seconds=2.0)
    assert np.isfinite(best)
    assert out.lp_bound - 1e-6 <= out.bound <= best + 1e-6
