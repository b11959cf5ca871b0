"""The incremental KPIs agree with the full recompute of :mod:`allocate.analysis.kpi`."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.analysis.kpi import alignment_kpis
from allocate.core.result import Alignment
from allocate.core.scenario import Scenario
from allocate.io import read_instance
from allocate.organize.presets import build_model
from allocate.serve.live import LiveKpis
from allocate.serve.session import initial_sellers

COLUMNS = ["accounts", "items", "workload_h", "travel_h", "potential", "moves_in"]


def _check(inst, mp, live: LiveKpis, sc: Scenario) -> None:
    full = alignment_kpis(inst, Alignment(mp.name, mp.rows.account, live.seller.copy(), mp.rows.key, mp.rows.key_kind), sc, mp)
    mine = live.seller_table()
    for col in COLUMNS:
        want = full.sellers[col].to_numpy(dtype=float)
        got = np.array([r[col] for r in mine], dtype=float)
        # the full table rounds workload/travel to 3 decimals and potential to 2
        np.testing.assert_allclose(got, want, atol=0.006, err_msg=col)
    t, ft = live.totals(), full.totals
    for key in ("moves", "overloaded_sellers", "sellers_used", "sellers_needed"):
        assert t[key] == ft[key], key
    for key in ("total_workload_h", "total_travel_h", "moves_share"):
        assert t[key] == pytest.approx(ft[key], rel=1e-9, abs=1e-9), key
    for key in ("cv", "max", "min", "gini"):
        assert t["workload"][key] == pytest.approx(ft["workload"][key], rel=1e-9, abs=1e-9)
        assert t["potential"][key] == pytest.approx(ft["potential"][key], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("model", ["geography", "roles", "value_proposition"])
def test_random_edit_sequences_match_the_full_recompute(small_run, model: str) -> None:
    inst = read_instance(small_run["instance"])
    sc = Scenario(model=model)
    mp = build_model(inst, sc)
    live = LiveKpis(inst, mp.rows, initial_sellers(inst, mp))
    _check(inst, mp, live, sc)
    rng = np.random.default_rng(3)
    m = len(inst.sellers)
    for _ in range(25):
        k = int(rng.integers(1, 12))
        rows = rng.choice(len(mp.rows), size=k, replace=False)
        live.move(rows, rng.integers(0, m, size=k))
        _check(inst, mp, live, sc)
    # moving back and forth returns to the same sums
    before = live.workload.copy()
    r = np.array([0, 1, 2])
    old = live.seller[r].copy()
    live.move(r, (old + 1) % m)
    live.move(r, old)
    np.testing.assert_allclose(live.workload, before, atol=1e-9)
