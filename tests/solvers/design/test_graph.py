"""DesignGraph: edges, duplicates, symmetric distances."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.solvers.design.graph import DesignGraph


def test_duplicates_keep_the_shortest_and_distances_are_symmetric() -> None:
    g = DesignGraph.from_edges(3, [(0, 1), (1, 0), (1, 2)], np.array([5.0, 2.0, 0.1]))
    assert len(g.u) == 2
    d = g.distances()
    assert d[0, 2] == pytest.approx(2.1)
    assert np.array_equal(d, d.T)
    assert g.neighbours == [[1], [0, 2], [1]]
    assert g.n_components() == 1


@pytest.mark.parametrize("edges,length", [([(0, 0)], [1.0]), ([(0, 3)], [1.0]), ([(0, 1)], [0.0])])
def test_bad_edges_refused(edges, length) -> None:
    with pytest.raises(ValueError):
        DesignGraph.from_edges(3, edges, np.array(length))
