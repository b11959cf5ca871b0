"""The quota section of a run in the HTML report: how the team's target was split, seller by seller.

It is built from the run folder's quota table (:data:`~allocate.io.runfolder.QUOTAS`, written by
``allocate solve`` when the scenario has a ``quota`` section) and the quota settings recorded in
its :data:`~allocate.io.runfolder.KPIS` (``scenario.quota``). Each seller's row gives its share of
the team's potential and of last period's won revenue (history), the weight the method gave it,
its quota, which bound held it (``floor`` or ``cap``: the unbounded quota ``total · weight`` lay
beyond it and the quota sits on it), what its territory can reach (:mod:`allocate.sizing.quota`) and whether the quota is
attainable. Every user string is escaped.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from allocate.io.runfolder import QUOTAS, RunData, read_plan_table
from allocate.publish.text import esc, fmt_num

#: Columns the section needs in the quota table.
REQUIRED = ("seller_id", "potential", "history", "share", "quota", "reachable")


def _num(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _flag(value: Any) -> bool | None:
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    return None


def bound_applied(
    raw: float, quota: float, floor: float | None, cap: float | None, rounding: float | None = None
) -> str:
    """Which bound held a quota: ``floor``, ``cap`` or ``""``.

    A bound held the quota when the unbounded quota lay beyond it and the quota sits on it
    (rounded inwards to the rounding step, as :func:`allocate.sizing.quota.split_target` does).

    Parameters
    ----------
    raw
        The unbounded quota, ``total · weight``.
    quota
        The quota given.
    floor, cap
        The bounds of the scenario, or ``None``.
    rounding
        The rounding step, or ``None``/0.

    Returns
    -------
    str
        ``floor``, ``cap`` or empty.
    """
    r = rounding or 0.0
    if floor is not None:
        lo = math.ceil(floor / r - 1e-9) * r if r else floor
        if raw < floor - 1e-6 and abs(quota - lo) <= 1e-6 * max(1.0, lo):
            return "floor"
    if cap is not None:
        hi = math.floor(cap / r + 1e-9) * r if r else cap
        if raw > cap + 1e-6 and abs(quota - hi) <= 1e-6 * max(1.0, hi):
            return "cap"
    return ""


def _settings(spec: dict[str, Any]) -> str:
    """One sentence of the quota settings (escaped)."""
    method = str(spec.get("method", "potential"))
    if method == "blend":
        b = _num(spec.get("blend"))
        b = 0.5 if b is None else b
        how = f"blend: {fmt_num(100 * b, 0)} % potential share + {fmt_num(100 * (1 - b), 0)} % history share"
    else:
        how = f"{method} share"
    parts = [f"team target {fmt_num(_num(spec.get('total')) or 0, 0)}", f"method {how}"]
    for key in ("floor", "cap"):
        v = _num(spec.get(key))
        parts.append(f"{key} {fmt_num(v, 0)}" if v is not None else f"no {key}")
    r = _num(spec.get("rounding"))
    parts.append(f"rounded to multiples of {fmt_num(r, 0)}" if r else "not rounded")
    return esc(", ".join(parts) + ".")


def quota_table(quotas: pd.DataFrame, spec: dict[str, Any], names: dict[str, str]) -> str:
    """The per-seller quota table.

    Parameters
    ----------
    quotas
        The run folder's quota table.
    spec
        The scenario's ``quota`` section as recorded (``total``, ``method``, ``floor`` ...).
    names
        Seller id → name, for sellers the table does not name.

    Returns
    -------
    str
        An HTML ``<table>``.
    """
    pot = pd.to_numeric(quotas["potential"], errors="coerce").fillna(0.0)
    hist = pd.to_numeric(quotas["history"], errors="coerce").fillna(0.0)
    p_share = pot / pot.sum() if pot.sum() > 0 else pot * 0.0
    h_share = hist / hist.sum() if hist.sum() > 0 else hist * 0.0
    total = _num(spec.get("total"))
    floor, cap = _num(spec.get("floor")), _num(spec.get("cap"))
    rows = []
    for i, (_, r) in enumerate(quotas.reset_index(drop=True).iterrows()):
        sid = str(r["seller_id"])
        name = str(r["name"]) if "name" in r.index and pd.notna(r["name"]) else names.get(sid, sid)
        role = str(r["role"]) if "role" in r.index and pd.notna(r["role"]) else ""
        weight, quota, reach = _num(r["share"]), _num(r["quota"]), _num(r["reachable"])
        bound = (
            bound_applied(total * weight, quota, floor, cap, _num(spec.get("rounding")))
            if total is not None and weight is not None and quota is not None
            else ""
        )
        attainable = _flag(r["attainable"]) if "attainable" in r.index else None
        if attainable is None and quota is not None and reach is not None:
            attainable = quota <= reach + 1e-6
        verdict = {True: "yes", False: "no: above what the territory can reach", None: "n/a"}[attainable]
        cls = ' class="short"' if attainable is False else ""
        rows.append(
            f"<tr{cls}><th>{esc(name)} <span class=\"muted\">{esc(role)}</span></th>"
            f"<td>{fmt_num(100 * float(p_share.iloc[i]), 1)} %</td>"
            f"<td>{fmt_num(100 * float(h_share.iloc[i]), 1)} %</td>"
            f"<td>{fmt_num(100 * weight, 1) + ' %' if weight is not None else 'n/a'}</td>"
            f"<td>{fmt_num(quota, 0) if quota is not None else 'n/a'}</td>"
            f"<td>{esc(bound)}</td>"
            f"<td>{fmt_num(reach, 0) if reach is not None else 'n/a'}</td>"
            f"<td>{esc(verdict)}</td></tr>"
        )
    head = (
        "<tr><th>seller</th><th>share of potential</th><th>share of history</th><th>weight</th>"
        "<th>quota</th><th>bound applied</th><th>reachable</th><th>attainable</th></tr>"
    )
    return f'<table class="kpis quotas"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def quota_section(run: RunData, names: dict[str, str]) -> str:
    """The quota part of a run's section, or ``""`` when the run has no quota table.

    Parameters
    ----------
    run
        The run folder's data.
    names
        Seller id → name (the instance's), for a quota table without names.

    Returns
    -------
    str
        A heading, the settings sentence, the table and how to read it.
    """
    quotas = read_plan_table(run.path, QUOTAS, REQUIRED)
    if quotas is None:
        return ""
    scenario = run.meta.get("scenario")
    spec = scenario.get("quota") if isinstance(scenario, dict) else None
    spec = spec if isinstance(spec, dict) else {}
    return (
        f'<h3>Quotas</h3><p class="muted">{_settings(spec)}</p>'
        + quota_table(quotas, spec, names)
        + '<p class="muted">Weight: the share the method gives the seller (potential, history or '
        "their blend). Bound applied: the floor or cap that held the quota, the rest of the target "
        "being spread again over the others. Reachable: the territory's potential times the "
        "funnel's conversion rates (customers: 1 − churn).</p>"
    )
