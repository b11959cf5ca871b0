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
