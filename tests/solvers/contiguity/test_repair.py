"""The enclave repair, on a path of units: hand-overs, ejection, islands, hard rules."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocate.solvers.budget import Clock
from allocate.solvers.contiguity.graph import UnitGraph, count_enclaves
from allocate.solvers.contiguity.repair import repair_contiguity
from allocate.solvers.contiguity.territories import Territories
from allocate.solvers.problem import AssignmentProblem, Balance, evaluate
from tests.solvers.contiguity.conftest import PATH, path_choice, path_graph, path_problem

#: seller 0 holds {0, 1, 2} and the enclave {4}; seller 1 holds {3}
SPLIT = path_choice([0, 0, 0, 1, 0])


def test_the_enclave_goes_to_the_neighbour() -> None:
    p, graph = path_problem(), path_graph()
    assert count_enclaves(PATH, graph.b_unit, p.seller[SPLIT]) == 1
    out = repair_contiguity(p, graph, SPLIT)
    assert p.seller[out].tolist() == [0, 0, 0, 1, 1]
    assert count_enclaves(PATH, graph.b_unit, p.seller[out]) == 0
    assert SPLIT.tolist() == [0, 2, 4, 7, 8]  # the input is not modified


def test_no_room_at_the_neighbour_keeps_the_enclave() -> None:
    p = path_problem(cap1=1.0)  # seller 1 is full with unit 3, and has nothing to hand on
    out = repair_contiguity(p, path_graph(), SPLIT, then_any_cost=True)
    assert out.tolist() == SPLIT.tolist()


def test_the_budget_caps_the_objective_increase() -> None:
    # the move costs 0.2 on an objective of 5: 4 % (giving the core {0, 1, 2} away costs 3)
    p = path_problem(cost1={4: 1.2, 0: 2.0, 1: 2.0, 2: 2.0})
    assert repair_contiguity(p, path_graph(), SPLIT, budget=0.05).tolist() != SPLIT.tolist()
    assert repair_contiguity(p, path_graph(), SPLIT, budget=0.03).tolist() == SPLIT.tolist()
    # contiguity first: the uncapped pass hands it over anyway
    assert repair_contiguity(p, path_graph(), SPLIT, budget=0.03, then_any_cost=True).tolist() != SPLIT.tolist()


def test_a_large_enclave_goes_too() -> None:
    # seller 0 holds {0, 1} (its base) and {3, 4}: the half away from its base is handed over
    half = path_choice([0, 0, 1, 0, 0])
    out = repair_contiguity(path_problem(), path_graph(), half)
    assert path_problem().seller[out].tolist() == [0, 0, 1, 1, 1]


def test_the_repair_never_breaks_a_hard_band() -> None:
    # issue 15: capacities 16 and 4 set count targets of 4 and 1 (±10 %): the split plan meets
    # the band, handing the enclave over (3 and 2) would break it, so the split is kept and
    # reported (as non_contiguous_territories) instead
    p = replace(
        path_problem(cap1=4.0),
        capacity=np.array([16.0, 4.0]),
        balance_groups=(np.array([0, 1]),),
        balances=(Balance("count", 0.1, hard=True),),
    )
    assert evaluate(p, SPLIT).feasible
    out = repair_contiguity(p, path_graph(), SPLIT, then_any_cost=True)
    assert out.tolist() == SPLIT.tolist() and evaluate(p, out).feasible
    # without the band the same enclave moves
    loose = replace(p, balances=(Balance("count", 0.1, hard=False, weight=0.0),))
    assert repair_contiguity(loose, path_graph(), SPLIT).tolist() != SPLIT.tolist()


# -- a path of six units, three sellers: A = {0, 1} + enclave {5}, C = {2}, B = {3, 4} --

SIX = [[1], [0, 2], [1, 3], [2, 4], [3, 5], [4]]


def _six(cap_b: float) -> tuple[AssignmentProblem, UnitGraph]:
    n, m = 6, 3
    p = AssignmentProblem(
        capacity=np.array([10.0, cap_b, 2.0]),
        indptr=np.arange(0, m * n + 1, m),
        seller=np.tile(np.arange(m), n),
        cost=np.ones(m * n),
        load=np.ones(m * n),
    )
    centroid = np.array([[float(u), 0.0] for u in range(n)])
    return p, UnitGraph.build(SIX, np.arange(n), base_unit=np.array([0, 4, 2]), centroid=centroid)


def _six_choice(sellers: list[int]) -> np.ndarray:
    return np.array([3 * u + s for u, s in enumerate(sellers)])


def test_a_full_neighbour_makes_room_by_ejection() -> None:
    # regression (issue 15): the enclave {5} borders only B, full at 2 units, and C (room for
    # one more unit) cannot take A's core {0, 1}; the old repair (whole hand-overs only) left
    # A split. B hands its border unit 3 on to C, then takes 5.
    p, graph = _six(cap_b=2.0)
    start = _six_choice([0, 0, 2, 1, 1, 0])
    assert count_enclaves(SIX, graph.b_unit, p.seller[start]) == 1 and evaluate(p, start).feasible
    out = repair_contiguity(p, graph, start, then_any_cost=True)
    assert p.seller[out].tolist() == [0, 0, 2, 2, 1, 1]
    assert count_enclaves(SIX, graph.b_unit, p.seller[out]) == 0
    assert evaluate(p, out).feasible


def test_an_island_is_no_split() -> None:
    # units 0 - 1 - 2 and the island 3: A holds 0 and the island, one piece per component
    adj = [[1], [0, 2], [1], []]
    p = AssignmentProblem(
        capacity=np.array([10.0, 10.0]),
        indptr=np.arange(0, 9, 2),
        seller=np.tile([0, 1], 4),
        cost=np.ones(8),
        load=np.ones(8),
    )
    graph = UnitGraph.build(adj, np.arange(4), base_unit=np.array([0, 2]), centroid=np.zeros((4, 2)))
    start = np.array([0, 3, 5, 6])  # A: {0, 3}, B: {1, 2}
    assert count_enclaves(adj, graph.b_unit, p.seller[start]) == 1  # the KPI counts it ...
    assert Territories(p, graph, start).split_count() == 0  # ... but it is an island, no split
    assert repair_contiguity(p, graph, start, then_any_cost=True).tolist() == start.tolist()


def test_the_trial_budget_and_the_clock_stop_the_repair() -> None:
    p, graph = path_problem(), path_graph()
    assert repair_contiguity(p, graph, SPLIT, trials=0).tolist() == SPLIT.tolist()
    clock = Clock(deadline=0.0)  # long passed
    out = repair_contiguity(p, graph, SPLIT, clock=clock)
    assert out.tolist() == SPLIT.tolist() and clock.stopped == ["contiguity repair"]


# -- property: a 4 x 4 grid, three sellers, random data and rules ------------------------------

SIDE = 4


def _grid_adj() -> list[list[int]]:
    out = []
    for u in range(SIDE * SIDE):
        r, c = divmod(u, SIDE)
        out.append([v for v in (u - SIDE, u + SIDE, u - 1 if c else -1, u + 1 if c < SIDE - 1 else -1) if 0 <= v < SIDE * SIDE])
    return out


@st.composite
def grid_cases(draw):
    n, m = SIDE * SIDE, 3
    sellers = draw(st.lists(st.integers(0, m - 1), min_size=n, max_size=n))
    # each item a candidate of one, two or three sellers, always of its own
    rows = []
    for u in range(n):
        extra = draw(st.sets(st.integers(0, m - 1), max_size=2))
        rows.append(sorted({sellers[u]} | extra))
    indptr = np.cumsum([0] + [len(r) for r in rows])
    seller = np.array([s for r in rows for s in r])
    cost = np.array(draw(st.lists(st.floats(0.0, 5.0), min_size=len(seller), max_size=len(seller))))
    load = np.array(draw(st.lists(st.floats(0.1, 3.0), min_size=len(seller), max_size=len(seller))))
    count = np.array(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    current = np.array(draw(st.lists(st.integers(-1, m - 1), min_size=n, max_size=n)))
    choice = np.array([int(indptr[u]) + rows[u].index(sellers[u]) for u in range(n)])
    loads = np.bincount(seller[choice], weights=load[choice], minlength=m)
    slack = draw(st.sampled_from([0.0, 0.5, 3.0]))
    balances = []
    if draw(st.booleans()):
        balances.append(Balance(draw(st.sampled_from(["load", "count", "potential"])), draw(st.sampled_from([0.2, 0.5, 1.0])), hard=draw(st.booleans()), weight=0.5))
    p = AssignmentProblem(
        capacity=loads + slack,
        indptr=indptr,
        seller=seller,
        cost=cost,
        load=load,
        count=count,
        potential=np.array(draw(st.lists(st.floats(0.0, 100.0), min_size=n, max_size=n))),
        max_items=np.array([draw(st.sampled_from([-1, 20, 60])) for _ in range(m)]),
        current=current,
        balance_groups=(np.arange(m),) if balances else (),
        balances=tuple(balances),
        move_weight=draw(st.sampled_from([0.0, 0.3])),
        max_moves=draw(st.sampled_from([None, 10, 40])),
    )
    graph = UnitGraph.build(_grid_adj(), np.arange(n), base_unit=np.array([0, SIDE - 1, n - 1]), centroid=np.zeros((n, 2)))
    return p, graph, choice


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grid_cases(), st.booleans())
def test_the_repair_never_breaks_a_hard_rule(case, any_cost) -> None:
    p, graph, choice = case
    before = evaluate(p, choice)
    out = repair_contiguity(p, graph, choice, then_any_cost=any_cost)
    after = evaluate(p, out)
    if before.feasible:
        assert after.feasible
    # never more splits than before, only the graph's items move, to candidates
    splits = Territories(p, graph, choice).split_count()
    assert Territories(p, graph, out).split_count() <= splits
    items = np.arange(p.n_items)
    assert np.all((out >= p.indptr[items]) & (out < p.indptr[items + 1]))


def _with_a_group_outside_the_graph(fixed_group: int = -1) -> tuple[AssignmentProblem, UnitGraph, np.ndarray]:
    """The path's five units (each unit's own seller far cheaper: no unit moves) and a sixth
    item outside the unit graph (a multi-site group) on seller 0; a soft load band of 0 %."""
    cost = np.array([[1, 9], [1, 9], [1, 9], [9, 1], [9, 1], [1, 1]], dtype=float)
    p = AssignmentProblem(
        capacity=np.array([10.0, 10.0]),
        indptr=np.arange(0, 13, 2),
        seller=np.tile([0, 1], 6),
        cost=cost.reshape(-1),
        load=np.ones(12),
        fixed=np.array([-1, -1, -1, -1, -1, fixed_group]),
        balance_groups=(np.array([0, 1]),),
        balances=(Balance("load", 0.0, weight=1.0),),
    )
    centroid = np.array([[float(u), 0.0] for u in range(5)])
    graph = UnitGraph.build(PATH, np.array([0, 1, 2, 3, 4, -1]), base_unit=np.array([0, 3]), centroid=centroid)
    return p, graph, np.array([0, 2, 4, 7, 9, 10])  # loads 4 and 2: the band is 2 off


def test_a_group_outside_the_unit_graph_moves_to_mend_the_balance() -> None:
    p, graph, choice = _with_a_group_outside_the_graph()
    out = repair_contiguity(p, graph, choice)
    assert p.seller[out].tolist() == [0, 0, 0, 1, 1, 1]  # 3 and 3, every unit where it was
    assert evaluate(p, out).objective < evaluate(p, choice).objective
    assert repair_contiguity(p, graph, choice, rebalance=False).tolist() == choice.tolist()


def test_a_locked_group_outside_the_unit_graph_stays() -> None:
    p, graph, choice = _with_a_group_outside_the_graph(fixed_group=0)
    assert repair_contiguity(p, graph, choice).tolist() == choice.tolist()
