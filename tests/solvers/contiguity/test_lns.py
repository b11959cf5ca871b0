"""The contiguity LNS: touching sellers, and a search on the 3 x 3 grid."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.solvers.contiguity.graph import count_enclaves
from allocate.solvers.contiguity.lns import contiguous_lns, touching_sellers
from allocate.solvers.problem import evaluate
from tests.solvers.contiguity.conftest import PATH
from tests.unit_grid import choice_of, grid_graph, grid_neighbours, grid_problem


def test_touching_sellers_on_a_path() -> None:
    b_unit = np.arange(5)
    # sellers 0 | 1 1 | 2 | 0 on units 0 - 1 - 2 - 3 - 4; seller 3 has nothing
    b_seller = np.array([0, 1, 1, 2, 0])
    assert touching_sellers(PATH, b_unit, b_seller, 4) == [[1, 2], [0, 2], [0, 1], []]


def test_the_search_reaches_the_grid_optimum() -> None:
    p = grid_problem()
    outs = [contiguous_lns(p, grid_graph(), choice_of(p, {0, 6}), 3.0, seed=1) for _ in range(2)]
    out = outs[0]
    assert count_enclaves(grid_neighbours(), np.arange(9), p.seller[out]) == 0
    assert evaluate(p, out).objective == pytest.approx(16.0)
    assert outs[1].tolist() == out.tolist()  # the same seed, the same alignment


def test_the_search_never_trades_a_hard_band_for_contiguity() -> None:
    # the path case of the repair test: the band (count targets 4 and 1, ±10 %) holds with
    # the split start and with {0, 1, 2, 3} / {4}, not with the grown start {0, 1, 2} / {3, 4}
    from dataclasses import replace

    import numpy as np

    from allocate.solvers.contiguity.lns import contiguous_lns
    from allocate.solvers.problem import Balance, evaluate
    from tests.solvers.contiguity.conftest import path_choice, path_graph, path_problem

    p = replace(
        path_problem(cap1=4.0),
        capacity=np.array([16.0, 4.0]),
        balance_groups=(np.array([0, 1]),),
        balances=(Balance("count", 0.1, hard=True),),
    )
    split = path_choice([0, 0, 0, 1, 0])
    out = contiguous_lns(p, path_graph(), split, 2.0, 0)
    assert evaluate(p, out).feasible
    assert count_enclaves(PATH, path_graph().b_unit, p.seller[out]) == 0
