"""Hard-rule breaches: each rule found and explained."""

from __future__ import annotations

import numpy as np

from allocate.core.scenario import Scenario
from allocate.io import read_instance
from allocate.organize.presets import build_model
from allocate.serve.live import LiveKpis
from allocate.serve.rules import eligible_matrix, find_breaches
from allocate.serve.session import initial_sellers


def test_wrong_skill_capacity_and_pieces(small_run) -> None:
    inst = read_instance(small_run["instance"])
    mp = build_model(inst, Scenario(model="roles"))
    live = LiveKpis(inst, mp.rows, initial_sellers(inst, mp))
    elig = eligible_matrix(mp)
    rows = np.arange(len(mp.rows))
    assert [b for b in find_breaches(inst, mp, live, rows, elig, {}) if b.rule == "wrong_skill"] == []
    # give an AE row to the CSM seller (S3): wrong skill, explained with the class
    ae = np.flatnonzero(np.array(mp.rows.key) == "AE")[:3]
    live.move(ae, np.full(3, 2))
    found = find_breaches(inst, mp, live, rows, elig, {1: 3})
    wrong = [b for b in found if b.rule == "wrong_skill"]
    assert len(wrong) == 1 and wrong[0].seller_id == "S3" and "role=AE" in wrong[0].message
    assert len(wrong[0].account_ids) == 3
    pieces = [b for b in found if b.rule == "non_contiguous"]
    assert pieces[0].seller_id == "S2" and "3 separate pieces" in pieces[0].message
    # everything to one seller: over capacity
    live.move(rows, np.zeros(len(rows), dtype=np.int64))
    over = [b for b in find_breaches(inst, mp, live, rows, elig, {}) if b.rule == "over_capacity"]
    assert [b.seller_id for b in over] == ["S1"] and "h/week" in over[0].message


def test_group_split_is_explained(small_run) -> None:
    inst = read_instance(small_run["instance"])
    mp = build_model(inst, Scenario(model="geography"))
    live = LiveKpis(inst, mp.rows, initial_sellers(inst, mp))
    elig = eligible_matrix(mp)
    rows = np.arange(len(mp.rows))
    # today's owners split the groups: give each group's sites to one seller first
    sites = np.flatnonzero(np.isin(mp.rows.account, [10, 60, 110, 20, 70]))
    live.move(sites, np.zeros(len(sites), dtype=np.int64))
    assert [b for b in find_breaches(inst, mp, live, rows, elig, {}) if b.rule == "group_split"] == []
    # one site of G1 (accounts 10, 60, 110) to another seller than the other two
    r = int(np.flatnonzero(mp.rows.account == 10)[0])
    other = (int(live.seller[r]) + 1) % len(inst.sellers)
    live.move(np.array([r]), np.array([other]))
    split = [b for b in find_breaches(inst, mp, live, rows, elig, {}) if b.rule == "group_split"]
    assert len(split) == 1 and "G1" in split[0].message and "one owner per group" in split[0].message
    assert sorted(split[0].account_ids) == sorted(inst.accounts.ids[a] for a in (10, 60, 110))
