"""Options of an action plan: validation and the plan's calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from allocate.schedule.plan.config import PlanConfig


@pytest.mark.parametrize(
    "options",
    [
        {"weeks": 0},
        {"weeks": 105},
        {"time_limit_s": 0.0},
        {"workers": 0},
        {"churn_rate": 1.5},
    ],
)
def test_invalid_options_raise(options: dict) -> None:
    with pytest.raises(ValueError):
        PlanConfig(**options)


def test_horizon_from_the_options() -> None:
    holiday = dt.date(2027, 1, 6)
    h = PlanConfig(weeks=2, start=dt.date(2027, 1, 4), holidays=frozenset({holiday})).horizon()
    assert (h.start, h.weeks, h.holidays, h.n_days) == (dt.date(2027, 1, 4), 2, {holiday}, 14)
    default = PlanConfig().horizon()
    assert default.start.weekday() == 0 and default.start > dt.date.today()
    assert default.weeks == 13
