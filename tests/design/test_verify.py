"""The independent check of a (nested) design: nesting, connectivity and bands per level.

Property tests (hypothesis) on small grids compare it with brute-force answers, and check that
every hierarchy the solver reports feasible passes it; a hand-made breach is caught and turns
the status of a design to ``unknown``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocate.core.status import SolveStatus
from allocate.design.verify import verify_hierarchy
from allocate.solvers.design.graph import DesignGraph
from allocate.solvers.design.hierarchy import nested_partition
from tests.solvers.design.brute import connected


def _grid(rows: int, cols: int) -> tuple[int, list[tuple[int, int]]]:
    e = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    e += [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    return rows * cols, e


def _nbrs(n: int, edges: list[tuple[int, int]]) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        out[a].append(b)
        out[b].append(a)
    return out


@st.composite
def labelled_grids(draw):  # type: ignore[no-untyped-def]
    """A small grid, random measures and random labels at two levels (not always valid)."""
    rows, cols = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    n, edges = _grid(rows, cols)
    k_top = draw(st.integers(1, 3))
    k_low = k_top * draw(st.integers(1, 2))
    top = draw(st.lists(st.integers(0, k_top - 1), min_size=n, max_size=n))
    low = draw(st.lists(st.integers(0, k_low - 1), min_size=n, max_size=n))
    w = draw(st.lists(st.lists(st.integers(0, 9), min_size=2, max_size=2), min_size=n, max_size=n))
    tol = draw(st.sampled_from([0.0, 0.1, 0.5]))
    return n, edges, w, tol, (k_top, k_low), (top, low)


@settings(max_examples=150, deadline=None)
@given(labelled_grids())
def test_verdict_matches_brute_force(case) -> None:  # type: ignore[no-untyped-def]
    n, edges, w, tol, ks, labs = case
    v = verify_hierarchy(n, edges, w, [tol, tol], list(ks), [list(x) for x in labs])
    nbrs = _nbrs(n, edges)
    arr = np.asarray(w, dtype=float)
    expected_ok = True
    for j, (k, lab) in enumerate(zip(ks, labs, strict=True)):
        lab = np.asarray(lab)
        mean = arr.sum(axis=0) / k
        for t in range(k):
            mem = np.flatnonzero(lab == t).tolist()
            conn = bool(mem) and connected(nbrs, mem)
            assert v.levels[j].connected[t] == conn
            tot = arr[mem].sum(axis=0)
            for m in range(2):
                dev = (
                    (tot[m] - mean[m]) / mean[m]
                    if mean[m] > 0
                    else (0.0 if tot[m] == 0 else np.inf)
                )
                assert v.levels[j].deviation[t][m] == pytest.approx(dev)
                expected_ok &= abs(dev) <= tol + 1e-9
            expected_ok &= conn
            if j == 1 and mem:
                ups = set(np.asarray(labs[0])[mem].tolist())
                expected_ok &= len(ups) == 1
                assert v.levels[1].parent[t] == (ups.pop() if len(ups) == 1 else -1)
    assert v.feasible == expected_ok


def test_straddling_territory_is_named() -> None:
    n, edges = _grid(1, 4)  # a path 0-1-2-3
    v = verify_hierarchy(
        n, edges, [[1]] * 4, [1.0], [2, 3], [[0, 0, 1, 1], [0, 1, 1, 2]], ["region", "territory"]
    )
    assert not v.feasible
    assert v.problems == ["territory: territory 1 straddles 2 parents (0, 1)"]
    assert v.levels[0].children == [1, 1]  # territory 1 straddles: counted for no region
    assert v.levels[1].parent == [0, -1, 1]
    v = verify_hierarchy(n, edges, [[1]] * 4, [1.0], [1, 2], [[0] * 4, [0, 1, 1, 0]])
    assert v.problems == ["level 2: territory 0 is in 2 pieces"]  # {0, 3} on the path


def test_children_and_parents_counted() -> None:
    n, edges = _grid(2, 2)
    v = verify_hierarchy(
        n, edges, [[1]] * 4, [0.0], [1, 2, 4], [[0] * 4, [0, 0, 1, 1], [0, 1, 2, 3]]
    )
    assert v.feasible
    assert [lv.children for lv in v.levels] == [[2], [2, 2], [0, 0, 0, 0]]
    assert v.levels[2].parent == [0, 0, 1, 1]


@st.composite
def weighted_grids(draw):  # type: ignore[no-untyped-def]
    rows, cols = draw(st.integers(3, 5)), draw(st.integers(3, 5))
    n, edges = _grid(rows, cols)
    w = draw(st.lists(st.lists(st.integers(1, 4), min_size=2, max_size=2), min_size=n, max_size=n))
    levels = draw(st.sampled_from([[2, 4], [1, 3], [2, 6], [3, 6]]))
    tol = draw(st.sampled_from([0.2, 0.3, 0.5]))
    return n, edges, w, levels, tol


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weighted_grids(), st.integers(0, 3), st.sampled_from(["bottom_up", "top_down", "auto"]))
def test_solver_hierarchies_pass_the_check(case, seed: int, strategy: str) -> None:  # type: ignore[no-untyped-def]
    """Whatever the solver reports feasible nests, is connected and within the bands."""
    n, edges, w, levels, tol = case
    g = DesignGraph.from_edges(n, edges)
    res = nested_partition(
        g, np.asarray(w, dtype=float), levels, tol, "median", 0.6, seed, strategy=strategy
    )
    if res.status != SolveStatus.FEASIBLE:
        assert res.status in (SolveStatus.UNKNOWN, SolveStatus.INFEASIBLE) and res.reason
        return
    labels = [lab.tolist() for lab in res.labels if lab is not None]
    v = verify_hierarchy(n, edges, w, [tol, tol], levels, labels)
    assert v.feasible, v.problems
    # and by hand: nesting
    for j in range(1, len(levels)):
        for t in range(levels[j]):
            assert len({labels[j - 1][i] for i in range(n) if labels[j][i] == t}) == 1


def test_each_level_against_its_own_band() -> None:
    n, edges = _grid(1, 4)
    labels = [[0, 0, 0, 1], [0, 1, 2, 3]]  # regions of 3 and 1 units: 50 % off their mean of 2
    v = verify_hierarchy(n, edges, [[1]] * 4, [0.0], [2, 4], labels, level_tolerance=[[0.6], [0.0]])
    assert v.feasible and v.levels[0].max_dev == pytest.approx(0.5)
    v = verify_hierarchy(n, edges, [[1]] * 4, [0.0], [2, 4], labels, level_tolerance=[[0.4], [0.0]])
    assert v.problems == [
        "level 1: territory 0, measure 0 is +50.000% from the mean (band ±40%)",
        "level 1: territory 1, measure 0 is -50.000% from the mean (band ±40%)",
    ]
