"""The HTML of a map's title box (headline KPIs) and seller legend (workload per seller, symbols)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from allocate.core.instance import Instance
from allocate.publish.text import esc, fmt_num

#: Colour of what changes owner in a comparison (area outline, optional account rings).
CHANGED_COLOR = "#d6246e"


def title_html(
    name: str,
    instance: Instance,
    table: pd.DataFrame,
    totals: dict[str, Any] | None,
    changed: np.ndarray | None,
) -> str:
    """The title box (foldable under its title): model name, instance, and headline KPIs.

    Parameters
    ----------
    name
        Title (escaped here).
    instance
        The instance.
    table
        The per-seller table (:func:`allocate.publish.maps.sellers.seller_table`).
    totals
        The run's totals, preferred to sums of ``table``.
    changed
        Mask of the accounts that change owner (comparison), or ``None``.

    Returns
    -------
    str
        HTML.
    """
    totals = totals or {}
    work = totals.get("total_workload_h", float(np.nansum(table["workload_h"])))
    cap = totals.get("total_capacity_h", float(np.nansum(table["capacity_h"])))
    kpis = [
        (f"{len(instance.accounts):,}", "accounts"),
        (f"{len(instance.sellers):,}", "sellers"),
        (f"{fmt_num(work)} h", "workload / week"),
        (f"{fmt_num(100 * work / cap, 0) if cap else 'n/a'} %", "of capacity"),
    ]
    if "total_travel_h" in totals:
        kpis.append((f"{fmt_num(totals['total_travel_h'])} h", "travel / week"))
    if changed is not None:
        kpis.append((f"{int(np.sum(changed)):,}", "change owner"))
    elif "moves" in totals:
        kpis.append((f"{int(totals['moves']):,}", "moved vs today"))
    cells = "".join(f'<div class="kpi"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for v, k in kpis)
    return (
        f"<details open><summary><h1>{esc(name)}</h1></summary>"
        f'<div class="sub">{esc(instance.name)}</div><div class="kpis">{cells}</div></details>'
    )


def legend_html(
    instance: Instance,
    colors: Sequence[str],
    table: pd.DataFrame,
    show_changed: bool,
    teams: Sequence[tuple[str, Sequence[int]]] | None = None,
) -> str:
    """The legend, folded by default: one row per seller (colour, workload against capacity, utilization), then the symbols.

    Parameters
    ----------
    instance
        The instance.
    colors
        One colour per seller.
    table
        The per-seller table.
    show_changed
        Explain the outline of the area whose owner changes.
    teams
        Per team shown on the map, its name and its sellers: the rows carry the team
        (``data-team``) and only the first team's are shown at first (the page shows the
        team picked in the layer control). ``None``: every seller, once.

    Returns
    -------
    str
        HTML.
    """
    sel = instance.sellers
    many = teams is not None and len(teams) > 1
    groups: list[tuple[str, Sequence[int]]] = (
        list(teams) if teams is not None and many else [("", range(len(sel)))]
    )
    rows: list[str] = []
    for k, (team, members) in enumerate(groups):
        attrs = f' data-team="{esc(team)}"' if many else ""
        attrs += ' style="display:none"' if k > 0 else ""
        rows.extend(_seller_row(instance, colors, table, s, attrs) for s in members)
    sym = [
        '<div><svg width="14" height="14"><circle cx="7" cy="7" r="3" fill="#6b7280"/></svg>'
        '<svg width="16" height="16"><circle cx="8" cy="8" r="7" fill="#6b7280"/></svg> account, size = potential</div>',
        '<div><span class="allocate-base" style="display:inline-block;width:18px;height:18px;line-height:14px;font-size:9px">AB</span>'
        " seller base (number = sellers)</div>",
        '<div><svg width="28" height="8"><line x1="0" y1="4" x2="28" y2="4" stroke="#374151" stroke-dasharray="4 3"/></svg>'
        " multi-site group</div>",
    ]
    if show_changed:
        sym.append(
            f'<div><svg width="28" height="10"><rect x="1" y="1" width="26" height="8" fill="none" stroke="{CHANGED_COLOR}" '
            'stroke-width="2" stroke-dasharray="6 4"/></svg> area whose owner changes</div>'
        )
    return (
        "<details><summary><h2>Sellers · workload per week "
        f'(<span class="allocate-team-n">{len(groups[0][1]):,}</span>)</h2></summary><table>'
        + "".join(rows)
        + "</table>"
        + '<div class="allocate-sym">'
        + "".join(sym)
        + "</div></details>"
    )


def _seller_row(
    instance: Instance, colors: Sequence[str], table: pd.DataFrame, s: int, attrs: str
) -> str:
    """One legend row: colour, name and role, workload against capacity, utilization."""
    sel = instance.sellers
    r = table.loc[s]
    util = r["utilization"]
    over = ' class="num over"' if pd.notna(util) and util > 1.0 + 1e-6 else ' class="num"'
    return (
        f'<tr{attrs}><td><span class="allocate-swatch" style="background:{esc(colors[s])}"></span></td>'
        f'<td>{esc(sel.names[s])} <span style="color:#6b7280">{esc(sel.role[s])}</span></td>'
        f'<td class="num">{fmt_num(r["workload_h"])}/{fmt_num(r["capacity_h"], 0)} h</td>'
        f"<td{over}>{fmt_num(100 * util, 0)} %</td></tr>"
    )
