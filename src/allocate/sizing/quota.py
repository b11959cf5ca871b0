"""Seller quotas: the team's target split by territory potential and/or history.

For a seller ``s`` with territory ``T_s`` (the accounts it owns in the alignment):

* potential share ``p_s = Σ_{a∈T_s} potential_a / Σ_a potential_a``;
* history share ``h_s = Σ_{a∈T_s} history_a / Σ_a history_a`` (last period's won revenue);
* weight ``w_s = p_s`` (``potential``), ``h_s`` (``history``) or ``β p_s + (1-β) h_s``
  (``blend``, ``β = quota.blend``); when every weight is 0 the target is split equally.

The raw quota ``total · w_s`` is then held within ``[floor, cap]`` by water-filling: a seller
pushed to a bound is fixed there and the rest of the target is spread again over the others in
proportion to their weights, until no bound is crossed. Rounding to multiples of ``r`` uses the
largest remainders, so the quotas still add up to the total when the total is a multiple of
``r``, and a rounded quota never leaves ``[floor, cap]`` rounded inwards to multiples of ``r``.

**Attainability.** What a territory can be expected to produce in a year is
``reachable_s = Σ_{a∈T_s} potential_a · P(stage_a → won)`` with the nomenclature's conversion
rates (``P(opportunity) = c_opportunity``, ``P(prospect) = c_prospect · c_opportunity``,
``P(lead) = c_lead · c_prospect · c_opportunity``) and ``P(customer) = 1 - churn_rate`` (the
customers that stay). A quota above ``reachable_s`` is flagged ``attainable = False``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from allocate.core.errors import InputError
from allocate.core.instance import Instance
from allocate.core.nomenclature import STAGES, Nomenclature
from allocate.core.quota import QuotaSpec

#: Columns of the quota table, in order.
QUOTA_COLUMNS: tuple[str, ...] = (
    "seller_id",
    "name",
    "role",
    "accounts",
    "potential",
    "history",
    "share",
    "quota",
    "reachable",
    "attainable",
)


def win_probability(nomenclature: Nomenclature) -> dict[str, float]:
    """Probability that an account of each stage brings revenue within a year.

    Parameters
    ----------
    nomenclature
        Conversion rates and churn.

    Returns
    -------
    dict
        ``{stage: probability}``: the product of the conversion rates from the stage onwards,
        and ``1 - churn_rate`` for customers.
    """
    conv = nomenclature.conversion
    out: dict[str, float] = {"customer": 1.0 - float(nomenclature.churn_rate)}
    p = 1.0
    for stage in reversed(STAGES[:-1]):  # opportunity, prospect, lead
        p *= float(conv.get(stage, 0.0))
        out[stage] = p
    return out


def split_target(
    total: float,
    weights: NDArray[np.float64],
    floor: float | None = None,
    cap: float | None = None,
    rounding: float | None = None,
    *,
    source: str = "scenario",
) -> NDArray[np.float64]:
    """Split ``total`` in proportion to ``weights``, within ``[floor, cap]``, then round.

    Parameters
    ----------
    total
        The target to split.
    weights
        One non-negative weight per seller (all zero: equal split).
    floor, cap
        Bounds of one share, or ``None``.
    rounding
        Shares are multiples of this (``None`` or 0: not rounded).
    source
        The file named in an error.

    Returns
    -------
    numpy.ndarray
        One quota per seller.

    Raises
    ------
    InputError
        When no split can respect the bounds (``n · floor > total`` or ``n · cap < total``),
        or no multiples of ``rounding`` within them add up to ``total``.
    """
    w = np.asarray(weights, dtype=float)
    n = len(w)
    if n == 0:
        return np.zeros(0)
    lo = 0.0 if floor is None else float(floor)
    hi = math.inf if cap is None else float(cap)
    if n * lo > total * (1 + 1e-12):
        raise InputError.single(
            source,
            f"{n} sellers × floor {lo:,.0f} = {n * lo:,.0f} is above the total {total:,.0f}",
            column="quota.floor",
        )
    if n * hi < total * (1 - 1e-12):
        raise InputError.single(
            source,
            f"{n} sellers × cap {hi:,.0f} = {n * hi:,.0f} is below the total {total:,.0f}",
            column="quota.cap",
        )
    q = _water_fill(total, w, lo, hi)
    if rounding:
        q = _round_shares(q, total, float(rounding), lo, hi)
        if abs(q.sum() - total) > 1e-6 * max(1.0, total):
            raise InputError.single(
                source,
                f"no split into multiples of {float(rounding):,.0f} between the floor and the cap "
                f"adds up to the total {total:,.0f}",
                column="quota.rounding",
            )
    return q


def _water_fill(total: float, w: NDArray[np.float64], lo: float, hi: float) -> NDArray[np.float64]:
    """Proportional shares; a share crossing a bound is fixed there and the rest re-spread."""
    n = len(w)
    q = np.zeros(n)
    free = np.ones(n, dtype=bool)
    for _ in range(n + 1):
        left = total - q[~free].sum()
        wf = w[free]
        base = wf / wf.sum() if wf.sum() > 0 else np.full(len(wf), 1.0 / len(wf))
        q[free] = left * base
        low, high = free & (q < lo - 1e-9), free & (q > hi + 1e-9)
        if not low.any() and not high.any():
            break
        # fix only the side that is violated most, so fixing never over-corrects the other side
        if (lo - q[low]).sum() >= (q[high] - hi).sum():
            q[low], free[low] = lo, False
        else:
            q[high], free[high] = hi, False
        if not free.any():
            break
    return q


def _round_shares(
    q: NDArray[np.float64], total: float, r: float, lo: float, hi: float
) -> NDArray[np.float64]:
    """Multiples of ``r`` by largest remainder, inside ``[ceil(lo/r), floor(hi/r)]`` steps."""
    units = q / r
    lo_u = math.ceil(lo / r - 1e-9)
    hi_u = math.floor(hi / r + 1e-9) if math.isfinite(hi) else None
    base = np.floor(units + 1e-9)
    base = np.maximum(base, lo_u)
    if hi_u is not None:
        base = np.minimum(base, hi_u)
    left = int(round(total / r)) - int(base.sum())
    order = np.argsort(-(units - base), kind="stable")
    step = 1 if left > 0 else -1
    i = 0
    while left != 0 and i < 4 * len(q):
        k = order[i % len(q)] if step > 0 else order[::-1][i % len(q)]
        cand = base[k] + step
        if cand >= lo_u and (hi_u is None or cand <= hi_u):
            base[k] = cand
            left -= step
        i += 1
    return base * r


def check_quota(spec: QuotaSpec, sellers: int, has_history: bool, *, source: str = "scenario") -> None:
    """Refuse, before any solving, a quota section that no alignment can satisfy.

    Parameters
    ----------
    spec
        The ``quota`` section.
    sellers
        The number of sellers.
    has_history
        Whether the accounts have a ``history`` column.
    source
        The file named in an error (the scenario).

    Raises
    ------
    InputError
        When the method needs a history that is missing, or ``sellers · floor > total`` or
        ``sellers · cap < total``, or no multiples of ``rounding`` within the floor and the
        cap add up to the total.
    """
    if spec.method != "potential" and not has_history:
        raise InputError.single(
            source,
            f"quota method {spec.method!r} needs the accounts' 'history' column (won revenue)",
            column="quota.method",
        )
    split_target(spec.total, np.ones(sellers), spec.floor, spec.cap, spec.rounding, source=source)


def seller_quotas(
    instance: Instance,
    owner: NDArray[np.int64],
    spec: QuotaSpec,
    history: NDArray[np.float64] | None = None,
    *,
    source: str = "scenario",
) -> pd.DataFrame:
    """One quota per seller of ``instance`` for the territories given by ``owner``.

    Parameters
    ----------
    instance
        The team and its accounts.
    owner
        Seller index of each account (``-1``: unassigned, counted in no territory).
    spec
        The ``quota`` section of the scenario.
    history
        Last period's won revenue per account, or ``None`` (needed by ``history`` and ``blend``).
    source
        The file named in errors (the scenario).

    Returns
    -------
    pandas.DataFrame
        :data:`QUOTA_COLUMNS`, one row per seller in instance order.

    Raises
    ------
    InputError
        When the method needs a history that is missing, or the bounds cannot be met.
    """
    acc, sel = instance.accounts, instance.sellers
    n = len(sel)
    owner = np.asarray(owner, dtype=np.int64)
    mine = owner >= 0
    pot = np.bincount(owner[mine], weights=acc.potential[mine], minlength=n)
    count = np.bincount(owner[mine], minlength=n)
    if spec.method != "potential" and history is None:
        raise InputError.single(
            source,
            f"quota method {spec.method!r} needs the accounts' 'history' column (won revenue)",
            column="quota.method",
        )
    hist = (
        np.bincount(owner[mine], weights=np.asarray(history, dtype=float)[mine], minlength=n)
        if history is not None
        else np.zeros(n)
    )
    p_share = pot / pot.sum() if pot.sum() > 0 else np.zeros(n)
    h_share = hist / hist.sum() if hist.sum() > 0 else np.zeros(n)
    if spec.method == "potential":
        w = p_share
    elif spec.method == "history":
        w = h_share
    else:
        w = spec.blend * p_share + (1.0 - spec.blend) * h_share
    quota = split_target(spec.total, w, spec.floor, spec.cap, spec.rounding, source=source)
    pwin = win_probability(instance.nomenclature)
    expected = acc.potential * np.array([pwin.get(s, 0.0) for s in acc.stage])
    reachable = np.bincount(owner[mine], weights=expected[mine], minlength=n)
    return pd.DataFrame(
        {
            "seller_id": list(sel.ids),
            "name": list(sel.names),
            "role": list(sel.role),
            "accounts": count.astype(int),
            "potential": np.round(pot, 2),
            "history": np.round(hist, 2),
            "share": np.round(w, 6),
            "quota": np.round(quota, 2),
            "reachable": np.round(reachable, 2),
            "attainable": quota <= reachable + 1e-6,
        },
        columns=list(QUOTA_COLUMNS),
    )
