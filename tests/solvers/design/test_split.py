"""Merge-and-split: two connected parts covering the merged units, best score returned."""

from __future__ import annotations

import numpy as np

from allocate.solvers.design.balance import Bands
from allocate.solvers.design.graph import DesignGraph
from allocate.solvers.design.split import best_split
from tests.solvers.design.brute import connected


def test_split_is_connected_cover_and_balanced_when_possible() -> None:
    # 2 x 4 ladder: an even split 4/4 exists
    e = (
        [(i, i + 1) for i in range(3)]
        + [(i, i + 1) for i in range(4, 7)]
        + [(i, i + 4) for i in range(4)]
    )
    g = DesignGraph.from_edges(8, e)
    w = np.ones((8, 1))
    b = Bands.of(w, 2, 0.0)
    members = np.arange(8)
    val, a, c = best_split(
        members,
        g.u,
        g.v,
        w,
        b,
        100.0,
        np.zeros((8, 8)),
        "pairs",
        np.random.default_rng(0),
        trees=30,
    )
    assert sorted(np.concatenate([a, c]).tolist()) == list(range(8))
    assert connected(g.neighbours, a.tolist()) and connected(g.neighbours, c.tolist())
    assert val == 0.0 and len(a) == 4


def test_pairs_cost_separates_conflicts() -> None:
    g = DesignGraph.from_edges(4, [(0, 1), (1, 2), (2, 3)])
    w = np.ones((4, 1))
    b = Bands.of(w, 2, 1.0)  # any split balanced
    conflict = np.zeros((4, 4))
    conflict[0, 1] = conflict[1, 0] = 1.0  # 0 and 1 apart: only the cut 0 | 1-2-3 is free
    val, a, c = best_split(
        np.arange(4), g.u, g.v, w, b, 1.0, conflict, "pairs", np.random.default_rng(0), trees=5
    )
    assert val == 0.0
    assert {tuple(sorted(a.tolist())), tuple(sorted(c.tolist()))} == {(0,), (1, 2, 3)}
