"""One seller's problem: binding weeks, groups and why a group cannot be planned at all."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from allocate.schedule.plan.seller import group_members, precheck
from tests.schedule.plan.builders import desk_problem


def test_binding_weeks_are_those_holding_less_than_their_days() -> None:
    p = desk_problem([30], [0], [60] * 5 + [0, 0] + [60] * 5 + [0, 0])
    assert p.n == 1
    assert p.binding_weeks.size == 0  # no week cap
    p = replace(p, week_cap=np.array([200, 300]))
    assert p.binding_weeks.tolist() == [True, False]


def test_groups_list_their_members_in_chain_order() -> None:
    p = replace(desk_problem([10, 10, 10], [1, 0, 1], [60]), chain_rank=np.array([1, 0, 0]))
    assert group_members(p) == {0: [1], 1: [2, 0]}


def test_precheck_reasons() -> None:
    long = desk_problem([90], [0], [60])
    assert precheck(long, [0]) == "capacity"  # longer than any day
    assert precheck(replace(long, free_cap=np.array([120])), [0]) == "calendar"
    # 0 -> 1 exactly one day apart, but day 1 is off (on the plain calendar too)
    gap = desk_problem([30, 30], [0, 0], [60, 0, 60], lags=((0, 1, 1, 1),))
    assert precheck(gap, [0, 1]) == "lag"
    # five days apart on a three-day horizon
    far = desk_problem([30, 30], [0, 0], [60, 60, 60], lags=((0, 1, 5, -1),))
    assert precheck(far, [0, 1]) == "horizon"
    assert precheck(desk_problem([30, 30], [0, 0], [60, 60], lags=((0, 1, 1, 1),)), [0, 1]) == ""
