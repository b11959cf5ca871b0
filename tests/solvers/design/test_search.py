"""The tabu search keeps territories connected and reaches balance on a grid."""

from __future__ import annotations

import time

import numpy as np

from allocate.solvers.design.balance import Bands
from allocate.solvers.design.construct import spread_seeds, voronoi
from allocate.solvers.design.graph import DesignGraph
from allocate.solvers.design.search import TabuSearch, _connected_without, centres_of, dispersion_of
from tests.solvers.design.brute import connected


def _grid(n: int) -> DesignGraph:
    e = [(r * n + c, r * n + c + 1) for r in range(n) for c in range(n - 1)]
    e += [(r * n + c, (r + 1) * n + c) for r in range(n - 1) for c in range(n)]
    return DesignGraph.from_edges(n * n, e)


def test_connected_without() -> None:
    g = DesignGraph.from_edges(4, [(0, 1), (1, 2), (2, 3)])
    lab = np.zeros(4, dtype=np.int64)
    assert not _connected_without(g.neighbours, lab, 1, 0)
    assert _connected_without(g.neighbours, lab, 0, 0)


def test_search_from_voronoi_reaches_balance() -> None:
    g = _grid(7)
    w = np.random.default_rng(3).integers(1, 9, size=(g.n, 2)).astype(float)
    b = Bands.of(w, 4, 0.1)
    d = g.distances()
    start = voronoi(g, spread_seeds(d, 4, np.random.default_rng(0)))
    for objective in ("dispersion", "median"):
        lab, stats = TabuSearch(g, d, w, b, 4, objective=objective, seed=1).run(
            start, 400, time.monotonic() + 60
        )
        assert lab is not None and stats.iterations <= 400
        tot = np.array([w[lab == t].sum(axis=0) for t in range(4)])
        assert b.excess(tot).sum() == 0
        for t in range(4):
            assert connected(g.neighbours, np.flatnonzero(lab == t).tolist())
    assert dispersion_of(d, lab, 4).max() > 0
    assert len(set(centres_of(d, lab, 4, np.ones(g.n)).tolist())) == 4
