"""Indicators computed *from* an alignment, never stored by the solvers.

The objective is recomputed here with :func:`allocate.solvers.problem.evaluate` on the model
rebuilt from the instance and scenario, so a test can check that it equals the solver's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocate.align.check import check_alignment
from allocate.analysis.objective import ObjectiveTerm, objective_terms
from allocate.core.instance import Instance
from allocate.core.result import Alignment, Result
from allocate.core.scenario import Scenario, scenario_instance
from allocate.core.workload import travel_minutes, visit_travel_h
from allocate.io.crm.extras import read_history
from allocate.io.runfolder import account_owner
from allocate.organize.items import ModelProblem
from allocate.organize.presets import build_model
from allocate.organize.units import bundle_units
from allocate.sizing.quota import seller_quotas
from allocate.solvers.contiguity.graph import count_enclaves, count_island_splits
from allocate.solvers.problem import evaluate


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = perfectly equal).

    Parameters
    ----------
    x
        Values, e.g. the workload of each seller.

    Returns
    -------
    float
        ``sum |x_i - x_j| / (2 n^2 mean)``; 0 for no values or a zero sum.
    """
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return 0.0
    cum = np.cumsum(x)
    return float((n + 1 - 2 * (cum.sum() / cum[-1])) / n)


def spread(x: np.ndarray) -> dict[str, float]:
    """How evenly a measure is spread between sellers.

    Parameters
    ----------
    x
        One value per seller.

    Returns
    -------
    dict
        ``mean``, ``min``, ``max``, ``cv`` (standard deviation / mean, 0 when the mean is 0),
        ``max_min_ratio`` (``inf`` when the minimum is 0, NaN without values) and ``gini``.
    """
    x = np.asarray(x, dtype=float)
    if len(x) == 0:
        return {"mean": 0.0, "min": 0.0, "max": 0.0, "cv": 0.0, "max_min_ratio": float("nan"), "gini": 0.0}
    mean = float(x.mean())
    return {
        "mean": mean,
        "min": float(x.min()),
        "max": float(x.max()),
        "cv": float(x.std() / mean) if mean > 0 else 0.0,
        "max_min_ratio": float(x.max() / x.min()) if x.min() > 0 else float("inf"),
        "gini": gini(x),
    }


def choice_of(mp: ModelProblem, alignment: Alignment) -> np.ndarray:
    """Candidate entry of every bundle, from an alignment of the same model.

    Parameters
    ----------
    mp
        The model problem that the alignment's rows come from.
    alignment
        An alignment with one row per row of ``mp.rows``.

    Returns
    -------
    numpy.ndarray
        Per solver item (bundle), the index of its candidate entry in ``mp.problem`` that
        matches the seller of the bundle's first row (``-1`` when that seller is not a
        candidate).
    """
    p = mp.problem
    choice = np.full(p.n_items, -1, dtype=np.int64)
    for r in range(len(mp.rows)):
        b = int(mp.rows.bundle[r])
        if choice[b] < 0:
            choice[b] = p.candidate_index(b, int(alignment.seller[r]))
    return choice


@dataclass(frozen=True)
class Kpis:
    """The KPI table of an alignment.

    Attributes
    ----------
    sellers
        One row per seller: accounts, items, workload, capacity, utilization, travel,
        potential and accounts moved in.
    totals
        Global indicators (JSON-ready): totals, spreads, moves, overloaded sellers, sellers
        needed, objective and its terms.
    quotas
        One quota per seller (:func:`allocate.sizing.quota.seller_quotas`) when the scenario
        has a ``quota`` section, else ``None``; written as the run folder's quota table.
    """

    sellers: pd.DataFrame
    totals: dict[str, Any]
    quotas: pd.DataFrame | None = None


def compute_kpis(instance: Instance, result: Result, mp: ModelProblem | None = None) -> Kpis:
    """Per-seller and global indicators of ``result``'s alignment.

    Parameters
    ----------
    instance
        The instance solved.
    result
        The solve result (its alignment and scenario are used).
    mp
        The model problem, when already built (rebuilt otherwise).

    Returns
    -------
    Kpis
        See :func:`alignment_kpis`; when the scenario has a ``quota`` section, each seller's
        quota (:mod:`allocate.sizing.quota`, history read from the instance's folder) is in
        ``quotas`` and its ``quota``, ``reachable`` and ``attainable`` columns in ``sellers``.

    Raises
    ------
    InputError
        When the quota method needs a ``history`` column the instance's accounts lack, or the
        floor or cap cannot be met.
    """
    kpis = alignment_kpis(instance, result.alignment, result.scenario, mp)
    return with_quotas(instance, result.alignment, result.scenario, kpis)


