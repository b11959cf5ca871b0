"""Workload build-up: total weekly hours ÷ hours per seller, per role and segment.

Travel is estimated with each account's nearest seller base (one round trip per visit), the
least any alignment can cost; the figure is therefore a lower bound on the sellers needed.
:func:`nearest_base_travel_min` is that travel estimate, shared by the sizing report and the
marginal-value economics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from allocate.core.instance import Instance
from allocate.core.travel import nearest_sellers
from allocate.core.workload import account_workload, workload_hours


@dataclass(frozen=True)
class Buildup:
    """The build-up tables and totals of :func:`workload_buildup`.

    Attributes
    ----------
    by_role
        Per role: ``workload_h``, ``sellers``, ``capacity_h`` and ``sellers_needed``.
    by_segment
        Per segment: ``accounts``, ``workload_h`` and (fractional) ``sellers_needed``.
    total_workload_h
        Weekly hours of every account, travel to the nearest base included.
    total_capacity_h
        Weekly hours of every seller.
    sellers_needed
        ``ceil(total_workload_h / mean capacity)``.
    """

    by_role: pd.DataFrame
    by_segment: pd.DataFrame
    total_workload_h: float
    total_capacity_h: float
    sellers_needed: int


def nearest_base_travel_min(instance: Instance) -> NDArray[np.float64]:
    """One-way travel minutes from every account to its nearest seller base.

    Parameters
    ----------
    instance
        Accounts, sellers and the travel model (straight-line distance, no travel matrix).

    Returns
    -------
    numpy.ndarray
        Minutes per account.
    """
    acc, sel = instance.accounts, instance.sellers
    _, km = nearest_sellers(acc.lat, acc.lon, sel.lat, sel.lon, 1)
    return instance.travel.minutes(km[:, 0])


def workload_buildup(instance: Instance) -> Buildup:
    """The weekly workload at today's bases, per role and per segment, against the capacity.

    Parameters
    ----------
    instance
        Accounts, sellers and nomenclature.

    Returns
    -------
    Buildup
        The tables and totals (sellers needed at the mean capacity of each role, or of the
        team for a role without sellers).
    """
    acc, sel = instance.accounts, instance.sellers
    wl = account_workload(instance)
    tmin = nearest_base_travel_min(instance)
    mean_cap = float(sel.capacity_h.mean())
    rows = []
    for k, role in enumerate(wl.roles):
        work = float(workload_hours(wl.desk_h[:, k], wl.visits[:, k], tmin).sum())
        mask = np.array([r == role for r in sel.role])
        cap = float(sel.capacity_h[mask].sum())
        if work == 0 and cap == 0:
            continue
        per = float(sel.capacity_h[mask].mean()) if mask.any() else mean_cap
        rows.append({"role": role, "workload_h": work, "sellers": int(mask.sum()), "capacity_h": cap,
                     "sellers_needed": int(np.ceil(work / per - 1e-9))})
    by_role = pd.DataFrame(rows)
    seg = np.array(acc.segment)
    total = workload_hours(wl.total_desk_h, wl.total_visits, tmin)
    rows = []
    for s in instance.nomenclature.segments:
        m = seg == s
        rows.append({"segment": s, "accounts": int(m.sum()), "workload_h": float(total[m].sum()),
                     "sellers_needed": float(total[m].sum() / mean_cap)})
    by_segment = pd.DataFrame(rows)
    tw = float(total.sum())
    return Buildup(by_role, by_segment, tw, float(sel.capacity_h.sum()), int(np.ceil(tw / mean_cap - 1e-9)))
