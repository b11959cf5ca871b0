"""Static SVG charts written by hand: they need no JavaScript and no network.

Each function returns one ``<svg>`` element as text. Every label goes through
:func:`allocate.publish.text.esc`; hovering a bar shows its exact value through the SVG
``<title>`` element, which browsers display natively.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from allocate.io.runfolder import SCHEDULE
from allocate.publish.text import esc, fmt_num

FONT = "font-family=\"'Segoe UI',Roboto,Helvetica,Arial,sans-serif\""
OK, WARN, OVER = "#4e79a7", "#f28e2b", "#d1495b"
INK, MUTED, GRID = "#1f2937", "#6b7280", "#e5e7eb"


def _svg(width: float, height: float, body: str, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{esc(label)}" {FONT} font-size="12">'
        f"{body}</svg>"
    )


def _nice_max(x: float) -> float:
    if not math.isfinite(x) or x <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(x))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * mag >= x:
            return step * mag
    return 10 * mag


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    unit: str,
    capacity: Sequence[float] | None = None,
    colors: Sequence[str] | None = None,
    digits: int = 1,
) -> str:
    """Horizontal bars, one per seller; ``capacity`` draws each seller's capacity line.

    Without capacities a dashed line marks the mean, which shows equity at a glance.

    Parameters
    ----------
    labels
        One label per bar (escaped, shortened to 28 characters).
    values
        One value per bar (NaN drawn as 0).
    title, unit
        Chart title and unit of the values.
    capacity
        One capacity per bar; a bar above its capacity is drawn red.
    colors
        One colour per bar (default: one blue).
    digits
        Decimals of the values shown.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    vals = np.nan_to_num(np.asarray(values, dtype=float))
    caps = np.nan_to_num(np.asarray(capacity, dtype=float)) if capacity is not None else None
    label_w, bar_w, row_h, top = 190.0, 420.0, 20.0, 30.0
    vmax = _nice_max(
        float(max(vals.max(initial=0), caps.max(initial=0) if caps is not None else 0))
    )
    height = top + row_h * len(vals) + 28
    scale = bar_w / vmax
    parts = [f'<text x="0" y="16" font-weight="600" fill="{INK}">{esc(title)}</text>']
    for k in range(5):
        x = label_w + bar_w * k / 4
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 24}" stroke="{GRID}"/>'
            f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" fill="{MUTED}" font-size="10">'
            f"{esc(fmt_num(vmax * k / 4, 0 if vmax >= 10 else 1))}</text>"
        )
    for i, (lab, v) in enumerate(zip(labels, vals, strict=True)):
        y = top + i * row_h
        color = colors[i] if colors is not None else OK
        over = caps is not None and v > caps[i] + 1e-6
        tip = f"{lab}: {fmt_num(v, digits)} {unit}" + (
            f" of {fmt_num(caps[i], digits)} {unit}" if caps is not None else ""
        )
        parts.append(
            f"<g><title>{esc(tip)}</title>"
            + _row_label(label_w, y, lab)
            + f'<rect x="{label_w}" y="{y + 3}" width="{max(0.0, v * scale):.1f}" height="{row_h - 6}" rx="2" '
            f'fill="{OVER if over else color}" fill-opacity="0.9"/>'
            f'<text x="{label_w + v * scale + 4:.1f}" y="{y + 13}" fill="{MUTED}" font-size="10">{esc(fmt_num(v, digits))}</text></g>'
        )
        if caps is not None:
            cx = label_w + caps[i] * scale
            parts.append(
                f'<line class="capacity" x1="{cx:.1f}" y1="{y + 1}" x2="{cx:.1f}" y2="{y + row_h - 1}" '
                f'stroke="{INK}" stroke-width="2.5"/>'
            )
    if caps is None and len(vals):
        mx = label_w + float(vals.mean()) * scale
        parts.append(
            f'<line x1="{mx:.1f}" y1="{top - 4}" x2="{mx:.1f}" y2="{height - 24}" stroke="{INK}" '
            f'stroke-dasharray="4 3"><title>mean {esc(fmt_num(vals.mean(), digits))} {esc(unit)}</title></line>'
        )
    legend = "capacity" if caps is not None else "mean"
    parts.append(
        f'<text x="{label_w + bar_w}" y="16" text-anchor="end" fill="{MUTED}" font-size="11">'
        f"{esc(unit)} · black line = {legend}</text>"
    )
    return _svg(label_w + bar_w + 60, height, "".join(parts), title)


