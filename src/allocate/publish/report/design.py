"""The report of a territory design: summary, the independent check, one KPI table per level,
and the map (:func:`write_design_report`).

The KPI tables are those of the design folder (its levels table with ``--levels``, else its
territories table): per region, district or territory, its units, accounts, each
balanced measure with its deviation from the level's mean (%), whether it is connected and how
many territories of the level below it holds. Deviations outside the band are flagged.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocate.core.instance import Instance
from allocate.io.atomic import atomic_write_text
from allocate.io.runfolder import DesignRun
from allocate.publish.maps.design import save_design_map
from allocate.publish.maps.plot import DEFAULT_TILES
from allocate.publish.report.build import CSS
from allocate.publish.report.gallery import INDEX_PAGE
from allocate.publish.text import esc, fmt_num, fmt_total, plural, to_float

#: The map file of a design report.
DESIGN_MAP = "design_map.html"

_EXTRA_CSS = "table.kpis td.out { color: #b42318; font-weight: 700; }\n"


def level_tables(design: DesignRun) -> list[tuple[str, int, pd.DataFrame]]:
    """``(level name, territories, rows)`` per level, coarsest first.

    Parameters
    ----------
    design
        A design folder read back.

    Returns
    -------
    list
        The rows of the levels table of each level (text cells), or of the territories
        table for a flat design.
    """
    if design.levels is None:
        k = len(design.territories)
        return [("territory", k, design.territories)]
    out = []
    lv = design.levels
    for level in sorted({int(to_float(x)) for x in lv["level"]}):
        rows = lv[[int(to_float(x)) == level for x in lv["level"]]]
        name = str(rows["level_name"].iloc[0]) if "level_name" in rows.columns else f"level {level}"
        out.append((name, len(rows), rows))
    return out


def level_table_html(
    name: str, rows: pd.DataFrame, measures: list[str], tolerance: dict[str, float]
) -> str:
    """One level as an HTML table (every cell escaped; out-of-band deviations flagged).

    Parameters
    ----------
    name
        The level's name (``region``...).
    rows
        Its rows of the levels (or territories) table.
    measures
        The balanced measures.
    tolerance
        Band of each measure (a share).

    Returns
    -------
    str
        A ``<table>``.
    """
    has = set(rows.columns)
    cols: list[tuple[str, str]] = [("territory", name)]
    if "parent" in has and any(to_float(x) >= 0 for x in rows["parent"]):
        cols.append(("parent", "inside"))
    if "children" in has and any(to_float(x) > 0 for x in rows["children"]):
        cols.append(("children", "holds"))
    cols += [("nodes", "units"), ("accounts", "accounts")]
    for m in measures:
        cols += [(f"{m}_total", m), (f"{m}_dev_pct", f"{m} vs mean (%)")]
    if "connected" in has:
        cols.append(("connected", "connected"))
    head = "".join(f"<th>{esc(label)}</th>" for key, label in cols if key in has)
    body = []
    for r in rows.to_dict("records"):
        cells = []
        for key, _ in cols:
            if key not in has:
                continue
            v = r[key]
            cls = ""
            if key.endswith("_dev_pct"):
                m = key[: -len("_dev_pct")]
                dev = to_float(v)
                text = fmt_num(dev, 2)
                if m in tolerance and abs(dev) > 100 * tolerance[m] + 1e-6:
                    cls = ' class="out"'
            elif key == "connected":
                text = esc(v)
                if str(v).strip() == "no":
                    cls = ' class="out"'
            elif key.endswith("_total"):
                text = fmt_total(v)
            else:
                text = fmt_num(to_float(v), 0) if to_float(v) == to_float(v) else esc(v)
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="scroll"><table class="kpis"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _bands_text(band: dict[str, float]) -> str:
    return ", ".join(f"{m} ±{fmt_num(100 * t, 1)} %" for m, t in band.items())


def write_design_report(
    design: DesignRun,
    instance: Instance,
    out_dir: Path,
    *,
    offline: bool = False,
    tiles: str | None = None,
) -> Path:
    """Write ``out_dir/index.html`` (summary, check, KPIs per level) and its map.

    Parameters
    ----------
    design
        A design folder read with :func:`allocate.io.runfolder.read_design`.
    instance
        The instance it was designed on.
    out_dir
        Report folder (created).
    offline
        Inline Leaflet in the map.
    tiles
        Background tiles (default: the maps' default).

    Returns
    -------
    pathlib.Path
        ``out_dir/index.html``; the map is :data:`DESIGN_MAP` beside it.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_design_map(
        out_dir / DESIGN_MAP,
        instance,
        design,
        offline=offline,
        tiles=DEFAULT_TILES if tiles is None else tiles,
    )
    s = design.summary
    balance = {str(k): to_float(v) for k, v in dict(s.get("balance") or {}).items()}
    measures = list(balance)
    check = s.get("check") or {}
    verdict = "passed" if check.get("feasible") else "FAILED" if check else "not run (older design)"
    problems = "".join(f"<li>{esc(p)}</li>" for p in check.get("problems") or [])
    check_rows = "".join(
        f"<tr><th>{esc(lv.get('name', ''))}</th><td>{esc(lv.get('territories'))}</td>"
        f"<td>{esc(lv.get('connected'))}</td><td>{fmt_num(to_float(lv.get('max_dev_pct')), 2)}</td>"
        f"<td{'' if lv.get('ok') else ' class=out'}>{'yes' if lv.get('ok') else 'no'}</td></tr>"
        for lv in check.get("levels") or []
    )
    sections = []
    per_level = s.get("level_bands")
    tables = level_tables(design)
    for j, (name, k, rows) in enumerate(tables):
        band = (
            {str(m): to_float(t) for m, t in per_level[j].items()}
            if isinstance(per_level, list)
            and len(per_level) == len(tables)
            and isinstance(per_level[j], dict)
            else balance
        )
        sections.append(
            f"<section><h2>{esc(plural(name).capitalize())} <span class='muted'>{k} · "
            f"deviation from the mean of the level; red: outside the band</span></h2>"
            f"<p class='muted'>band: {esc(_bands_text(band))}</p>"
            f"{level_table_html(name, rows, measures, band)}</section>"
        )
    bands = esc(_bands_text(balance))
    counts = s.get("level_counts") or [s.get("territories")]
    names = s.get("level_names") or ["territory"]
    levels_text = " > ".join(
        f"{esc(k)} {esc(plural(str(n)))}" for k, n in zip(counts, names, strict=False)
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(f"Territory design · {instance.name}")}</title><style>{CSS}{_EXTRA_CSS}</style></head>
<body><header><h1>Territory design</h1>
<p>{esc(instance.name)} · {levels_text} · bands: {bands}</p></header>
<main><section><h2>Summary</h2><table class="kpis"><tbody>
<tr><th>status</th><td>{esc(s.get("status", "?"))}</td></tr>
<tr><th>objective ({esc(s.get("objective", ""))})</th><td>{fmt_num(to_float(s.get("value")), 1)}</td></tr>
<tr><th>independent check</th><td>{esc(verdict)}</td></tr>
<tr><th>time (s)</th><td>{fmt_num(to_float(s.get("wall_s")), 1)} of {fmt_num(to_float(s.get("time_limit_s")), 0)}</td></tr>
</tbody></table>
{f"<p class='muted'>{esc(s.get('reason'))}</p>" if s.get("reason") else ""}
<h3>Check per level</h3><table class="kpis"><thead><tr><th>level</th><th>territories</th><th>connected</th>
<th>max deviation (%)</th><th>nested, connected and balanced</th></tr></thead><tbody>{check_rows}</tbody></table>
{f"<ul>{problems}</ul>" if problems else ""}</section>
<section><h2>Map <span class="muted">pick the level that colours it in the layer control</span></h2>
<iframe class="map" src="{DESIGN_MAP}" title="design map"></iframe></section>
{"".join(sections)}</main></body></html>
"""
    index = out_dir / INDEX_PAGE
    atomic_write_text(index, page)
    return index
