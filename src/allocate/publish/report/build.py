"""Static HTML report comparing runs: KPI table, per-seller bars, quotas, schedule, funnel and maps.

The report is one folder: ``index.html`` plus one map file per run (and a side-by-side
comparison of the first two runs), embedded with ``<iframe>``. Charts are inline SVG
(:mod:`allocate.publish.report.charts`), so the page needs no script and no network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from allocate.core.geo import territory_polygons
from allocate.core.instance import Instance
from allocate.io.atomic import atomic_write_text
from allocate.io.runfolder import FUNNEL, LOAD, SCHEDULE, RunData, account_owner, read_plan_table
from allocate.publish.maps.colors import seller_colors
from allocate.publish.maps.plot import DEFAULT_TILES
from allocate.publish.maps.runs import save_run_map
from allocate.publish.maps.sellers import seller_table
from allocate.publish.report import charts
from allocate.publish.report.gallery import INDEX_PAGE
from allocate.publish.report.quota import quota_section
from allocate.publish.text import esc, fmt_num

#: (label, getter on totals, digits, lower is better?)
KPI_ROWS: tuple[tuple[str, str, int, bool | None], ...] = (
    ("status", "status", 0, None),
    ("objective", "objective", 2, True),
    ("gap", "gap", 3, True),
    ("total workload (h/week)", "total_workload_h", 1, True),
    ("total travel (h/week)", "total_travel_h", 1, True),
    ("total capacity (h/week)", "total_capacity_h", 1, None),
    ("workload CV", "workload.cv", 3, True),
    ("workload max/min", "workload.max_min_ratio", 2, True),
    ("utilization max", "utilization.max", 3, True),
    ("potential Gini", "potential.gini", 3, True),
    ("overloaded sellers", "overloaded_sellers", 0, True),
    ("accounts moved vs today", "moves", 0, True),
    ("uncovered items", "uncovered_items", 0, True),
    ("sellers needed (build-up)", "sellers_needed", 0, True),
    ("non-contiguous territories", "non_contiguous_territories", 0, True),
    ("  of which across islands", "non_contiguous_islands", 0, None),
    ("solve time (s)", "wall_s", 1, None),
)


def _get(run: RunData, key: str) -> Any:
    if key in ("status", "objective", "gap", "wall_s"):
        return run.meta.get(key)
    cur: Any = run.totals
    for part in key.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    return cur


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-") or "run"


def kpi_table(runs: Sequence[RunData]) -> str:
    """KPI rows × runs; the best value of each comparable row is bold.

    Parameters
    ----------
    runs
        The runs compared, one column each.

    Returns
    -------
    str
        An HTML ``<table>``; rows that no run has are left out, missing values read ``n/a``.
    """
    head = "".join(
        f'<th>{esc(r.label)}<br><span class="muted">{esc(r.path.name)}</span></th>' for r in runs
    )
    body = []
    for label, key, digits, lower in KPI_ROWS:
        vals = [_get(r, key) for r in runs]
        if all(v is None for v in vals):
            continue
        nums = [
            float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
            for v in vals
        ]
        best = None
        finite = [x for x in nums if x is not None and x == x and abs(x) != float("inf")]
        if lower is not None and len(runs) > 1 and finite:
            best = min(finite) if lower else max(finite)
        cells = []
        for v, x in zip(vals, nums, strict=True):
            text = fmt_num(x, digits) if x is not None else esc(v if v is not None else "n/a")
            cls = ' class="best"' if best is not None and x == best else ""
            cells.append(f"<td{cls}>{text}</td>")
        body.append(f"<tr><th>{esc(label)}</th>{''.join(cells)}</tr>")
    return f'<table class="kpis"><thead><tr><th>KPI</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def objective_table(run: RunData) -> str:
    """What the run's objective is made of: one row per term, with its weight and value.

    Parameters
    ----------
    run
        The run folder's data (``totals.objective_breakdown`` of its KPIs).

    Returns
    -------
    str
        An HTML table (travel, compactness, balance penalties, move penalty, then the
        objective, the best bound and the gap), or a note when the run folder predates the
        breakdown.
    """
    terms = run.totals.get("objective_breakdown")
    if not isinstance(terms, list) or not terms:
        return '<p class="muted">This run folder has no breakdown of its objective (solve it again to see one).</p>'
    objective = run.meta.get("objective")
    rows = []
    for t in terms:
        if not isinstance(t, dict):
            continue
        value = float(t.get("value", 0.0))
        share = f"{value / objective:.0%}" if isinstance(objective, (int, float)) and objective else ""
        rows.append(
            f"<tr><th>{esc(str(t.get('label', '')))}</th><td class=\"meaning\">{esc(str(t.get('meaning', '')))}</td>"
            f"<td>{esc(fmt_num(float(t.get('amount', 0.0)), 1))} {esc(str(t.get('unit', '')))}</td>"
            f"<td>× {esc(fmt_num(float(t.get('weight', 0.0)), 3))}</td>"
            f"<td>{esc(fmt_num(value, 2))}</td><td>{esc(share)}</td></tr>"
        )
    bound = run.meta.get("best_bound")
    gap = run.meta.get("gap")
    foot = [f"<tr><th>objective</th><td class=\"meaning\">the sum minimized</td><td></td><td></td><td>{esc(fmt_num(float(objective), 2)) if isinstance(objective, (int, float)) else ''}</td><td></td></tr>"]
    if isinstance(bound, (int, float)):
        gap_txt = f"gap {gap:.1%}" if isinstance(gap, (int, float)) and gap == gap else "gap unknown"
        foot.append(
            f"<tr><th>best bound</th><td class=\"meaning\">no alignment can score below it (proven): {esc(gap_txt)}</td>"
            f"<td></td><td></td><td>{esc(fmt_num(float(bound), 2))}</td><td></td></tr>"
        )
    head = "<tr><th>term</th><th>what it measures</th><th>amount</th><th>weight</th><th>value</th><th>share</th></tr>"
    return (
        '<h3>Objective, term by term</h3><table class="kpis objective">'
        f"<thead>{head}</thead><tbody>{''.join(rows)}{''.join(foot)}</tbody></table>"
    )


def run_section(
    run: RunData, instance: Instance, colors: Sequence[str], map_file: str | None
) -> str:
    """Everything about one run: bars, quotas, schedule, funnel and its map.

    Parameters
    ----------
    run
        The run folder's data.
    instance
        The instance it solved.
    colors
        One colour per seller (the same as on its map).
    map_file
        File name of its map next to the report, or ``None`` for no map.

    Returns
    -------
    str
        An HTML ``<section>``; the quotas appear only when the run folder holds a quota table
        (:mod:`allocate.publish.report.quota`), the weekly load, Gantt and funnel only when it
        holds a schedule.
    """
    table = seller_table(instance, run.alignment, run.sellers if len(run.sellers) else None)
    names = [
        f"{n} ({r})" for n, r in zip(instance.sellers.names, instance.sellers.role, strict=True)
    ]
    by_id = dict(zip(instance.sellers.ids, instance.sellers.names, strict=True))
    parts = [
        f'<section class="run" id="{esc(_slug(run.path.name))}"><h2>{esc(run.label)} '
        f'<span class="muted">{esc(run.path.name)}</span></h2>',
        objective_table(run),
        '<div class="charts">',
    ]
    parts.append(
        charts.bar_chart(
            names,
            table["workload_h"].tolist(),
            capacity=table["capacity_h"].tolist(),
            title="Workload per seller",
            unit="h/week",
            colors=colors,
        )
    )
    parts.append(
        charts.bar_chart(
            names,
            table["potential"].tolist(),
            title="Potential per seller",
            unit="€/year",
            colors=colors,
            digits=0,
        )
    )
    parts.append("</div>")
    parts.append(quota_section(run, by_id))
    load = read_plan_table(
        run.path, LOAD, ("seller_id", "week", "planned_h", "capacity_h", "utilization")
    )
    if load is not None:
        parts.append(
            '<h3>Weekly load</h3><div class="charts">' + charts.weekly_load(load, by_id) + "</div>"
        )
    sched = read_plan_table(
        run.path,
        SCHEDULE,
        ("seller_id", "account_id", "operation", "date", "start", "duration_min", "travel_min"),
    )
    if sched is not None:
        svg, caption = charts.gantt(sched, by_id)
        parts.append(
            f'<h3>Gantt per seller <span class="muted">{esc(caption)}</span></h3><div class="charts scroll">{svg}</div>'
        )
    fun = read_plan_table(run.path, FUNNEL, ("week", "contacts", "offers", "deals", "margin"))
    if fun is not None:
        parts.append('<h3>Funnel output</h3><div class="charts">' + charts.funnel(fun) + "</div>")
    if load is None and sched is None:
        parts.append(
            '<p class="muted">No schedule in this run folder (run <code>allocate schedule</code> to add the weekly load and the Gantt).</p>'
        )
    if map_file:
        parts.append(
            f'<h3>Territories</h3><iframe class="map" src="{esc(map_file)}" title="map of {esc(run.label)}"></iframe>'
        )
    parts.append("</section>")
    return "".join(parts)


CSS = """
body { font-family: 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; margin: 0; color: #1f2937; background: #f3f4f6; }
header { background: #111827; color: #fff; padding: 22px 40px; }
header h1 { margin: 0; font-size: 24px; } header p { margin: 4px 0 0; color: #d1d5db; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 40px 60px; }
section { background: #fff; border-radius: 10px; box-shadow: 0 1px 4px rgba(0,0,0,.08); padding: 18px 24px; margin: 18px 0; }
h2 { font-size: 19px; margin: 0 0 12px; } h3 { font-size: 15px; margin: 20px 0 8px; }
.muted { color: #6b7280; font-weight: 400; font-size: .85em; }
table.kpis { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.kpis th, table.kpis td { padding: 6px 14px; border-bottom: 1px solid #e5e7eb; text-align: right; }
table.kpis tbody th { text-align: left; font-weight: 500; color: #374151; }
table.kpis thead th { border-bottom: 2px solid #111827; vertical-align: bottom; }
table.kpis td.best { font-weight: 700; color: #047857; }
table.quotas tr.short td { color: #b42318; }
.charts { display: flex; flex-wrap: wrap; gap: 28px; align-items: flex-start; }
.scroll { overflow-x: auto; }
table.objective td.meaning { text-align: left; color: #6b7280; max-width: 520px; }
iframe.map { width: 100%; height: 620px; border: 1px solid #e5e7eb; border-radius: 8px; }
"""


def write_report(
    runs: Sequence[RunData],
    instance: Instance,
    out_dir: Path,
    *,
    offline: bool = False,
    tiles: str | None = None,
) -> Path:
    """Write ``out_dir/index.html`` and its map files; returns the index path.

    Parameters
    ----------
    runs
        Run folders read with :func:`allocate.io.runfolder.read_run`, all on ``instance``.
    instance
        The instance the runs solved.
    out_dir
        Report folder (created).
    offline
        Inline Leaflet in the map files (see :mod:`allocate.publish.maps.offline`).
    tiles
        Background tiles of the maps (default: the maps' default).

    Returns
    -------
    pathlib.Path
        ``out_dir/index.html``; one map file per run, and a side-by-side map of the first two
        runs, are written next to it.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tiles = DEFAULT_TILES if tiles is None else tiles
    sections = []
    for i, run in enumerate(runs):
        colors = seller_colors(
            len(instance.sellers),
            territory_polygons(instance, account_owner(instance, run.alignment)),
        )
        map_file = f"map_{i + 1}_{_slug(run.label)}.html"
        save_run_map(out_dir / map_file, instance, run, offline=offline, colors=colors, tiles=tiles)
        sections.append(run_section(run, instance, colors, map_file))
    compare = ""
    if len(runs) >= 2:
        a, b = runs[0], runs[1]
        cmp_file = f"compare_{_slug(a.label)}_vs_{_slug(b.label)}.html"
        save_run_map(out_dir / cmp_file, instance, a, b, offline=offline, tiles=tiles)
        compare = (
            f'<section><h2>{esc(a.label)} vs {esc(b.label)} <span class="muted">side by side; ringed accounts change owner'
            f'</span></h2><iframe class="map" src="{esc(cmp_file)}" title="comparison map"></iframe></section>'
        )
    labels = ", ".join(r.label for r in runs)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(f"Organization models · {instance.name}")}</title><style>{CSS}</style></head>
<body><header><h1>Organization models compared</h1>
<p>{esc(instance.name)} · {len(instance.accounts):,} accounts · {len(instance.sellers):,} sellers · models: {esc(labels)}</p></header>
<main><section><h2>Key indicators</h2>{kpi_table(runs)}
<p class="muted">Bold green: best value of the row. Workload is weekly hours, travel included.</p></section>
{compare}{"".join(sections)}</main></body></html>
"""
    index = out_dir / INDEX_PAGE
    atomic_write_text(index, page)
    return index
