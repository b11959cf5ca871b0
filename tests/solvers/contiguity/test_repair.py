"""The heuristic enclave repair, on a path of five units."""

from __future__ import annotations

from allocate.solvers.contiguity.graph import count_enclaves
from allocate.solvers.contiguity.repair import repair_contiguity
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
    p = path_problem(cap1=1.0)  # seller 1 is full with unit 3
    out = repair_contiguity(p, path_graph(), SPLIT)
    assert out.tolist() == SPLIT.tolist()


def test_the_budget_caps_the_objective_increase() -> None:
    p = path_problem(cost1={4: 1.2})  # the move costs 0.2 on an objective of 5: 4 %
    assert repair_contiguity(p, path_graph(), SPLIT, budget=0.05).tolist() != SPLIT.tolist()
    assert repair_contiguity(p, path_graph(), SPLIT, budget=0.03).tolist() == SPLIT.tolist()


def test_a_large_enclave_stays() -> None:
    # seller 0 holds {0, 1} and {3, 4}: halves of equal workload, neither is an enclave
    half = path_choice([0, 0, 1, 0, 0])
    assert repair_contiguity(path_problem(), path_graph(), half).tolist() == half.tolist()


def test_the_repair_never_breaks_a_hard_band() -> None:
    # issue 15: capacities 16 and 4 set count targets of 4 and 1 (±10 %): the split plan meets
    # the band, handing the enclave over (3 and 2) would break it, so the split is kept and
    # reported (as non_contiguous_territories) instead
    from dataclasses import replace

    import numpy as np

    from allocate.solvers.problem import Balance, evaluate

    p = replace(
        path_problem(cap1=4.0),
        capacity=np.array([16.0, 4.0]),
        balance_groups=(np.array([0, 1]),),
        balances=(Balance("count", 0.1, hard=True),),
    )
    assert evaluate(p, SPLIT).feasible
    out = repair_contiguity(p, path_graph(), SPLIT)
    assert out.tolist() == SPLIT.tolist() and evaluate(p, out).feasible
    # without the band the same enclave moves
    loose = replace(p, balances=(Balance("count", 0.1, hard=False, weight=0.0),))
    assert repair_contiguity(loose, path_graph(), SPLIT).tolist() != SPLIT.tolist()
