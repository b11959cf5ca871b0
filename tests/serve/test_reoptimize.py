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
