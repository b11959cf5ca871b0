"""From an alignment and the nomenclature to dated actions: chains, lags and recurrences."""

from __future__ import annotations

import numpy as np

from allocate.schedule.plan.actions import expand_actions, occurrence_days
from tests.schedule.plan.builders import LEAD_ONLY, make_instance, random_instance, whole


def test_a_lead_becomes_a_chain_of_two_actions() -> None:
    inst = make_instance([45.0], [5.0], ["lead"], nomenclature=LEAD_ONLY)
    acts = expand_actions(inst, whole(inst), 7)
    assert acts.operation == ("call", "appt")
    assert acts.duration_min.tolist() == [15, 30]
    assert acts.once.all() and not acts.is_visit.any()
    assert acts.group.tolist() == [0, 0] and acts.chain_rank.tolist() == [0, 1]
    assert [(lag.pred, lag.succ, lag.lo, lag.hi) for lag in acts.lags] == [(0, 1, 1, 2)]
    assert acts.seller.tolist() == [0, 0] and len(acts) == 2 and acts.n_groups == 1


def test_occurrence_days() -> None:
    # once a week (46 times over 46 weeks), half a week in
    assert occurrence_days(46, 46, 14, 0.5) == [3, 10]
    assert occurrence_days(46, 46, 3, 0.5) == []


def test_recurring_operations_spread_over_the_horizon() -> None:
    inst = random_instance(n=200, seed=5)
    acts = expand_actions(inst, whole(inst), 91)
    rec = ~acts.once
    assert rec.any()
    weeks = np.bincount(acts.due[rec] // 7, minlength=13)
    assert weeks.min() > 0 and weeks.max() < 3 * weeks.mean()
    assert (acts.release[rec] <= acts.due[rec]).all()
