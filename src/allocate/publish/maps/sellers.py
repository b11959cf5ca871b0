"""The per-seller table shown on a map: workload, capacity, utilization, potential, accounts.

From a run's per-seller KPIs when given, from a solve's :class:`Result`, or estimated from a
bare :class:`Alignment` with the alignment-level workload rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocate.core.instance import Instance
from allocate.core.result import Alignment, Result
from allocate.core.workload import account_workload, travel_minutes, workload_hours
from allocate.io.runfolder import account_owner


def alignment_of(result: Result | Alignment) -> Alignment:
    """The alignment of a solve, or the alignment itself.

    Parameters
    ----------
    result
        A :class:`Result` or an :class:`Alignment`.

    Returns
    -------
    Alignment
        ``result.alignment`` or ``result``.
    """
    return result.alignment if isinstance(result, Result) else result


def seller_table(
    instance: Instance, result: Result | Alignment, seller_kpis: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per seller: ``workload_h, capacity_h, utilization, potential, accounts, quota, reachable``.

    The index is the seller index; ``quota`` and ``reachable`` are NaN unless ``seller_kpis``
    has them (a run whose scenario sets quotas).

    Uses ``seller_kpis`` (e.g. the per-seller KPIs of a run) when given, the exact KPIs of a
    :class:`Result` otherwise, and for a bare :class:`Alignment` an estimate: desk hours plus one
    round trip per visit from the seller's base (the alignment-level workload rule).

    Parameters
    ----------
    instance
        The instance.
    result
        A solve's result or an alignment.
    seller_kpis
        Per-seller KPIs of a run (``seller_id`` plus any of the columns).

    Returns
    -------
    pandas.DataFrame
        One row per seller (index = seller index).
    """
    sel = instance.sellers
    m = len(sel)
    if seller_kpis is None and isinstance(result, Result):
        from allocate.analysis.kpi import compute_kpis

        seller_kpis = compute_kpis(instance, result).sellers
    out = pd.DataFrame(
        {
            "workload_h": np.nan,
            "capacity_h": np.asarray(sel.capacity_h, dtype=float),
            "utilization": np.nan,
            "potential": np.nan,
            "accounts": 0,
            "quota": np.nan,
            "reachable": np.nan,
        },
        index=range(m),
    )
    if seller_kpis is not None and len(seller_kpis) and "seller_id" in seller_kpis.columns:
        pos = instance.seller_index()
        for _, r in seller_kpis.iterrows():
            s = pos.get(str(r["seller_id"]))
            if s is None:
                continue
            for col in ("workload_h", "capacity_h", "utilization", "potential", "accounts", "quota", "reachable"):
                if col in r.index and pd.notna(r[col]) and r[col] != "":
                    out.loc[s, col] = float(r[col])
        return out
    al = alignment_of(result)
    owner = account_owner(instance, al)
    has = owner >= 0
    idx = np.flatnonzero(has)
    prof = account_workload(instance)
    tmin = travel_minutes(instance, owner[idx], idx)
    work = workload_hours(prof.total_desk_h[idx], prof.total_visits[idx], tmin)
    out["workload_h"] = np.bincount(owner[idx], weights=work, minlength=m)
    out["utilization"] = out["workload_h"] / out["capacity_h"].where(out["capacity_h"] > 0)
    out["potential"] = np.bincount(
        owner[idx], weights=instance.accounts.potential[idx], minlength=m
    )
    out["accounts"] = np.bincount(owner[idx], minlength=m)
    return out
