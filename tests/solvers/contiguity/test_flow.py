"""The contiguity flow on the 3 x 3 grid: its variables, what it forbids, and its hint."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.sat.python import cp_model

from allocate.solvers.contiguity.flow import ContiguityFlow
from allocate.solvers.cpsat import AssignmentModel, solve_model
from allocate.solvers.scaling import scales_for
from tests.unit_grid import choice_of, grid_graph, grid_problem

A, B = 0, 1


def _flow(choice=None, graph=None) -> ContiguityFlow:
    p = grid_problem()
    return ContiguityFlow(AssignmentModel(p, scales_for(p), base=choice), graph or grid_graph())


def test_variables_of_the_grid() -> None:
    flow = _flow()
    # one bundle per unit: the unit literals are the assignment literals themselves
    assert flow.y_aux == [] and len(flow.y) == 18
    assert flow.units_of == {A: list(range(9)), B: list(range(9))}
    assert len(flow.r) == 18 and set(flow.active) == {(A, 0), (B, 0)}
    assert len(flow.f) == 2 * 2 * 12  # both directions of the 12 edges, per seller
    assert flow.size == {(A, 0): 9, (B, 0): 9}


def _forced(choice) -> int:
    """Status of the flow model with every assignment literal fixed to ``choice``."""
    p = grid_problem()
    model = AssignmentModel(p, scales_for(p))
    ContiguityFlow(model, grid_graph())
    chosen = set(choice.tolist())
    for k, e in enumerate(model.entries):
        model.model.add(model.x[k] == int(int(e) in chosen))
    return solve_model(model, 5.0, 1, 0).status


def test_a_split_territory_is_infeasible_a_connected_one_is_not() -> None:
    p = grid_problem()
    assert _forced(choice_of(p, {0, 6})) == cp_model.INFEASIBLE  # the west corners apart
    assert _forced(choice_of(p, {0})) == cp_model.OPTIMAL


def _hints(flow: ContiguityFlow) -> dict[int, int]:
    h = flow.m.model.Proto().solution_hint
    return dict(zip(h.vars, h.values, strict=True))


def test_hint_of_a_contiguous_start() -> None:
    p = grid_problem()
    start = choice_of(p, {0})
    flow = _flow(start)
    assert flow.hint(start) == 0
    hints = _hints(flow)
    roots = {key for key, r in flow.r.items() if hints.get(r.Index()) == 1}
    # A's base unit 3 is not A's: its root is its unit nearest to 3; B's root is its base 5
    assert roots == {(0, A), (5, B)}
    # B's flow leaves its root along a spanning tree: 7 units to feed
    out_of_root = sum(hints[f.Index()] for (u, _, s), f in flow.f.items() if u == 5 and s == B)
    assert out_of_root == 7
    assert all(hints[f.Index()] == 0 for (_, _, s), f in flow.f.items() if s == A)


def test_hint_of_a_split_start_covers_the_largest_pieces() -> None:
    p = grid_problem()
    start = choice_of(p, {0, 6})
    flow = _flow(start)
    assert flow.hint(start) == 1  # A is split
    hints = _hints(flow)
    x_hinted = {int(flow.m.entries[k]) for k, x in enumerate(flow.m.x) if x.Index() in hints}
    # A's pieces {0} and {6} are as large: the first ({0}) is kept, unit 6 is not hinted
    assert start[6] not in x_hinted and start[0] in x_hinted
    assert flow.r[(6, A)].Index() not in hints


def test_the_graph_must_match_the_model() -> None:
    with pytest.raises(ValueError, match="bundles"):
        _flow(graph=grid_graph(np.arange(8)))


def test_models_sharing_a_graph_are_identical() -> None:
    graph = grid_graph()
    start = choice_of(grid_problem(), {0})
    protos = []
    for _ in range(2):
        flow = _flow(start, graph)
        flow.hint(start)
        protos.append(str(flow.m.model.Proto()))
    assert protos[0] == protos[1]
    assert graph.units == list(range(9)) and graph.adj[0] == [1, 3]  # not modified
