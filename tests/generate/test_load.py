"""Workload per role and the serving base of each account."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from allocate.core.nomenclature import (
    DEFAULT_SEGMENTS,
    ROLES,
    STAGES,
    Nomenclature,
    default_nomenclature_dict,
)
from allocate.core.travel import TravelModel, haversine_km
from allocate.core.workload import playbook_load
from allocate.generate import GeneratedInstance, role_workload
from allocate.generate.load import account_role_load, group_index, role_hours, serving_travel_min


@pytest.mark.parametrize("name", ["fr", "us"])
def test_capacity_covers_the_workload_in_every_model(name: str, request: pytest.FixtureRequest) -> None:
    gen: GeneratedInstance = request.getfixturevalue(name)
    load = role_workload(gen.accounts, gen.sellers, gen.nomenclature).set_index("role")
    assert load.loc["all", "n_sellers"] == len(gen.sellers)
    roles = load.drop(index="all")
    assert roles["n_sellers"].sum() == len(gen.sellers)
    assert roles["load"].between(0.70, 0.85).all(), roles["load"].to_dict()
    assert 0.75 <= load.loc["all", "load"] <= 0.85
    # Every operation's hours are counted once in the roles rows.
    assert roles["desk_h"].sum() == pytest.approx(load.loc["all", "desk_h"])
    pd.testing.assert_frame_equal(gen.load.set_index("role"), load)


def test_role_workload_matches_a_hand_computation() -> None:
    # One micro prospect 100 km north of an AE, one small customer at a CSM's base.
    accounts = pd.DataFrame(
        {
            "lat": [45.0 + 100.0 / 111.19508, 45.0],
            "lon": [5.0, 6.0],
            "segment": ["micro", "small"],
            "stage": ["prospect", "customer"],
        }
    )
    sellers = pd.DataFrame({"role": ["AE", "CSM"], "lat": [45.0, 45.0], "lon": [5.0, 6.0], "capacity_h": [10.0, 5.0]})
    load = role_workload(accounts, sellers).set_index("role")
    km = float(haversine_km(45.0, 5.0, accounts["lat"][0], 5.0))
    assert km == pytest.approx(100.0, abs=0.01)
    one_way_h = km * 1.3 / 70.0
    # prospect: visit1 60 + visit2 60 + follow-up 3 x 20 min a year, 2 visits, 46 weeks.
    ae = 180 / 60 / 46 + 2 / 46 * 2 * one_way_h
    assert load.loc["AE", "demand_h"] == pytest.approx(ae)
    assert load.loc["AE", "load"] == pytest.approx(ae / 10.0)
    # small customer: 4 x 20 min calls + 2 x 60 min reviews, no travel (seller on site).
    assert load.loc["CSM", "demand_h"] == pytest.approx(200 / 60 / 46)
    # Full-cycle: the prospect's nearest base is still the AE's.
    assert load.loc["all", "demand_h"] == pytest.approx(ae + 200 / 60 / 46)
    assert TravelModel().minutes(km) == pytest.approx(one_way_h * 60)


def test_account_role_load_is_the_core_playbook_rule() -> None:
    nom = Nomenclature.model_validate(default_nomenclature_dict())
    pairs = [(st, seg) for st in STAGES for seg in DEFAULT_SEGMENTS]
    accounts = pd.DataFrame({"stage": [p[0] for p in pairs], "segment": [p[1] for p in pairs]})
    desk, visits = account_role_load(accounts, nom)
    assert desk.shape == (len(pairs), len(ROLES))
    for i, (st, seg) in enumerate(pairs):
        rule = playbook_load(nom, st, seg)
        assert (desk[i] == rule.desk_h).all() and (visits[i] == rule.visits).all()


def test_role_hours_sums_the_role_columns_and_adds_round_trips() -> None:
    desk = np.array([[1.0, 2.0, 0.0, 0.0, 0.0]])
    visits = np.array([[0.5, 0.25, 0.0, 0.0, 0.0]])
    # desk 3 h, 0.75 visits a week, 30 min each way: 3 + 0.75 * 2 * 0.5
    assert role_hours(desk, visits, [0, 1], np.array([30.0]))[0] == pytest.approx(3.75)
    assert role_hours(desk, visits, [1], np.array([30.0]))[0] == pytest.approx(2.25)


def test_group_index_numbers_groups_and_marks_single_sites() -> None:
    acc = pd.DataFrame({"group_id": ["G2", "", "G1", "G2", None]})
    assert group_index(acc).tolist() == [1, -1, 0, 1, -1]
    assert group_index(pd.DataFrame({"x": [1, 2]})).tolist() == [-1, -1]


def test_a_group_travels_from_its_cheapest_base() -> None:
    travel = TravelModel()
    # two bases 200 km apart on a meridian; a group with two sites near the north base and
    # one single-site account near the south base
    b_lat, b_lon = np.array([45.0, 46.8]), np.array([5.0, 5.0])
    lat = np.array([46.7, 46.9, 45.9, 45.1])
    lon = np.full(4, 5.0)
    group = np.array([0, 0, 0, -1])
    minutes, base = serving_travel_min(lat, lon, b_lat, b_lon, group, np.ones(4), travel)
    # the group's third site is nearer the south base but follows the group to the north
    assert base.tolist() == [1, 1, 1, 0]
    assert minutes[2] == pytest.approx(travel.minutes(float(haversine_km(45.9, 5.0, 46.8, 5.0))))
    assert minutes[3] == pytest.approx(travel.minutes(float(haversine_km(45.1, 5.0, 45.0, 5.0))))
    none, no_base = serving_travel_min(lat, lon, b_lat[:0], b_lon[:0], group, np.ones(4), travel)
    assert (none == 0).all() and (no_base == -1).all()