def with_quotas(instance: Instance, alignment: Alignment, scenario: Scenario, kpis: Kpis) -> Kpis:
    """``kpis`` with each seller's quota when ``scenario`` has a ``quota`` section.

    Parameters
    ----------
    instance
        The instance (its folder gives the accounts' ``history``).
    alignment
        The alignment whose territories get the quotas.
    scenario
        The scenario.
    kpis
        The indicators of the alignment.

    Returns
    -------
    Kpis
        ``kpis`` itself without a ``quota`` section; else with ``quotas`` and the ``quota``,
        ``reachable`` and ``attainable`` columns in ``sellers``.
    """
    spec = scenario.quota
    if spec is None:
        return kpis
    quotas = seller_quotas(instance, account_owner(instance, alignment), spec,
                           quota_history(instance), source="scenario")
    sellers = kpis.sellers.merge(quotas[["seller_id", "quota", "reachable", "attainable"]],
                                 on="seller_id", how="left")
    return Kpis(sellers, kpis.totals, quotas)


def quota_history(instance: Instance) -> np.ndarray | None:
    """Last period's won revenue per account (the ``history`` column), or ``None``.

    Parameters
    ----------
    instance
        An instance; its folder (``source_dir``) is read, when it has one.

    Returns
    -------
    numpy.ndarray or None
        One amount per account in instance order, or ``None`` without a folder or column.
    """
    if not instance.source_dir:
        return None
    return read_history(Path(instance.source_dir), instance)


