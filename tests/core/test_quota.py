"""The ``quota`` section of a scenario: bounds are checked where the data enters."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from allocate.core.quota import QuotaSpec
from allocate.core.scenario import Scenario


def test_defaults_and_a_scenario_without_quota_dumps_as_before() -> None:
    spec = QuotaSpec(total=1000)
    assert (spec.method, spec.blend, spec.floor, spec.cap, spec.rounding) == ("potential", 0.5, None, None, None)
    assert "quota" not in Scenario().model_dump(mode="json")  # run folders stay byte-identical


def test_a_scenario_with_quota_round_trips_through_its_dump() -> None:
    sc = Scenario.model_validate({"quota": {"total": 5e6, "method": "blend", "floor": 1e5, "rounding": 1000}})
    again = Scenario.model_validate(sc.model_dump(mode="json"))
    assert again.quota == sc.quota and again.quota is not None and again.quota.method == "blend"


@pytest.mark.parametrize(
    "data",
    [
        {"total": 0},  # a target must be positive
        {"total": 100, "method": "luck"},  # unknown method
        {"total": 100, "floor": 60, "cap": 50},  # floor above cap
        {"total": 100, "blend": 1.5},  # blend weight outside [0, 1]
        {"total": 100, "extra": 1},  # unknown key
    ],
)
def test_bad_quota_sections_are_refused(data: dict) -> None:
    with pytest.raises(ValidationError):
        QuotaSpec.model_validate(data)


@pytest.mark.parametrize("rounding", [1000.0, 30.0, math.inf, math.nan])
def test_a_rounding_the_total_is_no_multiple_of_is_refused(rounding: float) -> None:
    # total 100 by 1000 gave every seller 0 (total 0); by inf, NaN quotas
    with pytest.raises(ValidationError):
        QuotaSpec(total=100, rounding=rounding)
