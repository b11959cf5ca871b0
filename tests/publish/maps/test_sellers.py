"""The per-seller table of a map: from a run's KPIs, from a result, or estimated from an alignment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocate.core.result import Alignment
from allocate.publish.maps.sellers import alignment_of, seller_table


def _alignment(n: int) -> Alignment:
    return Alignment("geography", np.arange(n), np.array([0, 0, 1, 1][:n]), ("",) * n, "")


def test_estimate_from_a_bare_alignment(tiny) -> None:  # type: ignore[no-untyped-def]
    al = _alignment(len(tiny.accounts))
    assert alignment_of(al) is al
    t = seller_table(tiny, al)
    assert list(t["accounts"]) == [2, 2]
    assert np.allclose(t["potential"], [30000, 70000])
    assert (t["workload_h"] > 0).all()
    assert np.allclose(t["utilization"], t["workload_h"] / t["capacity_h"])


def test_run_kpis_take_precedence_and_unknown_sellers_are_ignored(tiny) -> None:  # type: ignore[no-untyped-def]
    kpis = pd.DataFrame(
        {"seller_id": ["LYO", "GHOST"], "workload_h": [12.5, 1.0], "accounts": [3, 1], "potential": ["", 5]}
    )
    t = seller_table(tiny, _alignment(len(tiny.accounts)), kpis)
    assert t.loc[1, "workload_h"] == 12.5 and t.loc[1, "accounts"] == 3
    assert np.isnan(t.loc[1, "potential"])  # empty cell: unknown
    assert np.isnan(t.loc[0, "workload_h"]) and t.loc[0, "capacity_h"] == 40
