"""The objective term by term: the terms add up to the objective the solver minimizes."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.analysis.objective import objective_terms
from allocate.core.scenario import Scenario, resolved
from allocate.organize.presets import build_model
from allocate.solvers.problem import evaluate


@pytest.mark.parametrize("model", ["geography", "size", "value_proposition"])
def test_terms_add_up_to_the_objective(tiny, model) -> None:
    mp = build_model(tiny, resolved(Scenario(model=model)))
    p = mp.problem
    rng = np.random.default_rng(3)
    for _ in range(5):
        choice = np.array([rng.integers(p.indptr[i], p.indptr[i + 1]) for i in range(p.n_items)])
        terms = objective_terms(mp, choice)
        keys = [t.key for t in terms]
        assert keys[0] == "travel" and keys[-1] == "moves"
        assert ("compactness" in keys) == (model == "geography")
        assert {"balance_load", "balance_potential"} <= set(keys)
        ev = evaluate(p, choice)
        assert sum(t.value for t in terms) == pytest.approx(ev.objective)
        by = {t.key: t for t in terms}
        assert by["moves"].amount == ev.moves
        assert by["moves"].weight == (0.15 if model == "geography" else 0.25)
        assert all(t.value == pytest.approx(t.weight * t.amount * (1e-3 if t.key == "balance_potential" else 1)) for t in terms)


def test_travel_is_the_travel_without_compactness(tiny) -> None:
    with_c = build_model(tiny, resolved(Scenario()))
    without = build_model(tiny, resolved(Scenario(weights={"compactness": 0.0})))
    choice = with_c.problem.indptr[:-1]  # the first candidate of each item
    assert with_c.problem.seller[choice].tolist() == without.problem.seller[without.problem.indptr[:-1]].tolist()
    travel = objective_terms(with_c, choice)[0]
    assert travel.amount == pytest.approx(float(without.problem.cost[without.problem.indptr[:-1]].sum()))