def _row_label(label_w: float, y: float, text: str) -> str:
    """The label of a chart row at height ``y``: right-aligned left of ``label_w``, shortened."""
    return f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" fill="{INK}">{esc(_short(text, 28))}</text>'


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _util_color(u: float) -> str:
    if not math.isfinite(u):
        return "#f3f4f6"
    if u > 1.0 + 1e-6:
        return OVER
    # light to dark blue as utilization rises
    t = max(0.0, min(1.0, u))
    r, g, b = (int(235 - 157 * t), int(241 - 120 * t), int(250 - 83 * t))
    return f"#{r:02x}{g:02x}{b:02x}"


def weekly_load(load: pd.DataFrame, names: dict[str, str]) -> str:
    """Utilization per seller and week (heat map), and total planned hours against capacity.

    Parameters
    ----------
    load
        The schedule's weekly load: ``seller_id, week, planned_h, capacity_h, utilization``.
    names
        Seller name by id (an id without a name is shown as is).

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    df = load.copy()
    df["seller_id"] = df["seller_id"].astype(str)
    weeks = sorted(df["week"].unique().tolist(), key=_sort_key)
    sellers = list(dict.fromkeys(df["seller_id"].tolist()))
    label_w, cell_w, row_h, top = (
        190.0,
        max(14.0, min(42.0, 560.0 / max(1, len(weeks)))),
        18.0,
        34.0,
    )
    grid = df.pivot_table(index="seller_id", columns="week", values="utilization", aggfunc="sum")
    parts = [
        f'<text x="0" y="16" font-weight="600" fill="{INK}">Utilization per seller and week</text>'
    ]
    for j, w in enumerate(weeks):
        if len(weeks) <= 20 or j % max(1, len(weeks) // 12) == 0:
            parts.append(
                f'<text x="{label_w + j * cell_w + cell_w / 2:.1f}" y="{top - 6}" text-anchor="middle" '
                f'fill="{MUTED}" font-size="10">{esc(w)}</text>'
            )
    for i, s in enumerate(sellers):
        y = top + i * row_h
        parts.append(_row_label(label_w, y, names.get(s, s)))
        for j, w in enumerate(weeks):
            u = (
                float(grid.loc[s, w])
                if (s in grid.index and w in grid.columns and pd.notna(grid.loc[s, w]))
                else float("nan")
            )
            parts.append(
                f'<rect class="cell" x="{label_w + j * cell_w:.1f}" y="{y + 1}" width="{cell_w - 2:.1f}" '
                f'height="{row_h - 2}" rx="2" fill="{_util_color(u)}"><title>{esc(names.get(s, s))}, week {esc(w)}: '
                f"{esc(fmt_num(100 * u, 0))} %</title></rect>"
            )
    heat_h = top + row_h * len(sellers) + 8
    # totals per week
    tot = df.groupby("week")[["planned_h", "capacity_h"]].sum()
    chart_h, y0 = 120.0, heat_h + 28
    vmax = _nice_max(
        float(max(tot["planned_h"].max(), tot["capacity_h"].max())) if len(tot) else 1.0
    )
    parts.append(
        f'<text x="0" y="{y0 - 8}" font-weight="600" fill="{INK}">Planned hours per week (all sellers)</text>'
    )
    cap_pts = []
    for j, w in enumerate(weeks):
        ph = float(tot.loc[w, "planned_h"]) if w in tot.index else 0.0
        ch = float(tot.loc[w, "capacity_h"]) if w in tot.index else 0.0
        h = chart_h * ph / vmax
        x = label_w + j * cell_w
        parts.append(
            f'<rect class="week" x="{x:.1f}" y="{y0 + chart_h - h:.1f}" width="{cell_w - 2:.1f}" height="{h:.1f}" '
            f'fill="{OVER if ph > ch + 1e-6 else OK}"><title>week {esc(w)}: {esc(fmt_num(ph))} h planned of '
            f"{esc(fmt_num(ch))} h</title></rect>"
        )
        cap_pts.append(
            f"{x:.1f},{y0 + chart_h - chart_h * ch / vmax:.1f} {x + cell_w - 2:.1f},{y0 + chart_h - chart_h * ch / vmax:.1f}"
        )
    if cap_pts:
        parts.append(
            f'<polyline class="capacity" points="{" ".join(cap_pts)}" fill="none" stroke="{INK}" stroke-width="2"/>'
        )
    parts.append(
        f'<text x="{label_w - 8}" y="{y0 + 10}" text-anchor="end" fill="{MUTED}" font-size="10">{esc(fmt_num(vmax, 0))} h</text>'
        f'<text x="{label_w - 8}" y="{y0 + chart_h}" text-anchor="end" fill="{MUTED}" font-size="10">0</text>'
        f'<text x="{label_w}" y="{y0 + chart_h + 16}" fill="{MUTED}" font-size="11">black line = capacity; '
        f"heat map: darker = busier, red = over capacity</text>"
    )
    return _svg(
        max(label_w + cell_w * len(weeks) + 20, 560.0),
        y0 + chart_h + 24,
        "".join(parts),
        "weekly load",
    )


def _sort_key(v: object) -> tuple[int, float, str]:
    try:
        return (0, float(str(v)), "")
    except ValueError:
        return (1, 0.0, str(v))


def _minutes(value: object) -> float:
    """``start`` as minutes after midnight: ``HH:MM``, an ISO date-time, or a number of minutes."""
    text = str(value).strip()
    if "T" in text or " " in text:
        text = text.replace("T", " ").split(" ")[-1]
    if ":" in text:
        h, m = text.split(":")[:2]
        return float(h) * 60 + float(m)
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _op_color(op: str) -> str:
    palette = (
        "#4e79a7",
        "#59a14f",
        "#b07aa1",
        "#edc948",
        "#76b7b2",
        "#9c755f",
        "#ff9da7",
        "#f28e2b",
    )
    return palette[int(hashlib.md5(op.encode()).hexdigest(), 16) % len(palette)]


def gantt(
    schedule: pd.DataFrame, names: dict[str, str], *, max_sellers: int = 40
) -> tuple[str, str]:
    """Day-by-day Gantt of the first scheduled week (travel in grey before each action).

    Returns the SVG and a caption naming the week shown.

    Parameters
    ----------
    schedule
        The schedule: ``seller_id, account_id, operation, date, start, duration_min, travel_min``.
    names
        Seller name by id.
    max_sellers
        Largest number of sellers drawn (the caption says when some are left out).

    Returns
    -------
    svg : str
        An ``<svg>`` element, empty when no action has a valid date.
    caption : str
        The week and hours shown, or why nothing is.
    """
    df = schedule.copy()
    df["seller_id"] = df["seller_id"].astype(str)
    df["day"] = pd.to_datetime(df["date"], errors="coerce")
    df = df.dropna(subset=["day"])
    if df.empty:
        return "", f"no dated actions in {SCHEDULE}"
    monday = (df["day"].min() - pd.Timedelta(days=int(df["day"].min().weekday()))).normalize()
    week = df[(df["day"] >= monday) & (df["day"] < monday + pd.Timedelta(days=7))].copy()
    week["start_min"] = week["start"].map(_minutes)
    days = sorted({int((d - monday).days) for d in week["day"]} | set(range(5)))
    first = np.nanmin(week["start_min"] - week["travel_min"].fillna(0)) if len(week) else 480.0
    last = np.nanmax(week["start_min"] + week["duration_min"]) if len(week) else 1080.0
    h0 = math.floor(min(480.0, first if math.isfinite(first) else 480.0) / 60)
    h1 = math.ceil(max(1080.0, last if math.isfinite(last) else 1080.0) / 60)
    sellers = list(dict.fromkeys(week["seller_id"].tolist()))[:max_sellers]
    label_w, day_w, row_h, top = 190.0, 150.0, 18.0, 36.0
    px = day_w / ((h1 - h0) * 60)
    parts = []
    for k, d in enumerate(days):
        x = label_w + k * day_w
        date = monday + pd.Timedelta(days=d)
        parts.append(
            f'<rect x="{x:.1f}" y="{top - 4}" width="{day_w - 4:.1f}" height="{row_h * len(sellers) + 6}" fill="#f9fafb"/>'
            f'<text x="{x + day_w / 2 - 2:.1f}" y="{top - 10}" text-anchor="middle" fill="{MUTED}" font-size="11">'
            f"{esc(date.strftime('%a %d %b'))}</text>"
        )
    for i, s in enumerate(sellers):
        y = top + i * row_h
        parts.append(_row_label(label_w, y, names.get(s, s)))
        for r in week[week["seller_id"] == s].itertuples(index=False):
            k = days.index(int((r.day - monday).days))
            start = float(r.start_min)
            if not math.isfinite(start):
                continue
            x = label_w + k * day_w + (start - h0 * 60) * px
            travel = float(r.travel_min) if pd.notna(r.travel_min) else 0.0
            if travel > 0:
                parts.append(
                    f'<rect x="{x - travel * px:.1f}" y="{y + 4}" width="{travel * px:.1f}" height="{row_h - 8}" fill="#c7cbd1">'
                    f"<title>travel {esc(fmt_num(travel, 0))} min</title></rect>"
                )
            op = str(r.operation)
            parts.append(
                f'<rect class="action" x="{x:.1f}" y="{y + 2}" width="{max(1.5, float(r.duration_min) * px):.1f}" '
                f'height="{row_h - 4}" rx="1.5" fill="{_op_color(op)}"><title>{esc(names.get(s, s))} · {esc(op)} · '
                f"{esc(r.account_id)} · {esc(r.date)} {esc(r.start)} · {esc(fmt_num(r.duration_min, 0))} min</title></rect>"
            )
    ops = sorted(set(week["operation"].astype(str)))
    lx = label_w
    ly = top + row_h * len(sellers) + 22
    for op in ops[:10]:
        parts.append(
            f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{_op_color(op)}"/>'
            f'<text x="{lx + 14}" y="{ly}" fill="{MUTED}" font-size="11">{esc(_short(op, 22))}</text>'
        )
        lx += 24 + 7 * min(len(op), 22)
    parts.append(
        f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="#c7cbd1"/>'
        f'<text x="{lx + 14}" y="{ly}" fill="{MUTED}" font-size="11">travel</text>'
    )
    caption = f"week of {monday.strftime('%Y-%m-%d')}, {h0}:00–{h1}:00 each day"
    if week["seller_id"].nunique() > max_sellers:
        caption += f"; first {max_sellers} sellers of {week['seller_id'].nunique()}"
    return _svg(label_w + day_w * len(days) + 10, ly + 12, "".join(parts), "Gantt"), caption


def funnel(df: pd.DataFrame) -> str:
    """Contacts → offers → deals over the horizon, with conversion rates, and margin per week.

    Parameters
    ----------
    df
        The funnel table: ``week, contacts, offers, deals, margin`` (non-numbers count as 0).

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    totals = [
        (k, float(pd.to_numeric(df[k], errors="coerce").fillna(0).sum()))
        for k in ("contacts", "offers", "deals")
    ]
    width, top, row_h = 800.0, 30.0, 34.0
    vmax = max(1.0, totals[0][1], *(v for _, v in totals))
    parts = [
        f'<text x="0" y="16" font-weight="600" fill="{INK}">Funnel output over the horizon</text>'
    ]
    colors = ("#4e79a7", "#76b7b2", "#59a14f")
    for i, (k, v) in enumerate(totals):
        w = 420.0 * v / vmax
        y = top + i * row_h
        conv = (
            f" ({100 * v / totals[i - 1][1]:.0f} % of {totals[i - 1][0]})"
            if i and totals[i - 1][1] > 0
            else ""
        )
        parts.append(
            f'<rect class="stage" x="{110 + (420 - w) / 2:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 6}" rx="3" '
            f'fill="{colors[i]}"><title>{esc(k)}: {esc(fmt_num(v, 0))}</title></rect>'
            f'<text x="100" y="{y + 18}" text-anchor="end" fill="{INK}">{esc(k)}</text>'
            f'<text x="540" y="{y + 18}" fill="{MUTED}">{esc(fmt_num(v, 0))}{esc(conv)}</text>'
        )
    y0 = top + 3 * row_h + 36
    weeks = df["week"].astype(str).tolist()
    margin = pd.to_numeric(df["margin"], errors="coerce").fillna(0).to_numpy(dtype=float)
    mmax = _nice_max(float(margin.max(initial=0)))
    bw = max(3.0, min(30.0, 520.0 / max(1, len(weeks))))
    parts.append(
        f'<text x="0" y="{y0 - 10}" font-weight="600" fill="{INK}">Margin per week '
        f"(total {esc(fmt_num(margin.sum(), 0))})</text>"
    )
    for j, (wk, mval) in enumerate(zip(weeks, margin, strict=True)):
        h = 100.0 * mval / mmax
        parts.append(
            f'<rect class="margin" x="{110 + j * bw:.1f}" y="{y0 + 100 - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" '
            f'fill="#59a14f"><title>week {esc(wk)}: {esc(fmt_num(mval, 0))}</title></rect>'
        )
    parts.append(
        f'<text x="100" y="{y0 + 10}" text-anchor="end" fill="{MUTED}" font-size="10">{esc(fmt_num(mmax, 0))}</text>'
        f'<text x="100" y="{y0 + 100}" text-anchor="end" fill="{MUTED}" font-size="10">0</text>'
    )
    return _svg(width, y0 + 112, "".join(parts), "funnel")
