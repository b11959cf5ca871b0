"""The unit graph and the pieces of territories, on the 3 x 3 grid of ``tests.unit_grid``."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.solvers.contiguity.graph import (
    UnitGraph,
    components,
    count_enclaves,
    held_units,
    seller_units,
    split_sellers,
    territory_components,
)
from tests.unit_grid import grid_graph, grid_neighbours

#   6 7 8
#   3 4 5
#   0 1 2


def test_components_of_a_subset() -> None:
    nb = grid_neighbours()
    assert components(nb, [0, 6]) == [{0}, {6}]  # two corners: not adjacent
    assert components(nb, [8, 0, 3, 6, 2]) == [{0, 3, 6}, {2}, {8}]  # by smallest unit
    assert components(nb, range(9)) == [set(range(9))]
    assert components(nb, []) == []


def test_seller_units_skip_items_outside_the_graph() -> None:
    b_unit = np.array([0, 1, -1, 1])
    b_seller = np.array([1, 0, 0, 1])
    assert seller_units(b_unit, b_seller) == {1: {0, 1}, 0: {1}}


def test_territory_components_and_enclaves() -> None:
    nb = grid_neighbours()
    b_unit = np.arange(9)
    # seller 0: the west corners 0 and 6 (split), seller 1: the rest (connected through 3? no)
    b_seller = np.array([0, 1, 1, 1, 1, 1, 0, 1, 1])
    pieces = territory_components(nb, seller_units(b_unit, b_seller))
    assert pieces[0] == [{0}, {6}]
    assert pieces[1] == [{1, 2, 3, 4, 5, 7, 8}]
    assert count_enclaves(nb, b_unit, b_seller) == 1
    # unit 3 to seller 0 joins its corners: no enclave left
    b_seller[3] = 0
    assert count_enclaves(nb, b_unit, b_seller) == 0
    # seller 1 cut in two by a wall of seller 0 through the middle column
    b_seller = np.array([1, 0, 1, 1, 0, 1, 1, 0, 1])
    assert count_enclaves(nb, b_unit, b_seller) == 1


def test_held_units() -> None:
    assert held_units(np.array([4, -1, 2, 4, 0])) == [0, 2, 4]
    assert held_units(np.array([-1, -1])) == []


def test_unit_graph_restricted_to_held_units() -> None:
    # items in units 0, 1, 2 and 8 only: 8 is cut off from the bottom row
    graph = grid_graph(np.array([0, 1, 2, 8, 1, -1, -1, -1, -1]))
    assert graph.units == [0, 1, 2, 8]
    assert graph.adj == {0: [1], 1: [0, 2], 2: [1], 8: []}
    assert graph.n_comps == 2
    assert graph.comp_of == {0: 0, 1: 0, 2: 0, 8: 1}


def test_unit_graph_of_the_whole_grid() -> None:
    graph = grid_graph()
    assert graph.units == list(range(9)) and graph.n_comps == 1
    assert sorted(graph.adj[4]) == [1, 3, 5, 7]
    assert graph.base_unit.tolist() == [3, 5]
    assert graph.dist2(0, 8) == pytest.approx(8.0)  # centroids (0.5, 0.5) and (2.5, 2.5)
    assert graph.dist2(3, 3) == 0.0


def test_unit_graph_is_shared_not_copied() -> None:
    nb = grid_neighbours()
    b_unit = np.arange(9)
    graph = UnitGraph.build(nb, b_unit, base_unit=np.array([0, 0]), centroid=np.zeros((9, 2)))
    assert graph.b_unit is b_unit


def test_island_splits_are_told_apart() -> None:
    from allocate.solvers.contiguity.graph import count_enclaves, count_island_splits

    # items in units 0, 1, 2 (bottom row) and 8 (cut off once the middle row holds none)
    b_unit = np.array([0, 1, 2, 8])
    nb = grid_neighbours()
    # seller 0: {0} and the island {8}; seller 1: {1, 2}
    assert count_enclaves(nb, b_unit, np.array([0, 1, 1, 0])) == 1
    assert count_island_splits(nb, b_unit, np.array([0, 1, 1, 0])) == 1
    # seller 0: {0, 2}, split within the bottom row: no island justifies it
    assert count_enclaves(nb, b_unit, np.array([0, 1, 0, 1])) == 2
    assert count_island_splits(nb, b_unit, np.array([0, 1, 0, 1])) == 1  # seller 1: {1}, {8}


def test_split_sellers_count_pieces_per_component() -> None:
    # the graph of units 0, 1, 2 and 8 has two components: {0, 1, 2} and {8}
    graph = grid_graph(np.array([0, 1, 2, 8]))
    b_unit = graph.b_unit
    # seller 0 holds 0 and 8: one piece in each component, not split
    assert split_sellers(graph.adj, b_unit, np.array([0, 1, 1, 0]), graph.comp_of) == set()
    # seller 0 holds 0 and 2 around seller 1's unit 1: split
    assert split_sellers(graph.adj, b_unit, np.array([0, 1, 0, 1]), graph.comp_of) == {0}
