"""The exact contiguous model on the 3 x 3 grid, against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from allocate.solvers.contiguity.exact import solve_contiguous
from allocate.solvers.contiguity.graph import count_enclaves
from allocate.solvers.problem import evaluate
from tests.unit_grid import choice_of, grid_graph, grid_neighbours, grid_problem


def test_brute_force_contiguous_optimum_is_16() -> None:
    # every one of the 2^9 alignments: the best contiguous one costs 16 h, the best one 14 h
    p, nb = grid_problem(), grid_neighbours()
    best, best_any = np.inf, np.inf
    for pick in itertools.product(range(2), repeat=p.n_items):
        choice = choice_of(p, {u for u, s in enumerate(pick) if s == 0})
        ev = evaluate(p, choice)
        if not ev.feasible:
            continue
        best_any = min(best_any, ev.objective)
        if count_enclaves(nb, np.arange(9), p.seller[choice]) == 0:
            best = min(best, ev.objective)
    assert best == pytest.approx(16.0)
    assert best_any == pytest.approx(14.0)


def test_from_a_split_start_the_model_proves_the_optimum() -> None:
    p = grid_problem()
    out = solve_contiguous(p, grid_graph(), choice_of(p, {0, 6}), 5.0, 1, 0)
    assert out.choice is not None and out.optimal
    assert count_enclaves(grid_neighbours(), np.arange(9), p.seller[out.choice]) == 0
    assert evaluate(p, out.choice).objective == pytest.approx(16.0)
    assert out.objective == pytest.approx(16.0) and out.bound == out.objective


def test_without_start_and_with_the_pipeline_bound() -> None:
    p = grid_problem()
    out = solve_contiguous(p, grid_graph(), None, 5.0, 1, 0, lower_bound=14.0)
    assert out.optimal and out.objective == pytest.approx(16.0)
    # a bound above the contiguous optimum cuts it: the next one is A = {c10}, 1 + 8 * 2 h
    out = solve_contiguous(p, grid_graph(), None, 5.0, 1, 0, lower_bound=16.5)
    assert out.objective == pytest.approx(17.0)
    assert out.choice is not None and out.choice.tolist() == choice_of(p, {3}).tolist()
