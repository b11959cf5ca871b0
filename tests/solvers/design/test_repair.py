"""repair_balance: block moves and ejection chains keep territories connected and reach
the bands on easy cases; blocks() agrees with a direct search."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.solvers.design.balance import Bands
from allocate.solvers.design.check import check_design
from allocate.solvers.design.graph import DesignGraph
from allocate.solvers.design.repair import block_of, blocks, repair_balance


def _grid(rows: int, cols: int) -> DesignGraph:
    edges = []
    for r in range(rows):
        for c in range(cols):
            u = r * cols + c
            if c + 1 < cols:
                edges.append((u, u + 1))
            if r + 1 < rows:
                edges.append((u, u + cols))
    return DesignGraph.from_edges(rows * cols, edges)


def _edges(g: DesignGraph) -> list[tuple[int, int, float]]:
    return list(zip(g.u.tolist(), g.v.tolist(), g.length.tolist(), strict=True))


@pytest.mark.parametrize("seed", range(5))
def test_blocks_match_a_direct_search(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 12
    edges = [(int(rng.integers(i)), i) for i in range(1, n)]  # a tree: many cut vertices
    edges.append((int(rng.integers(n)), int(rng.integers(n))))
    edges = [(a, b) for a, b in edges if a != b]
    g = DesignGraph.from_edges(n, edges)
    w = rng.integers(1, 9, size=(n, 2)).astype(float)
    lab = np.zeros(n, dtype=np.int64)
    got = blocks(g.neighbours, lab, list(range(n)), w.tolist())
    for x in range(n):
        blk = block_of(g.neighbours, lab, x)
        assert blk[0] == x and len(set(blk)) == len(blk)
        assert got[x][0] == len(blk)
        rest = [y for y in range(n) if y not in blk]
        if rest:  # what stays behind is one connected piece
            split = [0 if y in blk else 1 for y in range(n)]
            verdict = check_design(n, _edges(g), w.tolist(), 10.0, 2, split, objective=False)
            assert verdict.connected == 2 or len(blk) == 1 and verdict.connected >= 1


def test_repair_balances_a_lopsided_grid() -> None:
    g = _grid(4, 4)
    w = np.ones((16, 1))
    k = 4
    lab = np.array([0] * 10 + [1, 1, 2, 2, 3, 3], dtype=np.int64)
    # rows of 4: 0 0 0 0 / 0 0 0 0 / 0 0 1 1 / 2 2 3 3: every territory connected
    assert check_design(16, _edges(g), w.tolist(), 10.0, k, lab.tolist()).connected == k
    bands = Bands.of(w, k, 0.0)
    res = repair_balance(g, w, bands, k, lab, 300, np.random.default_rng(0))
    verdict = check_design(16, _edges(g), w.tolist(), 0.0, k, res.labels.tolist())
    assert res.excess == 0.0 and verdict.feasible, verdict.problems


@pytest.mark.parametrize("seed", range(3))
def test_repair_never_breaks_connectivity_nor_worsens(seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = _grid(5, 6)
    w = rng.integers(1, 9, size=(30, 3)).astype(float)
    k = 3
    lab = np.repeat(np.arange(3), 10)  # two rows each: connected
    bands = Bands.of(w, k, 0.05)
    start = float(bands.excess(np.array([w[lab == t].sum(axis=0) for t in range(k)])).sum())
    res = repair_balance(g, w, bands, k, lab, 60, np.random.default_rng(seed))
    verdict = check_design(30, _edges(g), w.tolist(), 0.05, k, res.labels.tolist())
    assert verdict.connected == k
    tot = np.array([w[res.labels == t].sum(axis=0) for t in range(k)])
    assert abs(float(bands.excess(tot).sum()) - res.excess) < 1e-9
    assert res.excess <= start + 1e-12


def test_repair_keeps_conflicting_units_apart() -> None:
    g = _grid(4, 4)
    w = np.ones((16, 1))
    k = 4
    conflict = g.distances() >= 4  # no territory may span 4 hops
    # 2 x 2 blocks: conflict-free and connected
    lab = np.array([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3])
    w = np.ones((16, 1))
    w[0] = 3.0  # territory 0 too heavy
    bands = Bands.of(w, k, 0.2)
    res = repair_balance(g, w, bands, k, lab, 200, np.random.default_rng(1), conflict=conflict)
    for t in range(k):
        m = np.flatnonzero(res.labels == t)
        assert not conflict[np.ix_(m, m)].any()
    verdict = check_design(16, _edges(g), w.tolist(), 0.2, k, res.labels.tolist())
    assert verdict.connected == k
