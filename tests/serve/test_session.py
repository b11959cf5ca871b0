"""The editing session: steps, history, versions and edit records."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.serve.session import BadEdit, StaleVersion


def test_history_replays_exactly(workspace) -> None:
    s = workspace.session
    acc = s.instance.accounts
    start = s.live.seller.copy()
    rng = np.random.default_rng(2)
    for _ in range(8):
        ids = [acc.ids[i] for i in rng.choice(len(acc), 5, replace=False)]
        s.assign(ids, s.instance.sellers.ids[int(rng.integers(0, 4))], s.version)
    end, locked = s.live.seller.copy(), s.locked.copy()
    while s.undo_stack:
        s.undo()
    assert np.array_equal(s.live.seller, start) and not s.locked[~s.base_locked].any()
    while s.redo_stack:
        s.redo()
    assert np.array_equal(s.live.seller, end) and np.array_equal(s.locked, locked)
    # a new edit clears the redo stack
    s.undo()
    s.assign([acc.ids[0]], "S1", s.version)
    assert not s.redo_stack


def test_versions_and_errors(workspace) -> None:
    s = workspace.session
    v = s.version
    with pytest.raises(StaleVersion):
        s.assign(["A0001"], "S1", v - 1)
    with pytest.raises(BadEdit, match="unknown seller"):
        s.assign(["A0001"], "nobody", v)
    with pytest.raises(BadEdit, match="unknown team"):
        s.state("nope")
    with pytest.raises(BadEdit, match="nothing to undo"):
        s.undo()
    assert s.version == v  # refused edits change nothing


def test_edit_records_name_from_and_to(workspace) -> None:
    s = workspace.session
    owner = s.instance.sellers.ids[int(s.live.seller[s.row_of[""][5]])]
    target = "S1" if owner != "S1" else "S2"
    s.assign(["A0005"], target, s.version)
    s.set_locks(["A0006"], True, s.version)
    rec = {r["account_id"]: r for r in s.edit_records()}
    assert rec["A0005"]["from_seller"] == owner and rec["A0005"]["to_seller"] == target
    assert "locked" in rec["A0005"]["note"] and rec["A0005"]["at"].endswith("Z")
    assert rec["A0006"]["from_seller"] == rec["A0006"]["to_seller"] and "lock" in rec["A0006"]["note"]


def test_every_lock_unlock_assign_and_undo_is_a_journal_line(workspace) -> None:
    import dataclasses

    from allocate.serve.edits import parse_note
    from allocate.serve.session import Session

    s0 = workspace.session
    acc = s0.instance.accounts
    # A0007 is locked in the instance itself
    locked = np.array(acc.locked, dtype=bool)
    locked[s0.account_pos["A0007"]] = True
    inst = dataclasses.replace(s0.instance, accounts=dataclasses.replace(acc, locked=locked))
    s = Session(inst, s0.scenario, s0.mp, s0.live.seller.copy(), "test")
    r7 = int(s.row_of[""][s.account_pos["A0007"]])
    assert s.locked[r7]
    s.set_locks(["A0007"], False, s.version)
    owner = s.instance.sellers.ids[int(s.live.seller[s.row_of[""][5]])]
    target = "S1" if owner != "S1" else "S2"
    s.assign(["A0005"], target, s.version)
    s.undo(s.version)
    s.set_locks(["A0005"], True, s.version)  # already where it is: a lock alone
    lines = s.edit_records()
    assert [(x["account_id"], x["note"]) for x in lines] == [
        ("A0007", "unlock; unlocked"), ("A0005", "assign; locked"),
        ("A0005", "undo assign; unlocked"), ("A0005", "lock; locked")]
    assert lines[1]["from_seller"] == owner and lines[1]["to_seller"] == target
    assert lines[2]["from_seller"] == target and lines[2]["to_seller"] == owner
    assert all(x["at"].endswith("Z") for x in lines)
    # reopened with this journal, the locks are the last ones written
    s2 = Session(inst, s0.scenario, s0.mp, s.live.seller.copy(), "saved", lines)
    assert not s2.locked[r7] and s2.locked[s2.row_of[""][s2.account_pos["A0005"]]]
    assert s2.edit_records() == lines  # carried over
    assert parse_note("role=AE; assign; unlocked") == ("AE", False)
