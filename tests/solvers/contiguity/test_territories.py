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
