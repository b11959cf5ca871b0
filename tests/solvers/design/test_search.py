"""The tabu search keeps territories connected and reaches balance on a grid."""

from __future__ import annotations

import time

import numpy as np

import allocate.solvers.design.search as search_mod
from allocate.solvers.design.balance import Bands
from allocate.solvers.design.construct import spread_seeds, voronoi
from allocate.solvers.design.graph import DesignGraph
from allocate.solvers.design.search import (
    TabuSearch,
    _connected_without,
    _cut_units,
    centres_of,
    dispersion_of,
)
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


def test_cut_units_agree_with_connected_without() -> None:
    # grids with a few diagonals, cut into 3 connected regions grown from random seeds: a
    # unit is a cut vertex of its territory exactly when leaving disconnects it
    rng = np.random.default_rng(5)
    seen_cut = seen_free = 0
    for _ in range(30):
        r, c = (int(x) for x in rng.integers(2, 8, size=2))
        e = [(i * c + j, i * c + j + 1) for i in range(r) for j in range(c - 1)]
        e += [(i * c + j, (i + 1) * c + j) for i in range(r - 1) for j in range(c)]
        e += [(i * c + j, (i + 1) * c + j + 1) for i in range(r - 1) for j in range(c - 1)]
        e = [x for x in e if rng.random() < 0.8 or abs(x[0] - x[1]) == 1]
        g = DesignGraph.from_edges(r * c, e)
        lab = np.full(g.n, -1, dtype=np.int64)
        seeds = rng.choice(g.n, min(3, g.n), replace=False)
        lab[seeds] = np.arange(len(seeds))
        front = seeds.tolist()
        while front:
            x = front.pop(int(rng.integers(len(front))))
            for y in g.neighbours[x]:
                if lab[y] < 0:
                    lab[y] = lab[x]
                    front.append(y)
        for t in range(len(seeds)):
            m = np.flatnonzero(lab == t)
            cut = _cut_units(g.neighbours, m, lab.tolist(), t)
            if not connected(g.neighbours, m.tolist()):
                assert cut is None
                continue
            assert cut is not None
            for a in m.tolist() if len(m) > 1 else []:
                free = _connected_without(g.neighbours, lab, a, t)
                assert free == (a not in cut)
                seen_free += free
                seen_cut += not free
    assert seen_cut > 0 and seen_free > 0
    # a territory in two pieces has no cut vertices to give
    g = DesignGraph.from_edges(4, [(0, 1), (1, 2), (2, 3)])
    lab = np.array([0, 1, 0, 0], dtype=np.int64)
    assert _cut_units(g.neighbours, np.array([0, 2, 3]), lab.tolist(), 0) is None


def _case():  # type: ignore[no-untyped-def]
    """A 7 x 7 grid, two measures, 4 territories at ±10 %, a Voronoi start."""
    g = _grid(7)
    w = np.random.default_rng(3).integers(1, 9, size=(g.n, 2)).astype(float)
    d = g.distances()
    return g, w, Bands.of(w, 4, 0.1), d, voronoi(g, spread_seeds(d, 4, np.random.default_rng(0)))


def test_search_from_voronoi_reaches_balance() -> None:
    g, w, b, d, start = _case()
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


def test_ruined_start_recuts_a_connected_region_around_a_worst_territory() -> None:
    g = _grid(8)
    w = np.random.default_rng(4).integers(1, 9, size=(g.n, 2)).astype(float)
    b = Bands.of(w, 6, 0.2)
    d = g.distances()
    lab = voronoi(g, spread_seeds(d, 6, np.random.default_rng(1)))
    disp = dispersion_of(d, lab, 6)
    st = TabuSearch(g, d, w, b, 6, seed=2)._ruined(lab, disp)
    changed = set(lab[st.lab != lab].tolist()) | set(st.lab[st.lab != lab].tolist())
    kept = [t for t in range(6) if np.array_equal(st.lab == t, lab == t)]
    assert len(kept) >= 6 - search_mod.RUIN  # only the region is cut again
    assert not changed & set(kept)
    assert set(np.unique(st.lab).tolist()) == set(range(6))
    for t in range(6):
        assert connected(g.neighbours, np.flatnonzero(st.lab == t).tolist())
    assert np.allclose(st.tot, [w[st.lab == t].sum(axis=0) for t in range(6)])


def test_new_descents_keep_the_best_and_are_deterministic(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With a descent abandoned every 60 idle iterations the search still returns its best
    balanced connected partition, the same for the same seed."""
    monkeypatch.setattr(search_mod, "DESCENT_IDLE", 60)
    calls = []
    ruined = TabuSearch._ruined

    def counted(self, lab, disp):  # type: ignore[no-untyped-def]
        calls.append(1)
        return ruined(self, lab, disp)

    monkeypatch.setattr(TabuSearch, "_ruined", counted)
    g, w, b, d, start = _case()
    runs = [
        TabuSearch(g, d, w, b, 4, seed=1).run(start, 400, time.monotonic() + 60)
        for _ in range(2)
    ]
    (lab, stats), (again, _) = runs
    assert lab is not None and again is not None and np.array_equal(lab, again)
    assert stats.stopped_by == "budget"
    tot = np.array([w[lab == t].sum(axis=0) for t in range(4)])
    assert b.excess(tot).sum() == 0
    for t in range(4):
        assert connected(g.neighbours, np.flatnonzero(lab == t).tolist())
    assert stats.last_improved <= stats.iterations
    assert len(calls) >= 2  # both runs started new descents


def test_weigh_raises_only_the_pairs_in_conflict_and_keeps_the_sums() -> None:
    g, w, b, d, start = _case()
    ts = TabuSearch(g, d, w, b, 4, seed=0)
    conf_mat = (d >= 5).astype(np.float32)
    onehot = np.zeros((g.n, 4), dtype=np.float32)
    onehot[np.arange(g.n), start] = 1.0
    cmat = conf_mat @ onehot
    before = conf_mat.copy()
    same = start[:, None] == start[None, :]
    pairs = int(np.sum(same & (before > 0))) // 2
    assert pairs > 0
    added = ts._weigh(start, conf_mat, cmat)
    assert added == pairs * search_mod.WEIGHT_STEP
    # the pairs in conflict inside a territory weigh more, every other entry is unchanged
    assert np.array_equal(conf_mat[same & (before > 0)], before[same & (before > 0)] + 1)
    assert np.array_equal(conf_mat[~(same & (before > 0))], before[~(same & (before > 0))])
    assert np.allclose(cmat, conf_mat @ onehot)
    # the weights stop at WEIGHT_MAX
    for _ in range(int(search_mod.WEIGHT_MAX) + 3):
        ts._weigh(start, conf_mat, cmat)
    assert conf_mat.max() == search_mod.WEIGHT_MAX
    assert np.allclose(cmat, conf_mat @ onehot)
