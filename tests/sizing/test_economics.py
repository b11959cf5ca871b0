"""The funnel's expected margin and the marginal value of one more seller or more leads."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from allocate.sizing.buildup import nearest_base_travel_min
from allocate.sizing.economics import _lead_cycle_hours, funnel_values, marginal_values


def test_funnel_values_multiply_the_conversions_down_to_the_deal(tiny) -> None:
    values = funnel_values(tiny.nomenclature)
    # small deal 2000; conversions lead 0.3, prospect 0.4, opportunity 0.35
    assert values[("opportunity", "small")] == pytest.approx(0.35 * 2000)
    assert values[("prospect", "small")] == pytest.approx(0.4 * 0.35 * 2000)
    assert values[("lead", "small")] == pytest.approx(0.3 * 0.4 * 0.35 * 2000)
    assert values[("customer", "mid")] == 0.0  # already won


def test_a_new_lead_brings_its_whole_expected_funnel_of_work(tiny) -> None:
    # lead: 1 h SDR call; prospect (x 0.3): 1 h AE visit + its trip; opportunity (x 0.12): 1 h demo
    assert _lead_cycle_hours(tiny, np.zeros(4)) == pytest.approx([1.42] * 4)
    # a 30-minute trip each way adds 1 h to the prospect visit, weighted 0.3
    assert _lead_cycle_hours(tiny, np.full(4, 30.0)) == pytest.approx([1.72] * 4)


def test_one_more_seller_at_a_loaded_base_adds_capacity_not_work(tiny) -> None:
    today, plus, leads = marginal_values(tiny, 0.2, seed=0)
    assert (today.name, plus.name, leads.name) == ("today", "+1 seller", "+20% leads")
    assert (today.capacity_h, plus.capacity_h) == (80.0, 120.0)
    # customers only: 6 h of desk work plus a round trip to the nearest base per account
    travel = 2 * nearest_base_travel_min(tiny) / 60
    assert today.workload_h == pytest.approx(6.0 + travel.sum())
    assert plus.workload_h == pytest.approx(today.workload_h)  # copied at the same base
    # no lead today: nothing to grow, and customers carry no funnel value
    assert leads.workload_h == today.workload_h and today.pipeline_value == 0.0
    assert today.worked_share == 1.0 and today.expected_margin == 0.0


def test_more_leads_add_their_value_and_their_work(tiny) -> None:
    acc = tiny.accounts
    as_leads = dataclasses.replace(acc, stage=("lead",) * 4, segment=("small",) * 4)
    inst = dataclasses.replace(tiny, accounts=as_leads)
    today, _, more = marginal_values(inst, 0.5, seed=1)
    lead_value = 0.3 * 0.4 * 0.35 * 2000
    assert today.pipeline_value == pytest.approx(4 * lead_value)
    assert more.pipeline_value == pytest.approx(6 * lead_value)  # two new small leads
    extra = more.workload_h - today.workload_h
    longest_trip_h = float(2 * nearest_base_travel_min(inst).max() / 60)
    assert 2 * 1.42 - 1e-9 <= extra <= 2 * (1.42 + 0.3 * longest_trip_h) + 1e-9
