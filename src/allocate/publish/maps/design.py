"""The map of a territory design (``allocate design``), with its levels: :func:`save_design_map`.

One base layer per level (the radio buttons of the layer control): *Territories*, *Districts*,
*Regions*, each filled with one colour per territory of that level (neighbours never share a
colour) and a tooltip with its KPIs. Over them, one border layer per level that can be shown
or hidden: region borders thickest, district borders medium, territory borders thin, so that
the nesting reads at a glance on any colouring. Territory centres are an overlay of badges.
Every user string (unit ids, instance name) is escaped in Python; the data reach the page
only through :func:`~allocate.publish.maps.elements.js_data`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
import numpy as np
import shapely
from shapely.geometry import mapping

from allocate.core.errors import InputError
from allocate.core.geo import round_floats, territory_polygons
from allocate.core.instance import Instance
from allocate.io.atomic import neutralize_cell
from allocate.io.runfolder import DESIGN_UNITS, DesignRun
from allocate.publish.maps.colors import seller_colors
from allocate.publish.maps.elements import (
    BaseLayer,
    BorderLayer,
    DrawnFlag,
    HtmlControl,
    TerritoryLayer,
)
from allocate.publish.maps.page import save_map
from allocate.publish.maps.plot import DEFAULT_TILES, SIMPLIFY_DEG, _add_page_assets, new_map
from allocate.publish.text import esc, fmt_num, fmt_total, plural, to_float

#: Border width (pixels) of each level, coarsest first; deeper levels get the last one.
BORDER_PX = (5.0, 2.8, 1.0)
#: Border colour of every level (dark: reads over any fill).
BORDER_COLOR = "#111827"


def _level_names(design: DesignRun) -> list[str]:
    n = len(design.level_columns)
    names = design.summary.get("level_names")
    if isinstance(names, list) and len(names) == n:
        return [str(x) for x in names]
    return [f"level {j + 1}" for j in range(n - 1)] + ["territory"]


def node_labels(design: DesignRun, instance: Instance) -> list[np.ndarray]:
    """The territory of each node at each level, coarsest first, in the instance's node order.

    Parameters
    ----------
    design
        The design folder read back.
    instance
        The instance it was designed on.

    Returns
    -------
    list of ndarray
        One integer array per level (units in ``instance.units`` order, or accounts).

    Raises
    ------
    InputError
        When the design's nodes are not the instance's (another instance, or edited files).
    """
    key = design.node_key
    ids = instance.units.ids if key == "unit_id" and instance.units is not None else None
    if key == "unit_id" and ids is None:
        raise InputError.single(
            str(design.path / DESIGN_UNITS), "the design has units; the instance has none"
        )
    if ids is None:
        ids = instance.accounts.ids
    written = [str(x) for x in design.units[key]] if key in design.units.columns else []
    if len(written) != len(ids) or any(
        w != str(neutralize_cell(i)) for w, i in zip(written, ids, strict=True)
    ):
        raise InputError.single(
            str(design.path / DESIGN_UNITS),
            f"its {key} do not match the instance's (another instance? pass --instance DIR)",
            column=key,
        )
    out = []
    for col in design.level_columns:
        try:
            out.append(np.asarray([int(float(x)) for x in design.units[col]], dtype=np.int64))
        except ValueError:
            raise InputError.single(
                str(design.path / DESIGN_UNITS), "a territory is not a whole number", column=col
            ) from None
    return out


def level_polygons(instance: Instance, labels: np.ndarray, unit_nodes: bool) -> dict[int, Any]:
    """Territory -> polygon at one level: the union of its units, else Voronoi cells of accounts."""
    if unit_nodes:
        assert instance.units is not None
        cells: dict[int, list[Any]] = defaultdict(list)
        for u, t in enumerate(labels.tolist()):
            cells[t].append(instance.units.geometry[u])
        return {t: shapely.union_all(g) for t, g in sorted(cells.items())}
    return territory_polygons(instance, labels)


def _kpi_rows(design: DesignRun, names: list[str]) -> dict[tuple[int, int], dict[Any, Any]]:
    """(level index, territory) -> its row of the levels table (or of the territories table)."""
    out: dict[tuple[int, int], dict[Any, Any]] = {}
    if design.levels is not None:
        for r in design.levels.to_dict("records"):
            out[(int(float(r["level"])) - 1, int(float(r["territory"])))] = r
    else:
        for r in design.territories.to_dict("records"):
            out[(len(names) - 1, int(float(r["territory"])))] = r
    return out


def _tip(
    j: int,
    t: int,
    names: list[str],
    path: list[int],
    row: dict[Any, Any] | None,
    measures: Sequence[str],
    centre: str | None,
) -> str:
    """The tooltip of territory ``t`` of level ``j`` (every string escaped)."""
    head = f"<b>{esc(names[j].capitalize())} {t}</b>"
    ups = " · ".join(f"{esc(names[i])} {path[i]}" for i in range(j))
    lines = [head + (f' <span class="muted">{ups}</span>' if ups else "")]
    if row is not None:
        kids = int(to_float(row.get("children", 0)) or 0)
        if kids:
            lines.append(f"{kids} {esc(plural(names[j + 1]))}")
        lines.append(
            f"{fmt_num(to_float(row.get('nodes')), 0)} units · {fmt_num(to_float(row.get('accounts')), 0)} accounts"
        )
        for m in measures:
            dev = to_float(row.get(f"{m}_dev_pct"))
            lines.append(
                f"{esc(m)} {fmt_total(row.get(f'{m}_total'))} "
                f'<span class="muted">({"+" if dev >= 0 else ""}{fmt_num(dev, 1)} % vs mean)</span>'
            )
        conn = str(row.get("connected", "")).strip()
        if conn:
            lines.append(f"connected: {esc(conn)}")
    if centre is not None:
        lines.append(f'<span class="muted">centre {esc(centre)}</span>')
    return '<div class="allocate-tip">' + "<br>".join(lines) + "</div>"


def plot_design(
    design: DesignRun, instance: Instance, *, tiles: str | None = DEFAULT_TILES
) -> folium.Map:
    """Draw a design and its levels.

    Parameters
    ----------
    design
        A design folder read with :func:`allocate.io.runfolder.read_design`.
    instance
        The instance it was designed on.
    tiles
        Background tiles (folium name or URL); ``None`` for none.

    Returns
    -------
    folium.Map
        One base layer per level (colour by territory of that level), one border layer per
        level (thicker for coarser levels), the centres, a title box and a legend.
    """
    names = _level_names(design)
    labels = node_labels(design, instance)
    unit_nodes = design.node_key == "unit_id"
    measures = [str(m) for m in dict(design.summary.get("balance") or {})]
    kpis = _kpi_rows(design, names)
    polys = [level_polygons(instance, lab, unit_nodes) for lab in labels]
    # the territory of each level above that a territory of level j lies in (its first node's)
    first: list[dict[int, int]] = []
    for lab in labels:
        seen: dict[int, int] = {}
        for i, t in enumerate(lab.tolist()):
            seen.setdefault(t, i)
        first.append(seen)
    m = new_map(instance, tiles)
    _add_page_assets(m)
    n_levels = len(labels)
    order = list(range(n_levels - 1, -1, -1))  # finest first: shown when the page opens
    for j in order:
        colors = seller_colors(int(labels[j].max()) + 1, polys[j])
        features = []
        for t, geom in polys[j].items():
            node = first[j][t]
            path = [int(labels[i][node]) for i in range(n_levels)]
            tip = _tip(j, t, names, path, kpis.get((j, t)), measures, None)
            features.append(
                {
                    "type": "Feature",
                    "properties": {"color": colors[t], "tip": tip},
                    "geometry": round_floats(
                        mapping(geom.simplify(SIMPLIFY_DEG, preserve_topology=True)), 4
                    ),
                }
            )
        m.add_child(
            TerritoryLayer(
                f"Colour by {names[j]} ({len(features)})",
                {"type": "FeatureCollection", "features": features},
                show=j == n_levels - 1,
                overlay=False,
            )
        )
    for j in order:
        px = BORDER_PX[min(j, len(BORDER_PX) - 1)] if j < n_levels - 1 else BORDER_PX[-1]
        lines = [
            {
                "type": "Feature",
                "properties": {},
                "geometry": round_floats(
                    mapping(geom.boundary.simplify(SIMPLIFY_DEG, preserve_topology=True)), 4
                ),
            }
            for geom in polys[j].values()
        ]
        m.add_child(
            BorderLayer(
                f"{plural(names[j]).capitalize()}: borders",
                {"type": "FeatureCollection", "features": lines},
                {"color": BORDER_COLOR, "weight": px, "opacity": 0.9},
            )
        )
    _add_centres(m, design, instance, labels, names)
    m.add_child(HtmlControl(_title_html(design, instance, names), "topleft", "allocate-title"))
    m.add_child(HtmlControl(_legend_html(names), "bottomright", "allocate-legend"))
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    m.add_child(DrawnFlag())
    return m


def _add_centres(
    m: folium.Map,
    design: DesignRun,
    instance: Instance,
    labels: list[np.ndarray],
    names: list[str],
) -> None:
    """A badge at the centre of every territory of the finest level (when recorded)."""
    ter = design.territories
    if not {"centre_lat", "centre_lon", "territory"} <= set(ter.columns):
        return
    rows = []
    for r in ter.to_dict("records"):
        lat, lon = to_float(r["centre_lat"]), to_float(r["centre_lon"])
        if not (np.isfinite(lat) and np.isfinite(lon)):
            continue
        t = int(to_float(r["territory"]))
        centre = str(r.get("centre", ""))
        rows.append(
            {
                "lat": round(lat, 5),
                "lon": round(lon, 5),
                "label": esc(str(t)),
                "tip": f'<div class="allocate-tip"><b>Centre of {esc(names[-1])} {t}</b><br>{esc(centre)}</div>',
                "color": "#ffffff",
            }
        )
    if rows:
        m.add_child(BaseLayer(f"{plural(names[-1]).capitalize()}: centres", rows))


def _title_html(design: DesignRun, instance: Instance, names: list[str]) -> str:
    s = design.summary
    counts = s.get("level_counts") or [s.get("territories")]
    parts = " · ".join(
        f"{esc(str(k))} {esc(plural(n))}" for k, n in zip(counts, names, strict=False)
    )
    check = s.get("check") or {}
    rows = []
    for lv in check.get("levels") or []:
        rows.append(
            f"<tr><td>{esc(lv.get('name', ''))}</td><td class='num'>{esc(lv.get('connected'))}/{esc(lv.get('territories'))}</td>"
            f"<td class='num'>{fmt_num(to_float(lv.get('max_dev_pct')), 2)} %</td></tr>"
        )
    verdict = (
        "check passed" if check.get("feasible") else "check FAILED" if check else "not checked"
    )
    table = (
        "<table><tr><td></td><td>connected</td><td>max dev.</td></tr>" + "".join(rows) + "</table>"
        if rows
        else ""
    )
    return (
        f"<details open><summary><h1>Territory design</h1></summary>"
        f'<div class="sub">{esc(instance.name)} · {parts}<br>'
        f"status {esc(s.get('status', '?'))} · {esc(verdict)} · objective {esc(s.get('objective', ''))}</div>"
        f"{table}</details>"
    )


def _legend_html(names: list[str]) -> str:
    rows = []
    for j, n in enumerate(names):
        px = BORDER_PX[min(j, len(BORDER_PX) - 1)] if j < len(names) - 1 else BORDER_PX[-1]
        rows.append(
            f'<div><span style="display:inline-block;width:28px;border-top:{px:g}px solid {BORDER_COLOR};'
            f'vertical-align:middle"></span> {esc(plural(n))}</div>'
        )
    return (
        "<details open><summary><h2>Borders</h2></summary>"
        + "".join(rows)
        + '<div class="muted">Pick the level that colours the map in the layer control.</div></details>'
    )


def save_design_map(
    path: Path,
    instance: Instance,
    design: DesignRun,
    *,
    offline: bool = False,
    tiles: str | None = DEFAULT_TILES,
) -> Path:
    """Draw a design (:func:`plot_design`) and save the page.

    Parameters
    ----------
    path
        The HTML file written.
    instance
        The instance it was designed on.
    design
        The design folder read back.
    offline
        Inline Leaflet (see :mod:`allocate.publish.maps.offline`).
    tiles
        Background tiles; ``None`` for none.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    m = plot_design(design, instance, tiles=tiles)
    return save_map(m, path, offline=offline, title=f"design · {instance.name}")
