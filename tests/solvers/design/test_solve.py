"""design_partition: optimal on tiny graphs (brute force), checked, never falsely feasible."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import allocate.solvers.design.solve as solve_mod
from allocate.core.status import SolveStatus
from allocate.solvers.design.graph import DesignGraph
from allocate.solvers.design.search import SearchStats
from allocate.solvers.design.solve import design_partition
from tests.solvers.design.brute import best_partition, connected


def _grid(rows: int, cols: int, rng: np.random.Generator) -> DesignGraph:
    edges, length = [], []
    for r in range(rows):
        for c in range(cols):
            u = r * cols + c
            if c + 1 < cols:
                edges.append((u, u + 1))
                length.append(float(rng.integers(1, 6)))
            if r + 1 < rows:
                edges.append((u, u + cols))
                length.append(float(rng.integers(1, 6)))
    return DesignGraph.from_edges(rows * cols, edges, np.array(length))


@pytest.mark.parametrize("objective", ["dispersion", "median"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_brute_force_on_tiny_grids(objective: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = _grid(2, 4, rng)
    w = rng.integers(1, 10, size=(g.n, 2)).astype(float)
    k, tol = 3, 0.35
    best, count = best_partition(g, w, k, tol, objective)
    sol = design_partition(g, w, k, tol, objective, time_limit_s=20, seed=seed, max_iters=1000)
    if count == 0:
        assert sol.status != SolveStatus.FEASIBLE
        return
    assert sol.status == SolveStatus.FEASIBLE
    assert sol.value == pytest.approx(best)


def test_path_graph_hand_checked() -> None:
    # 0-1-2-3-4-5, unit lengths, equal weights: two territories of 3 -> dispersion 2
    g = DesignGraph.from_edges(6, [(i, i + 1) for i in range(5)])
    sol = design_partition(g, np.ones((6, 1)), 2, 0.0, "dispersion", time_limit_s=10, max_iters=500)
    assert sol.status == SolveStatus.FEASIBLE
    assert sol.value == 2.0
    assert sorted(np.bincount(sol.labels).tolist()) == [3, 3]


def test_single_heavy_unit_is_proven_infeasible() -> None:
    g = DesignGraph.from_edges(4, [(0, 1), (1, 2), (2, 3)])
    w = np.array([[10.0], [1.0], [1.0], [1.0]])
    sol = design_partition(g, w, 2, 0.1, time_limit_s=5)
    assert sol.status == SolveStatus.INFEASIBLE
    assert "unit 0" in sol.reason


def test_disconnected_graph_is_not_called_infeasible_without_proof() -> None:
    g = DesignGraph.from_edges(4, [(0, 1), (2, 3)])
    sol = design_partition(g, np.ones((4, 1)), 2, 0.1, time_limit_s=5)
    assert sol.status == SolveStatus.UNKNOWN
    g3 = DesignGraph.from_edges(6, [(0, 1), (2, 3), (4, 5)])
    assert (
        design_partition(g3, np.ones((6, 1)), 2, 0.5, time_limit_s=5).status
        == SolveStatus.INFEASIBLE
    )


def test_same_seed_same_design() -> None:
    rng = np.random.default_rng(5)
    g = _grid(4, 5, rng)
    w = rng.integers(1, 10, size=(g.n, 3)).astype(float)
    a = design_partition(g, w, 4, 0.2, "dispersion", time_limit_s=60, seed=3, max_iters=400)
    b = design_partition(g, w, 4, 0.2, "dispersion", time_limit_s=60, seed=3, max_iters=400)
    assert a.stopped_by == b.stopped_by == "budget"
    assert a.status == b.status
    if a.labels is not None:
        assert np.array_equal(a.labels, b.labels)


def test_never_feasible_when_the_checker_disagrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """A search that returns a broken partition (split territory, band broken) is caught."""
    g = DesignGraph.from_edges(6, [(i, i + 1) for i in range(5)])
    bad = np.array([0, 1, 0, 1, 0, 1])  # both territories split, balanced

    class Broken:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def run(self, start, max_iters, deadline, stall=400):
            return bad.copy(), SearchStats(1, "budget", 1)

    monkeypatch.setattr(solve_mod, "TabuSearch", Broken)
    sol = design_partition(g, np.ones((6, 1)), 2, 0.1, time_limit_s=5)
    assert sol.status == SolveStatus.UNKNOWN
    assert sol.labels is None
    assert sol.check is not None and not sol.check.feasible
    assert "not connected" in sol.reason


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(2, 4),
    cols=st.integers(2, 5),
    k=st.integers(2, 4),
    tol=st.sampled_from([0.1, 0.2, 0.4]),
    seed=st.integers(0, 10_000),
)
def test_property_reported_designs_are_connected_and_balanced(rows, cols, k, tol, seed) -> None:
    rng = np.random.default_rng(seed)
    g = _grid(rows, cols, rng)
    w = rng.integers(1, 20, size=(g.n, 2)).astype(float)
    sol = design_partition(g, w, k, tol, "dispersion", time_limit_s=10, seed=seed, max_iters=150)
    if sol.status != SolveStatus.FEASIBLE:
        return
    lab = sol.labels
    mean = w.sum(axis=0) / k
    for t in range(k):
        m = np.flatnonzero(lab == t).tolist()
        assert m and connected(g.neighbours, m)
        assert np.all(np.abs(w[m].sum(axis=0) - mean) <= tol * mean + 1e-9)


def _reversed_map(fn, items):  # type: ignore[no-untyped-def]
    """Runs the items last first: the result must not depend on the order."""
    return [fn(x) for x in items[::-1]][::-1]


def _pool_map(fn, items):  # type: ignore[no-untyped-def]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(fn, items))


def test_several_starts_are_deterministic_and_never_worse_than_one() -> None:
    rng = np.random.default_rng(11)
    g = _grid(4, 5, rng)
    w = rng.integers(1, 10, size=(g.n, 3)).astype(float)
    args = (g, w, 4, 0.2, "dispersion")
    one = design_partition(*args, time_limit_s=60, seed=2, max_iters=150)
    three = design_partition(*args, time_limit_s=60, seed=2, max_iters=150, starts=3)
    again = design_partition(
        *args, time_limit_s=60, seed=2, max_iters=150, starts=3, mapper=_reversed_map
    )
    pooled = design_partition(
        *args, time_limit_s=60, seed=2, max_iters=150, starts=3, mapper=_pool_map
    )
    assert one.status == three.status == SolveStatus.FEASIBLE
    assert three.stopped_by == "budget"
    assert three.value <= one.value
    assert np.array_equal(three.labels, again.labels)
    assert np.array_equal(three.labels, pooled.labels)
