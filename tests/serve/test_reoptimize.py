"""Re-optimization keeps every lock and respects the move cap."""

from __future__ import annotations

import numpy as np

from allocate.serve.reoptimize import reoptimize


def test_locks_and_cap(workspace) -> None:
    s = workspace.session
    acc = s.instance.accounts
    # lock ten accounts on a seller that is not theirs
    rows = np.arange(10)
    s.assign([acc.ids[s.rows.account[r]] for r in rows], "S4", s.version)
    prop = reoptimize(s.instance, s.scenario, s.mp, s.live.seller.copy(), s.locked.copy(), time_limit_s=3, max_moves=5)
    assert not set(prop.rows.tolist()) & set(np.flatnonzero(s.locked).tolist())
    # at most 5 further moves (bundles weigh their accounts)
    assert len(set(s.rows.account[prop.rows].tolist())) <= 5
    assert np.array_equal(prop.before, s.live.seller[prop.rows])
    assert prop.locks_not_applied == ()


def test_neighbourhood_of_edits_keeps_every_rule(workspace, monkeypatch) -> None:
    from allocate.align.check import check_alignment
    from allocate.core.result import Alignment
    from allocate.serve import reoptimize as ro

    s = workspace.session
    acc = s.instance.accounts
    s.assign([acc.ids[s.rows.account[r]] for r in range(3)], "S4", s.version)
    edited = (s.live.seller != s.base) | (s.locked != s.base_locked)
    free = ro.edit_neighbourhood(s.instance, s.mp, edited, 8)
    assert free is not None and len(free) == 8
    # with the edited items locked, none of the budget is spent on them
    import dataclasses

    fixed = np.full(s.mp.problem.n_items, -1, dtype=np.int64)
    fixed[s.rows.bundle[edited]] = s.live.seller[edited]
    locked_mp = dataclasses.replace(s.mp, problem=dataclasses.replace(s.mp.problem, fixed=fixed))
    free_locked = ro.edit_neighbourhood(s.instance, locked_mp, edited, 8)
    assert free_locked is not None and len(free_locked) == 8 and not (fixed[free_locked] >= 0).any()
    # and the items freed lie near the edits
    acc_lat = s.instance.accounts.lat[s.rows.account]
    edited_lat = acc_lat[edited]
    free_rows = np.flatnonzero(np.isin(s.rows.bundle, free))
    spread = float(np.ptp(acc_lat))
    assert np.abs(acc_lat[free_rows][:, None] - edited_lat[None, :]).min(axis=1).max() < spread / 2
    monkeypatch.setattr(ro, "WHOLE_MODEL_ENTRIES", 0)
    monkeypatch.setattr(ro, "NEIGHBOURHOOD_ITEMS", 8)
    seller, locked = s.live.seller.copy(), s.locked.copy()
    prop = ro.reoptimize(s.instance, s.scenario, s.mp, seller, locked, time_limit_s=2, max_moves=None, edited=edited)
    assert prop.free_items == 8
    assert prop.status == "feasible"  # a neighbourhood's optimum is no proof for the whole
    # at most the accounts of the 8 freed items moved (the two groups add 3 sites), no locked row
    assert len(set(s.rows.account[prop.rows].tolist())) <= 8 + 3
    assert not locked[prop.rows].any()
    after = seller.copy()
    after[prop.rows] = prop.after
    inst = ro.locked_instance(s.instance, s.mp, seller, locked)
    report = check_alignment(inst, Alignment(s.mp.name, s.rows.account, after, s.rows.key, s.rows.key_kind), s.scenario)
    assert report.ok, report.breaches


def test_a_move_cap_that_cannot_hold_is_named(workspace) -> None:
    """Hand edits overload a seller; with no further move allowed nothing can relieve it: the
    error names the cap (the model's advice alone speaks of candidates and capacity)."""
    import pytest

    from allocate.core.errors import InfeasibleError

    s = workspace.session
    acc = s.instance.accounts
    cap = {r["seller_id"]: r["capacity_h"] for r in s.state()["sellers"]}
    for r in range(len(s.rows)):  # accounts to S4 until it is over capacity
        if next(x["workload_h"] for x in s.state()["sellers"] if x["seller_id"] == "S4") > cap["S4"]:
            break
        s.assign([acc.ids[s.rows.account[r]]], "S4", s.version)
    with pytest.raises(InfeasibleError) as err:  # the LP relaxation proves it
        reoptimize(s.instance, s.scenario, s.mp, s.live.seller.copy(), s.locked.copy(), time_limit_s=2, max_moves=0)
    assert "at most 0 further move(s) were allowed" in str(err.value)
