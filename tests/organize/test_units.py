"""The unit arrays of a geographic model, read off the 3 x 3 grid instance."""

from __future__ import annotations

import numpy as np
import pytest

from allocate import read_instance
from allocate.core.scenario import Scenario
from allocate.organize.presets import build_model
from allocate.organize.units import base_units, bundle_units, unit_graph
from tests.unit_grid import CELL_DEG, write_grid


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory):
    return read_instance(write_grid(tmp_path_factory.mktemp("grid")))


def test_each_bundle_sits_in_its_accounts_unit(grid) -> None:
    mp = build_model(grid, Scenario(model="geography"))
    b_unit = bundle_units(grid, mp)
    assert len(b_unit) == mp.problem.n_items == 9
    for r in range(len(mp.rows)):
        assert b_unit[mp.rows.bundle[r]] == grid.accounts.unit[mp.rows.account[r]]


def test_bundles_outside_the_graph(grid) -> None:
    # an account locked to its seller (A) is a bundle of its own, outside the unit graph
    from dataclasses import replace

    locked = np.zeros(len(grid.accounts), dtype=bool)
    locked[0] = True
    accounts = replace(grid.accounts, locked=locked, current_seller=np.zeros(len(locked), dtype=np.int64))
    inst = replace(grid, accounts=accounts)
    mp = build_model(inst, Scenario(model="geography"))
    b_unit = bundle_units(inst, mp)
    row = int(np.flatnonzero(mp.rows.account == 0)[0])
    assert b_unit[mp.rows.bundle[row]] == -1
    assert sorted(b_unit[b_unit >= 0].tolist()) == sorted(set(range(9)) - {int(grid.accounts.unit[0])})


def test_base_units_cover_else_nearest(grid) -> None:
    ids = list(grid.units.ids)
    # both bases lie outside the grid, level with its middle row: A west of c10, B east of c12
    assert [ids[u] for u in base_units(grid, list(range(9)))] == ["c10", "c12"]
    # among the far corners only: A's nearest is c00, B's is c22
    corners = [ids.index("c00"), ids.index("c22")]
    assert [ids[u] for u in base_units(grid, corners)] == ["c00", "c22"]
    assert base_units(grid, []).tolist() == [-1, -1]


def test_unit_graph_of_the_grid(grid) -> None:
    mp = build_model(grid, Scenario(model="geography"))
    graph = unit_graph(grid, bundle_units(grid, mp))
    ids = list(grid.units.ids)
    assert len(graph.units) == 9 and graph.units == sorted(graph.units)
    assert graph.n_comps == 1 and set(graph.comp_of.values()) == {0}
    # squares meet at points diagonally: a corner borders two cells, the centre four
    assert sorted(ids[v] for v in graph.adj[ids.index("c00")]) == ["c01", "c10"]
    assert len(graph.adj[ids.index("c11")]) == 4
    assert [ids[u] for u in graph.base_unit] == ["c10", "c12"]
    x, y = graph.centroid[ids.index("c11")]
    assert (x, y) == pytest.approx((2.0 + 1.5 * CELL_DEG, 45.0 + 1.5 * CELL_DEG))
