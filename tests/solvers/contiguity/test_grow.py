"""Contiguous warm starts: growing territories, then border moves that keep them connected."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.solvers.contiguity.graph import count_enclaves
from allocate.solvers.contiguity.grow import contiguous_starts, grow_contiguous, improve_contiguous
from allocate.solvers.problem import evaluate
from tests.solvers.contiguity.conftest import path_choice, path_graph, path_problem
from tests.unit_grid import choice_of, grid_graph, grid_neighbours, grid_problem


def _a_units(p, choice) -> set[int]:
    return {u for u in range(p.n_items) if p.seller[choice[u]] == 0}


def test_grow_frees_the_smaller_piece_and_the_neighbour_takes_it() -> None:
    # A holds the two west corners 0 and 6 (split); of equal workload, A keeps the piece of
    # the smallest unit (0); 6 borders only B's units, so B takes it
    p, graph = grid_problem(), grid_graph()
    out = grow_contiguous(p, graph, choice_of(p, {0, 6}))
    assert _a_units(p, out) == {0}
    assert count_enclaves(grid_neighbours(), graph.b_unit, p.seller[out]) == 0
    assert evaluate(p, out).objective == pytest.approx(16.0)  # the contiguous optimum


def test_grow_keeps_the_piece_around_the_base() -> None:
    # A holds units 2 and 3, apart: {2} weighs more, but 3 is A's base unit, so {3} stays
    p, graph = grid_problem(), grid_graph()
    out = grow_contiguous(p, graph, choice_of(p, {2, 3}))
    assert _a_units(p, out) == {3}


def test_grow_from_seeds_regrows_by_room() -> None:
    # seller 1 keeps only its base unit 3 and regrows; seller 0 (base 0) keeps unit 0 and
    # takes 1, then the emptiest seller takes its cheapest adjacent unit in turn
    p, graph = path_problem(), path_graph()
    out = grow_contiguous(p, graph, path_choice([0, 1, 1, 1, 1]), seeds_only=True)
    assert p.seller[out].tolist() == [0, 0, 1, 1, 1]
    assert count_enclaves(graph.adj, graph.b_unit, p.seller[out]) == 0


def test_grow_overloads_rather_than_leaving_a_unit_behind() -> None:
    # seller 1 has room for one unit only; unit 4 (freed) borders only seller 1's unit 3
    p, graph = path_problem(cap1=1.0), path_graph()
    out = grow_contiguous(p, graph, path_choice([0, 0, 0, 1, 0]))
    assert p.seller[out].tolist() == [0, 0, 0, 1, 1]
    assert evaluate(p, out).overload == pytest.approx(1.0)


def test_improve_moves_a_border_unit_that_saves_cost() -> None:
    # seller 1 serves unit 2 cheaper; unit 2 borders it and seller 0 stays connected
    p, graph = path_problem(cost1={2: 0.5}), path_graph()
    out = improve_contiguous(p, graph, path_choice([0, 0, 0, 1, 1]))
    assert p.seller[out].tolist() == [0, 0, 1, 1, 1]
    assert evaluate(p, out).objective == pytest.approx(4.5)


def test_improve_never_cuts_the_giver() -> None:
    # seller 1 serves unit 1 cheaper, but unit 1 does not border it: no move
    p, graph = path_problem(cost1={1: 0.1}), path_graph()
    start = path_choice([0, 0, 0, 1, 1])
    assert improve_contiguous(p, graph, start).tolist() == start.tolist()


def test_improve_lowers_the_overload_first() -> None:
    # A (capacity 3) holds 0 and 1: 5 h. Giving 0 to B keeps A connected and lowers the
    # overload, then 1 goes too
    p, graph = grid_problem(), grid_graph()
    out = improve_contiguous(p, graph, choice_of(p, {0, 1}))
    assert evaluate(p, out).overload == 0.0
    assert count_enclaves(grid_neighbours(), graph.b_unit, p.seller[out]) == 0


def test_contiguous_starts_are_both_growth_variants_polished() -> None:
    p, graph = path_problem(cost1={2: 0.5}), path_graph()
    start = path_choice([0, 1, 1, 1, 0])
    starts = contiguous_starts(p, graph, start, 1.0)
    expected = [
        improve_contiguous(p, graph, grow_contiguous(p, graph, start, seeds_only=s), 1.0)
        for s in (False, True)
    ]
    assert [s.tolist() for s in starts] == [e.tolist() for e in expected]
    assert all(count_enclaves(graph.adj, graph.b_unit, p.seller[s]) == 0 for s in starts)
    assert not np.array_equal(starts[0], start)


def test_a_small_budget_grows_one_start_and_a_clock_past_its_deadline_is_recorded() -> None:
    from allocate.solvers.budget import Clock

    p, graph = path_problem(cost1={2: 0.5}), path_graph()
    start = path_choice([0, 1, 1, 1, 0])
    one = contiguous_starts(p, graph, start, 0.5)
    assert len(one) == 1
    assert one[0].tolist() == contiguous_starts(p, graph, start, 1.0)[0].tolist()
    # the trial budget is a count: the same budget gives the same start every time
    assert improve_contiguous(p, graph, one[0], 0.5).tolist() == improve_contiguous(p, graph, one[0], 0.5).tolist()
    late = Clock.after(-1.0)
    improve_contiguous(p, graph, grow_contiguous(p, graph, start), 1.0, late)
    assert late.stopped == ["contiguous start search"]