def alignment_kpis(
    instance: Instance, alignment: Alignment, scenario: Scenario, mp: ModelProblem | None = None
) -> Kpis:
    """Per-seller and global indicators of an alignment, recomputed from the instance.

    Workload and travel follow :mod:`allocate.core.workload` (one round trip per visit); the
    potential of a split account is shared equally between its rows; an account counts as
    moved once when any of its rows left today's seller. The objective is recomputed with
    :func:`allocate.solvers.problem.evaluate`.

    Parameters
    ----------
    instance
        The instance.
    alignment
        Who serves what; a row with seller ``-1`` is unserved (counted in
        ``uncovered_items``, no objective).
    scenario
        The scenario that builds the model problem (weights, balance).
    mp
        The model problem of ``alignment.model``, when already built.

    Returns
    -------
    Kpis
        The per-seller table and the totals.
    """
    instance = scenario_instance(instance, scenario)
    mp = mp or build_model(instance, scenario, alignment.model)
    acc, sel = instance.accounts, instance.sellers
    rows = mp.rows
    m = len(sel)
    # per row: travel and workload under this alignment; an unserved row (seller -1) counts
    # as uncovered and adds to no seller
    served = alignment.seller >= 0
    s_of = alignment.seller[served]
    a_of = alignment.account[served]
    tmin = travel_minutes(instance, s_of, a_of)
    travel_h = visit_travel_h(rows.visits[served], tmin)
    work_h = rows.desk_h[served] + travel_h
    workload = np.bincount(s_of, weights=work_h, minlength=m)
    travel = np.bincount(s_of, weights=travel_h, minlength=m)
    per_account = np.bincount(alignment.account, minlength=len(acc))
    potential = np.bincount(s_of, weights=acc.potential[a_of] / per_account[a_of], minlength=m)
    pairs = pd.DataFrame({"a": a_of, "s": s_of}).drop_duplicates()
    n_accounts = np.bincount(pairs["s"].to_numpy(dtype=np.int64), minlength=m)
    cur = acc.current_seller[alignment.account]
    moved_row = (cur >= 0) & (cur != alignment.seller)
    moved_pairs = pd.DataFrame({"a": alignment.account[moved_row & served], "s": alignment.seller[moved_row & served]}).drop_duplicates()
    moves_in = np.bincount(moved_pairs["s"].to_numpy(dtype=np.int64), minlength=m)
    active = n_accounts > 0
    sellers_df = pd.DataFrame(
        {
            "seller_id": list(sel.ids),
            "name": list(sel.names),
            "role": list(sel.role),
            "accounts": n_accounts,
            "items": np.bincount(s_of, minlength=m),
            "workload_h": workload.round(3),
            "capacity_h": sel.capacity_h,
            "utilization": (workload / sel.capacity_h).round(4),
            "travel_h": travel.round(3),
            "potential": potential.round(2),
            "moves_in": moves_in,
        }
    )
    choice = choice_of(mp, alignment)
    ev = evaluate(mp.problem, choice) if (choice >= 0).all() else None
    enclaves = islands = None
    if ev is not None:
        enclaves = islands = 0
        if instance.units is not None:
            b_unit, b_seller = bundle_units(instance, mp), mp.problem.seller[choice]
            enclaves = count_enclaves(instance.units.neighbours, b_unit, b_seller)
            islands = count_island_splits(instance.units.neighbours, b_unit, b_seller) if enclaves else 0
    moved_accounts = int(len(set(alignment.account[moved_row].tolist())))
    terms = objective_terms(mp, choice) if ev is not None else []
    check = check_alignment(instance, alignment, scenario)
    totals: dict[str, Any] = {
        "model": alignment.model,
        "accounts": int(len(acc)),
        "items": int(len(alignment)),
        "sellers": int(m),
        "sellers_used": int(active.sum()),
        "total_workload_h": float(workload.sum()),
        "total_capacity_h": float(sel.capacity_h.sum()),
        "total_travel_h": float(travel.sum()),
        "desk_h": float(rows.desk_h.sum()),
        "workload": spread(workload[active]),
        "utilization": spread((workload / sel.capacity_h)[active]),
        "potential": spread(potential[active]),
        "overloaded_sellers": int((workload > sel.capacity_h + 1e-6).sum()),
        "uncovered_items": int((alignment.seller < 0).sum()),
        "moves": moved_accounts,
        "moves_share": moved_accounts / max(1, int((acc.current_seller >= 0).sum())),
        "sellers_needed": sellers_needed(float(workload.sum()), sel.capacity_h),
        "locks_not_applied": len(mp.locks_not_applied),
        "non_contiguous_territories": enclaves,
        # of which split only across separate parts of the unit graph (islands): justified
        "non_contiguous_islands": islands,
        "groups_split": len(check.groups_split),
        "hard_rules_broken": len(check.breaches),
        "balance": {name: band.as_dict() for name, band in check.bands.items()},
        "objective": ev.objective if ev else None,
        "objective_terms": _terms_summary(terms) if terms else None,
        # every term of the objective with its meaning, amount, weight and value (reports)
        "objective_breakdown": [t.as_dict() for t in terms] if terms else None,
    }
    return Kpis(sellers_df, totals)


def _terms_summary(terms: list[ObjectiveTerm]) -> dict[str, float | int]:
    """Travel and compactness hours, the soft imbalance penalty and the moves, as before.

    ``objective = w_travel × travel + w_travel × w_compactness × compactness + imbalance +
    w_move × moves`` (``compactness`` is 0 in the models without it).
    """
    by_key = {t.key: t for t in terms}
    return {
        "travel": by_key["travel"].amount,
        "compactness": by_key["compactness"].amount if "compactness" in by_key else 0.0,
        "imbalance": float(sum(t.value for t in terms if t.key.startswith("balance_"))),
        "moves": int(by_key["moves"].amount),
    }


def sellers_needed(total_workload_h: float, capacity_h: np.ndarray) -> int:
    """Workload build-up method: total weekly hours ÷ mean weekly hours of a seller, rounded up.

    Parameters
    ----------
    total_workload_h
        Weekly workload of all accounts.
    capacity_h
        Weekly capacity of each seller.

    Returns
    -------
    int
        Sellers needed (0 without sellers or capacity).
    """
    mean_cap = float(np.mean(capacity_h)) if len(capacity_h) else 0.0
    return int(np.ceil(total_workload_h / mean_cap - 1e-9)) if mean_cap > 0 else 0
