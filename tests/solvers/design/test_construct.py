"""Starts: every territory non-empty and connected."""

from __future__ import annotations

import numpy as np

from allocate.solvers.design.balance import Bands
from allocate.solvers.design.construct import grow, spread_seeds, tree_cuts, voronoi
from allocate.solvers.design.graph import DesignGraph
from tests.solvers.design.brute import connected


def _grid(n: int) -> DesignGraph:
    e = [(r * n + c, r * n + c + 1) for r in range(n) for c in range(n - 1)]
    e += [(r * n + c, (r + 1) * n + c) for r in range(n - 1) for c in range(n)]
    return DesignGraph.from_edges(n * n, e)


def _ok(g: DesignGraph, lab: np.ndarray, k: int) -> None:
    assert set(lab.tolist()) == set(range(k))
    for t in range(k):
        assert connected(g.neighbours, np.flatnonzero(lab == t).tolist())


def test_starts_are_connected_partitions() -> None:
    g = _grid(6)
    w = np.random.default_rng(0).integers(1, 9, size=(g.n, 2)).astype(float)
    b = Bands.of(w, 5, 0.1)
    rng = np.random.default_rng(1)
    d = g.distances()
    seeds = spread_seeds(d, 5, rng)
    assert len(set(seeds.tolist())) == 5
    _ok(g, voronoi(g, seeds), 5)
    _ok(g, grow(g, d, seeds, w, b.mean), 5)
    _ok(g, tree_cuts(g, w, b.mean, b.tolerance, 5, rng), 5)


def test_tree_cuts_on_a_subset() -> None:
    g = _grid(4)
    w = np.ones((g.n, 1))
    members = np.arange(8)  # the two first rows
    lab = tree_cuts(
        g, w, np.array([8 / 3]), np.array([0.5]), 3, np.random.default_rng(0), members=members
    )
    assert lab.shape == (8,) and set(lab.tolist()) == {0, 1, 2}
    for t in range(3):
        assert connected(g.neighbours, members[lab == t].tolist())


def test_many_territories_are_cut_by_halving_connected_and_near_the_bands() -> None:
    import allocate.solvers.design.construct as construct_mod

    g = _grid(12)
    w = np.ones((g.n, 1))
    k = 16  # 9 units each
    assert k > construct_mod.HALVE_ABOVE
    b = Bands.of(w, k, 0.0)
    lab = tree_cuts(g, w, b.mean, b.tolerance, k, np.random.default_rng(4))
    _ok(g, lab, k)
    # each halving splits the units by their share of the territories: sizes stay near 9
    sizes = np.bincount(lab, minlength=k)
    assert sizes.min() >= 4 and sizes.max() <= 14, sizes.tolist()
