"""Nested levels: each connected and balanced on the whole level's mean, children inside parents."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.core.status import SolveStatus
from allocate.solvers.design.graph import DesignGraph
from allocate.solvers.design.hierarchy import nested_partition
from tests.solvers.design.brute import connected


def _grid(n: int) -> DesignGraph:
    e = [(r * n + c, r * n + c + 1) for r in range(n) for c in range(n - 1)]
    e += [(r * n + c, (r + 1) * n + c) for r in range(n - 1) for c in range(n)]
    return DesignGraph.from_edges(n * n, e)


@pytest.mark.parametrize("strategy", ["bottom_up", "top_down"])
def test_two_levels_nest_and_balance(strategy: str) -> None:
    g = _grid(6)
    w = np.random.default_rng(2).integers(1, 6, size=(g.n, 2)).astype(float)
    res = nested_partition(g, w, [2, 6], 0.2, "median", time_limit_s=3, seed=1, strategy=strategy)
    assert res.status == SolveStatus.FEASIBLE, res.reason
    top, low = res.labels
    for k, lab in ((2, top), (6, low)):
        mean = w.sum(axis=0) / k
        for t in range(k):
            m = np.flatnonzero(lab == t).tolist()
            assert connected(g.neighbours, m)
            assert np.all(np.abs(w[m].sum(axis=0) - mean) <= 0.2 * mean + 1e-9)
    for t in range(6):  # a territory never straddles two regions
        assert len(set(top[low == t].tolist())) == 1


def test_levels_must_nest() -> None:
    with pytest.raises(ValueError):
        nested_partition(_grid(3), np.ones((9, 1)), [2, 3], 0.1)


def test_bottom_up_parents_hold_exactly_their_share_of_children() -> None:
    g = _grid(6)
    w = np.ones((g.n, 1))
    res = nested_partition(g, w, [2, 4, 12], 0.0, "median", 3, seed=0, strategy="bottom_up")
    assert res.status == SolveStatus.FEASIBLE, res.reason
    top, mid, low = res.labels
    for lab_up, lab_low, per in ((top, mid, 2), (mid, low, 3)):
        for p in np.unique(lab_up):
            assert len(np.unique(lab_low[lab_up == p])) == per


def test_unknown_strategy_refused() -> None:
    with pytest.raises(ValueError, match="strategy"):
        nested_partition(_grid(3), np.ones((9, 1)), [1, 3], 0.1, strategy="sideways")


@pytest.mark.parametrize("strategy", ["bottom_up", "top_down"])
def test_a_narrower_band_for_the_level_above(strategy: str) -> None:
    """Regions within ±2 %, territories within ±30 %: each level meets its own band."""
    g = _grid(6)
    w = np.ones((g.n, 1))
    res = nested_partition(
        g, w, [2, 6], 0.3, "median", 3, seed=0, strategy=strategy, level_tolerance=[0.02, 0.3]
    )
    assert res.status == SolveStatus.FEASIBLE, res.reason
    top, low = res.labels
    assert np.bincount(top).tolist() == [18, 18]  # 18 ± 2 % of 18 units: exactly 18
    sizes = np.bincount(low)
    assert sizes.min() >= 6 * 0.7 - 1e-9 and sizes.max() <= 6 * 1.3 + 1e-9
    with pytest.raises(ValueError, match="level tolerances"):
        nested_partition(g, w, [2, 6], 0.3, level_tolerance=[0.1])
