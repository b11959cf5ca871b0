"""The design graph of an instance: polygons, adjacency table, nearest accounts, islands."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.design.graph import build_graph, node_ids
from allocate.io import read_instance
from tests.conftest import TINY_ACCOUNTS, TINY_SELLERS, write_instance
from tests.unit_grid import write_grid


def test_units_and_polygon_adjacency(tmp_path: Path) -> None:
    inst = read_instance(write_grid(tmp_path / "grid"))
    g = build_graph(inst)
    assert g.kind == "unit" and len(g.ids) == 9
    assert len(g.graph.u) == 12  # rook adjacency of a 3 x 3 grid
    assert g.bridges == 0 and g.graph.n_components() == 1
    assert sorted(g.account_node.tolist()) == list(range(9))
    # edge lengths: ~ one cell (0.0625 degree) in km
    assert 4 < g.graph.length.min() <= g.graph.length.max() < 8


def test_adjacency_table_replaces_polygons_and_islands_are_bridged(tmp_path: Path) -> None:
    inst = read_instance(write_grid(tmp_path / "grid"))
    idx = node_ids(inst)
    edges = [(idx["c00"], idx["c01"], 3.0), (idx["c01"], idx["c02"], None)]  # the rest: islands
    g = build_graph(inst, edges)
    assert g.bridges == 6 and g.graph.n_components() == 1
    assert 3.0 in g.graph.length.tolist()


def test_accounts_without_units_use_their_nearest_neighbours(tmp_path: Path) -> None:
    inst = read_instance(write_instance(tmp_path / "tiny", TINY_ACCOUNTS, TINY_SELLERS))
    g = build_graph(inst)
    assert g.kind == "account" and g.ids == inst.accounts.ids
    assert g.graph.n_components() == 1
    # Paris accounts are closer to each other than to Lyon's
    d = g.graph.distances()
    assert d[0, 1] < d[0, 2]
    assert d[0, 1] == pytest.approx(g.graph.length[0], rel=1e-9) or d[0, 1] > 0
