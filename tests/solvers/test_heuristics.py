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


def _round_lp_loop(p, x) -> list[int]:
    """The rounding rule written as a plain loop over the items (the reference)."""
    score = np.asarray(x, dtype=float) - 1e-9 * (p.cost - p.cost.min(initial=0))
    out = []
    for i in range(p.n_items):
        lo, hi = int(p.indptr[i]), int(p.indptr[i + 1])
        own = np.flatnonzero(p.seller[lo:hi] == p.fixed[i]) if p.fixed[i] >= 0 else []
        out.append(lo + int(own[0]) if len(own) else lo + int(np.argmax(score[lo:hi])))
    return out


def test_vectorized_rounding_matches_the_loop_on_random_problems() -> None:
    from tests.solvers.test_pipeline import random_problem

    for seed in range(20):
        rng = np.random.default_rng(seed)
        p = random_problem(seed, n=30, m=4)
        fixed = np.where(rng.random(p.n_items) < 0.2, rng.integers(0, 4, p.n_items), -1)
        from dataclasses import replace

        p = replace(p, fixed=fixed)
        x = np.round(rng.random(p.nnz), 1)  # many ties
        assert round_lp(p, x).tolist() == _round_lp_loop(p, x)


def test_heuristics_stop_on_their_evaluation_budget() -> None:
    from tests.solvers.test_pipeline import random_problem

    p = random_problem(2, n=60, m=4)
    start = round_lp(p, np.zeros(p.nnz))
    # a budget of no evaluation leaves the choice as it was; a large one improves it
    assert improve(p, start, max_evals=0).tolist() == start.tolist()
    assert evaluate(p, improve(p, start, max_evals=10**9)).objective <= evaluate(p, start).objective
    assert repair(p, start, max_evals=0).tolist() == start.tolist()
    # the same budget gives the same result (a count, not a clock)
    assert improve(p, start, max_evals=50).tolist() == improve(p, start, max_evals=50).tolist()
