"""LP rounding, capacity repair and shift moves on the hand-checked three-item case."""

from __future__ import annotations

import numpy as np

from allocate.solvers.heuristics import improve, repair, round_lp
from allocate.solvers.problem import evaluate
from tests.solvers.cpsat.conftest import three_items


def test_round_lp_takes_the_largest_value_and_honours_locks() -> None:
    x = np.array([0.9, 0.1, 0.4, 0.6, 0.5, 0.5])  # item 2: a tie, broken by the lower cost (seller 1)
    assert round_lp(three_items(), x).tolist() == [0, 3, 5]
    locked = three_items(fixed=np.array([1, -1, -1]))
    assert round_lp(locked, x).tolist() == [1, 3, 5]


def test_repair_moves_the_cheapest_item_out_of_an_overload() -> None:
    p = three_items()
    out = repair(p, np.array([0, 2, 4]))  # seller 0 holds 6 h on 4: one item must go
    assert evaluate(p, out).feasible
    assert out.tolist() == [0, 2, 5]  # item 2 costs only 1 more at seller 1 (the others 3 and 4)


def test_improve_shifts_items_to_cheaper_sellers_with_room() -> None:
    p = three_items()
    start = np.array([1, 2, 5])  # item 0 at seller 1 (cost 5): seller 0 has room for it
    out = improve(p, start)
    assert evaluate(p, out).objective < evaluate(p, start).objective
    assert out.tolist() == [0, 2, 5]
