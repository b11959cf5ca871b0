"""Scenario: defaults, bounds and the max_moves rule."""

from __future__ import annotations

import typing

import pytest
from pydantic import ValidationError

from allocate.core.scenario import PRESETS, BalanceSet, BalanceSpec, Scenario, Weights


def test_defaults():
    sc = Scenario()
    assert sc.model == "geography"
    assert sc.weights == Weights(travel=1.0, move=None, compactness=0.2)
    # the weight of a move is the model's unless set: geography is the redesign for travel
    assert sc.weights.move_for("geography") == 0.15
    assert sc.weights.move_for("size") == 0.25
    assert Weights(move=0.3).move_for("geography") == 0.3
    assert sc.balance.workload == BalanceSpec(tolerance=0.15, hard=False, weight=2.0)
    assert sc.balance.potential == BalanceSpec(tolerance=0.30, weight=0.05)
    assert sc.balance.count is None
    assert sc.max_moves is None and sc.max_moves_share is None
    assert (sc.candidates, sc.time_limit_s, sc.workers, sc.seed, sc.deterministic) == (8, 30.0, 2, 0, True)
    assert (sc.circuity, sc.speed_kmh) == (1.3, 70.0)


def test_presets_are_the_model_choices():
    assert set(PRESETS) == set(typing.get_args(Scenario.model_fields["model"].annotation))
    for name in PRESETS:
        assert Scenario(model=name).model == name


def test_max_moves_and_share_together_are_refused():
    with pytest.raises(ValidationError, match="give max_moves or max_moves_share, not both"):
        Scenario(max_moves=3, max_moves_share=0.1)
    assert Scenario(max_moves=3).max_moves == 3
    assert Scenario(max_moves_share=0.1).max_moves_share == 0.1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": "random"},
        {"max_moves": -1},
        {"max_moves_share": 1.5},
        {"candidates": 0},
        {"candidates": 1001},
        {"radius_km": 0},
        {"circuity": 0.99},
        {"speed_kmh": 0},
        {"time_limit_s": 0},
        {"workers": 0},
        {"workers": 65},
        {"seed": -1},
        {"churn_rate": 1.1},
        {"contiguity_budget": -0.1},
        {"hybrid_outer": "geography"},
        {"unknown_knob": 1},  # typos are errors, not silently ignored
        # issue 14 item 11: values our checks passed but OR-Tools or the scaling did not
        {"seed": 2**31},  # CP-SAT's random_seed is a 32-bit integer
        {"time_limit_s": float("inf")},  # ran forever
        {"time_limit_s": 1e300},
        {"weights": {"travel": 1e300}},  # overflowed the 64-bit coefficients
        {"weights": {"move": float("inf")}},
        {"weights": {"compactness": float("nan")}},
        {"balance": {"count": {"tolerance": 0.1, "weight": float("inf")}}},
        {"max_moves": 10**20},  # larger than a 64-bit integer
        {"speed_kmh": float("inf")},
        {"circuity": float("nan")},
    ],
)
def test_bounds(kwargs):
    with pytest.raises(ValidationError):
        Scenario(**kwargs)


def test_nested_specs_are_validated():
    with pytest.raises(ValidationError):
        BalanceSpec(tolerance=-0.1)
    with pytest.raises(ValidationError):
        Weights(move=-1)
    sc = Scenario.model_validate({"balance": {"workload": None, "count": {"tolerance": 0.2}}})
    assert sc.balance.workload is None
    assert sc.balance.count == BalanceSpec(tolerance=0.2, hard=False, weight=1.0)
    assert sc.balance.potential == BalanceSet().potential


def test_scenario_is_frozen():
    with pytest.raises(ValidationError):
        Scenario().seed = 3  # type: ignore[misc]


def test_the_largest_accepted_values_are_accepted():
    from allocate.core.scenario import MAX_SEED, MAX_TIME_LIMIT_S, MAX_WEIGHT

    sc = Scenario(seed=MAX_SEED, time_limit_s=MAX_TIME_LIMIT_S, weights=Weights(travel=MAX_WEIGHT))
    assert sc.seed == 2**31 - 1


def test_resolved_writes_the_model_default_and_keeps_a_set_weight():
    from allocate.core.scenario import resolved

    assert resolved(Scenario(model="geography")).weights.move == 0.15
    assert resolved(Scenario(model="size")).weights.move == 0.25
    assert resolved(Scenario(model="geography"), "roles").weights.move == 0.25
    set_ = Scenario(model="geography", weights={"move": 0.5})
    assert resolved(set_) is set_
