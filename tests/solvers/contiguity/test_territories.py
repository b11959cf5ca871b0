"""Incremental prices of unit moves agree with a full evaluation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocate.solvers.contiguity.territories import Territories
from allocate.solvers.problem import evaluate
from tests.solvers.contiguity.test_repair import grid_cases


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grid_cases(), st.lists(st.tuples(st.integers(0, 15), st.integers(0, 2)), min_size=1, max_size=8))
def test_prices_and_totals_match_a_full_evaluation(case, moves) -> None:
    p, graph, choice = case
    t = Territories(p, graph, choice)
    for u, r in moves:
        s = t.owner[u]
        trial = t.price([u], s, r)
        if trial is None:
            assert t.offer(u, r) is None
            continue
        before = evaluate(p, t.choice)
        old = t.objective()
        t.move([u], r)
        after = evaluate(p, t.choice)
        assert t.objective() == pytest.approx(after.objective, abs=1e-6)
        assert trial.delta == pytest.approx(after.objective - old, abs=1e-6)
        if before.feasible and not trial.worsens:
            assert after.feasible  # a move that worsens no hard rule keeps a feasible plan
        assert np.allclose(t.loads, np.bincount(p.seller[t.choice], weights=p.load[t.choice], minlength=p.n_sellers))


def test_the_owner_and_members_follow_the_moves() -> None:
    from tests.solvers.contiguity.conftest import path_choice, path_graph, path_problem

    p, graph = path_problem(), path_graph()
    t = Territories(p, graph, path_choice([0, 0, 0, 1, 0]))
    assert t.members[1] == {3} and t.split_count() == 1 and t.stays_connected(0, 1) is False
    t.move([4], 1)
    assert t.owner[4] == 1 and t.members[1] == {3, 4} and t.split_count() == 0
    assert t.neighbours_of([2], 0) == [1]


def test_moves_of_a_unit_whose_accounts_have_several_sellers_today_are_counted_as_evaluate_does() -> None:
    # a unit's bundle may hold accounts of both sellers today: 3 with seller 0 and 2 with
    # seller 1 (the generated 20k instance: about 10 accounts per unit, of mixed sellers). The
    # prices once counted all 5 as moving whenever the bundle's recorded seller was the other one
    from dataclasses import replace

    from tests.solvers.contiguity.conftest import path_choice, path_graph, path_problem

    base = path_problem()
    count = np.full(5, 5, dtype=np.int64)
    stays = np.tile([3, 2], 5)  # per entry: accounts whose seller today is the entry's seller
    p = replace(
        base, count=count, movable=count.copy(), stays=stays, current=np.zeros(5, dtype=np.int64), move_weight=1.0
    )
    t = Territories(p, path_graph(), path_choice([0, 0, 0, 1, 1]))
    assert t.moves == evaluate(p, t.choice).moves == 2 + 2 + 2 + 3 + 3
    trial = t.price([2], 0, 1)
    assert trial is not None
    old = t.objective()
    t.move([2], 1)
    after = evaluate(p, t.choice)
    assert t.objective() == pytest.approx(after.objective) and after.moves == 12 + 1
    assert trial.delta == pytest.approx(after.objective - old)
