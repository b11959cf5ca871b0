"""Workload build-up: total weekly hours ÷ hours per seller, per role and segment.

Travel is estimated with each account's nearest seller base (one round trip per visit), the
least any alignment can cost; the figure is therefore a lower bound on the sellers needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocate.core.instance import Instance
from allocate.core.travel import nearest_sellers
from allocate.core.workload import account_workload


@dataclass(frozen=True)
class Buildup:
    by_role: pd.DataFrame
    by_segment: pd.DataFrame
    total_workload_h: float
    total_capacity_h: float
    sellers_needed: int


def workload_buildup(instance: Instance) -> Buildup:
    acc, sel = instance.accounts, instance.sellers
    wl = account_workload(instance)
    _, km = nearest_sellers(acc.lat, acc.lon, sel.lat, sel.lon, 1)
    travel_h = instance.travel.minutes(km[:, 0]) * 2 / 60
    mean_cap = float(sel.capacity_h.mean())
    rows = []
    for k, role in enumerate(wl.roles):
        work = float((wl.desk_h[:, k] + wl.visits[:, k] * travel_h).sum())
        mask = np.array([r == role for r in sel.role])
        cap = float(sel.capacity_h[mask].sum())
        if work == 0 and cap == 0:
            continue
        per = float(sel.capacity_h[mask].mean()) if mask.any() else mean_cap
        rows.append({"role": role, "workload_h": work, "sellers": int(mask.sum()), "capacity_h": cap,
                     "sellers_needed": int(np.ceil(work / per - 1e-9))})
    by_role = pd.DataFrame(rows)
    seg = np.array(acc.segment)
    total = wl.total_desk_h + wl.total_visits * travel_h
    rows = []
    for s in instance.nomenclature.segments:
        m = seg == s
        rows.append({"segment": s, "accounts": int(m.sum()), "workload_h": float(total[m].sum()),
                     "sellers_needed": float(total[m].sum() / mean_cap)})
    by_segment = pd.DataFrame(rows)
    tw = float(total.sum())
    return Buildup(by_role, by_segment, tw, float(sel.capacity_h.sum()), int(np.ceil(tw / mean_cap - 1e-9)))
