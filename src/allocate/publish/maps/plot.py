"""Territory maps: polygons, accounts, seller bases, legend and layer control (folium).

A map shows one alignment: territories coloured per seller (neighbours never share a colour,
see :mod:`allocate.publish.maps.colors`), accounts as points sized by potential and coloured by
their seller (one canvas layer per segment, drawn in one pass, see
:class:`~allocate.publish.maps.elements.AccountLayer`), multi-site groups linked by thin dashed lines and seller bases as
dark square badges. Accounts are split into one layer per segment, so that each can be shown or
hidden; territories into one base layer per team, so that one team is shown at a time (the
radio buttons of the layer control): AE and CSM territories overlap by design. A team is the
row key of a split model (a role in ``roles``, a product line in ``value_proposition``: each
team has its own owner per account, see :func:`team_owners`) or, in whole-account models, the
sellers' role. Switching team (:class:`~allocate.publish.maps.elements.TeamSwitch`) recolours
the accounts by their owner in that team and shows only that team's sellers in the legend.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure
from folium.plugins import DualMap
from shapely.geometry import mapping

from allocate.core.geo import round_floats, territory_polygons
from allocate.core.instance import Instance
from allocate.core.result import Alignment, Result
from allocate.core.workload import travel_minutes
from allocate.io.runfolder import account_owner
from allocate.publish.maps.colors import seller_colors
from allocate.publish.maps.elements import (
    MAP_CSS,
    POINTS_JS,
    AccountLayer,
    BaseLayer,
    DrawnFlag,
    GroupLinkLayer,
    HighlightLayer,
    HtmlControl,
    OutlineLayer,
    TeamSwitch,
    TerritoryLayer,
)
from allocate.publish.maps.legend import CHANGED_COLOR, legend_html, title_html
from allocate.publish.maps.sellers import alignment_of, seller_table
from allocate.publish.text import esc, fmt_num

logger = logging.getLogger(__name__)

#: Background tiles; drawn faded (:data:`TILE_OPACITY`) so that territory colours stay readable.
#: OpenStreetMap needs no API key (CARTO's light basemap now does).
DEFAULT_TILES = "OpenStreetMap"
TILE_OPACITY = 0.5
#: Geometry simplification (degrees, about 100 m) that keeps large maps small.
SIMPLIFY_DEG = 0.001
#: Top margin (pixels) of the fitted view: the KPI card sits there.
FRAME_TOP_PX = 120
_SEGMENT_ORDER = ("micro", "small", "mid", "large")


def new_map(instance: Instance, tiles: str | None = DEFAULT_TILES, **kwargs: Any) -> folium.Map:
    """An empty canvas-rendered map framed on the accounts.

    Parameters
    ----------
    instance
        The instance: the map is centred and framed on its accounts.
    tiles
        Background tiles (folium name or URL); ``None`` for none.
    **kwargs
        Passed to :class:`folium.Map`.

    Returns
    -------
    folium.Map
        The map with its background tiles.
    """
    acc = instance.accounts
    m = folium.Map(
        location=[float(np.mean(acc.lat)), float(np.mean(acc.lon))] if len(acc) else [46.5, 2.5],
        zoom_start=6,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        **kwargs,
    )
    _add_tiles(m, tiles)
    _frame(m, instance)
    return m


def _add_tiles(m: folium.Map, tiles: str | None) -> None:
    if tiles:
        folium.TileLayer(tiles, name="Background", opacity=TILE_OPACITY, control=False).add_to(m)


def _frame(m: folium.Map, instance: Instance) -> None:
    acc = instance.accounts
    if len(acc):
        lat = np.concatenate([acc.lat, instance.sellers.lat])
        lon = np.concatenate([acc.lon, instance.sellers.lon])
        m.fit_bounds(
            [[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]],
            # room for the KPI card above and the folded legend below
            padding_top_left=(20, FRAME_TOP_PX),
            padding_bottom_right=(20, 40),
        )


def _add_page_assets(m: folium.Map) -> None:
    fig = m.get_root()
    if isinstance(fig, Figure):
        fig.header.add_child(Element(MAP_CSS + POINTS_JS), name="allocate_map_assets")


def _radius(potential: np.ndarray) -> np.ndarray:
    """Marker radius in pixels: the area grows with potential, capped at the 99th percentile."""
    if len(potential) == 0:
        return np.zeros(0)
    top = float(np.quantile(potential, 0.99)) or 1.0
    return np.round(2.5 + 6.5 * np.sqrt(np.clip(potential / top, 0.0, 1.0)), 1)


@dataclass(frozen=True)
class Team:
    """One team of a map: its name, the seller of each account in it, its territories."""

    name: str
    owner: np.ndarray
    territories: dict[int, object]


def team_owners(instance: Instance, alignment: Alignment) -> list[Team]:
    """The teams of an alignment, in the order of the layer control (the first one shown first).

    Parameters
    ----------
    instance
        The instance.
    alignment
        The alignment drawn.

    Returns
    -------
    list of Team
        Split models (a row key): one team per key, each account's owner the seller of its
        row of that key (``-1`` without one). Whole-account models: one team per role of the
        sellers holding a territory, all with the account's one owner; one team named ``""``
        when no seller holds a territory.
    """
    sel = instance.sellers
    if alignment.key_kind:
        out = []
        keys = np.asarray(alignment.key, dtype=object)
        for k in sorted(set(alignment.key)):
            owner = np.full(len(instance.accounts), -1, dtype=np.int64)
            rows = np.flatnonzero(keys == k)
            owner[alignment.account[rows]] = alignment.seller[rows]
            out.append(Team(str(k), owner, territory_polygons(instance, owner)))
        return out
    owner = account_owner(instance, alignment)
    territories = territory_polygons(instance, owner)
    by_role: dict[str, dict[int, object]] = defaultdict(dict)
    for s_, geom in territories.items():
        by_role[sel.role[s_]][s_] = geom
    return [Team(role, owner, by_role[role]) for role in sorted(by_role)] or [Team("", owner, {})]


def _segment_order(segments: Sequence[str]) -> list[str]:
    seen = sorted(set(segments))
    return [s for s in _SEGMENT_ORDER if s in seen] + [s for s in seen if s not in _SEGMENT_ORDER]


def plot_territories(
    result: Result | Alignment,
    instance: Instance,
    m: folium.Map | None = None,
    *,
    seller_kpis: pd.DataFrame | None = None,
    totals: dict[str, Any] | None = None,
    title: str | None = None,
    colors: Sequence[str] | None = None,
    changed: np.ndarray | None = None,
    changed_area: Any = None,
    tiles: str | None = DEFAULT_TILES,
    legend: bool = True,
    collapsed_layers: bool = False,
) -> folium.Map:
    """Draw the territories and accounts of one alignment.

    Parameters
    ----------
    result
        A solve :class:`~allocate.core.result.Result` or just its :class:`~allocate.core.result.Alignment`.
    instance
        The instance that was solved.
    m
        Map to draw on (e.g. ``DualMap.m1``); a new canvas-rendered map when ``None``.
    seller_kpis
        Per-seller KPI table with ``seller_id, workload_h, capacity_h, utilization, potential,
        accounts`` (the per-seller KPIs of a run); see :func:`seller_table` when omitted.
    totals
        The ``totals`` of the run's KPIs, shown in the title box.
    title
        Title of the map (escaped); defaults to the model name.
    colors
        One colour per seller; default: greedy colouring of the territory adjacency.
    changed
        Boolean mask of the accounts that change owner in a comparison: counted in the title
        box and ringed in a layer that is off by default (1,000 rings hide the map).
    changed_area
        Shapely geometry of the area whose territory owner changes (see
        :func:`changed_territory`), drawn as a dashed outline.
    tiles
        Background tiles (folium name or URL); ``None`` for none.
    legend
        Draw the title box and the seller legend.
    collapsed_layers
        Collapse the layer control to an icon.

    Returns
    -------
    folium.Map
        ``m`` (or the new map) with the layers added.
    """
    alignment = alignment_of(result)
    acc, sel = instance.accounts, instance.sellers
    teams = team_owners(instance, alignment)
    owner = teams[0].owner
    n_territories = sum(len(t.territories) for t in teams)
    colors = (
        list(colors)
        if colors is not None
        else seller_colors(len(sel), *(t.territories for t in teams))
    )
    table = seller_table(instance, result, seller_kpis)
    if m is None:
        m = new_map(instance, tiles)
    _add_page_assets(m)

    _add_territories(m, instance, teams, colors, table)
    _add_group_links(m, instance, owner)
    _add_accounts(m, instance, teams, colors, split=bool(alignment.key_kind))
    if changed_area is not None and not changed_area.is_empty:
        _add_changed_area(m, changed_area, 0 if changed is None else int(np.sum(changed)))
    if changed is not None and np.any(changed):
        _add_changed(m, instance, np.asarray(changed, dtype=bool))
    _add_bases(m, instance, colors, table)
    if legend:
        name = title if title is not None else (alignment.model or "alignment")
        m.add_child(
            HtmlControl(
                title_html(name, instance, table, totals, changed), "topleft", "allocate-title"
            )
        )
        m.add_child(
            HtmlControl(
                legend_html(
                    instance,
                    colors,
                    table,
                    changed is not None,
                    teams=[(t.name, _team_sellers(instance, t)) for t in teams],
                ),
                "bottomright",
                "allocate-legend",
            )
        )
    folium.LayerControl(position="topright", collapsed=collapsed_layers).add_to(m)
    if len(teams) > 1:
        m.add_child(TeamSwitch([_layer_name(t.name) for t in teams], [t.name for t in teams]))
    m.add_child(DrawnFlag())
    logger.info(
        "map of %s: %d accounts, %d territories", alignment.model, len(acc), n_territories
    )
    return m


def _quota_line(r: Any) -> str:
    """The quota of a seller's tooltip (empty without one), flagged when above its reach."""
    quota = r.get("quota", np.nan)
    if pd.isna(quota):
        return ""
    reach = r.get("reachable", np.nan)
    short = "" if pd.isna(reach) or quota <= reach + 1e-6 else " <b>above reach</b>"
    return f"<br>quota {fmt_num(quota, 0)}{short}"


def _layer_name(team: str) -> str:
    return f"Territories · {team}" if team else "Territories"


def _team_sellers(instance: Instance, team: Team) -> list[int]:
    """The sellers a team's legend lists: those holding accounts in it, and (whole-account
    models, or idle sellers of a role named like the team) the sellers of its role."""
    sel = instance.sellers
    held = set(np.unique(team.owner[team.owner >= 0]).tolist())
    return [s for s in range(len(sel)) if s in held or (team.name and sel.role[s] == team.name)]


def _add_territories(
    m: folium.Map,
    instance: Instance,
    teams: list[Team],
    colors: Sequence[str],
    table: pd.DataFrame,
) -> None:
    """One base layer per team: the layer control shows one team at a time (the first one first)."""
    for k, team in enumerate(teams):
        features = [
            _territory_feature(instance, s, geom, colors, table)
            for s, geom in team.territories.items()
        ]
        m.add_child(
            TerritoryLayer(
                _layer_name(team.name),
                {"type": "FeatureCollection", "features": features},
                show=k == 0,
                overlay=False,
            )
        )


def _territory_feature(
    instance: Instance, s: int, geom: Any, colors: Sequence[str], table: pd.DataFrame
) -> dict[str, Any]:
    """A seller's territory as a GeoJSON feature with its tooltip (escaped)."""
    sel = instance.sellers
    r = table.loc[s]
    tip = (
        f'<div class="allocate-tip"><b>{esc(sel.names[s])}</b> <span class="muted">{esc(sel.role[s])}</span><br>'
        f"workload {fmt_num(r['workload_h'])} h/week of {fmt_num(r['capacity_h'])} h<br>"
        f"utilization {fmt_num(100 * r['utilization'], 0)} %<br>"
        f"potential {fmt_num(r['potential'], 0)}<br>"
        f"{fmt_num(r['accounts'], 0)} accounts{_quota_line(r)}</div>"
    )
    simple = geom.simplify(SIMPLIFY_DEG, preserve_topology=True)
    return {
        "type": "Feature",
        "properties": {"color": colors[s], "tip": tip},
        "geometry": round_floats(mapping(simple), 4),
    }


def _add_group_links(m: folium.Map, instance: Instance, owner: np.ndarray) -> None:
    """Star from the group's largest site to every other site: shows who owns a key account."""
    acc, sel = instance.accounts, instance.sellers
    sites: dict[int, list[int]] = defaultdict(list)
    for a in np.flatnonzero(acc.group >= 0).tolist():
        sites[int(acc.group[a])].append(a)
    rows = []
    for g, members in sorted(sites.items()):
        if len(members) < 2:
            continue
        hub = max(members, key=lambda a: (acc.potential[a], -a))
        owners = sorted({sel.names[owner[a]] if owner[a] >= 0 else "(none)" for a in members})
        tip = (
            f'<div class="allocate-tip"><b>group {esc(acc.group_ids[g])}</b> · {len(members)} sites<br>'
            f"owner: {esc(', '.join(owners))}</div>"
        )
        segs = [
            [
                [round(float(acc.lat[hub]), 5), round(float(acc.lon[hub]), 5)],
                [round(float(acc.lat[a]), 5), round(float(acc.lon[a]), 5)],
            ]
            for a in members
            if a != hub
        ]
        rows.append([tip, segs])
    if rows:
        m.add_child(GroupLinkLayer("Multi-site groups", rows))


def _add_accounts(
    m: folium.Map, instance: Instance, teams: list[Team], colors: Sequence[str], split: bool
) -> None:
    """One point layer per segment; columns of numbers plus lookup tables keep the page small.

    In a split model each layer also carries ``ts``, the owner of its accounts in every team:
    :class:`~allocate.publish.maps.elements.TeamSwitch` recolours by the team shown.
    """
    acc, sel = instance.accounts, instance.sellers
    owner = teams[0].owner
    n = len(acc)
    travel = np.full(n, -1, dtype=np.int64)
    has = np.flatnonzero(owner >= 0)
    if len(has):
        travel[has] = np.round(travel_minutes(instance, owner[has], has)).astype(np.int64)
    radius = _radius(np.asarray(acc.potential, dtype=float))
    lat = np.round(np.asarray(acc.lat, dtype=float), 5)
    lon = np.round(np.asarray(acc.lon, dtype=float), 5)
    potential = np.round(np.asarray(acc.potential, dtype=float))
    segments = _segment_order(acc.segment)
    stages = sorted(set(acc.stage))
    stage_pos = {s: i for i, s in enumerate(stages)}
    line_sets = [", ".join(x) or "-" for x in acc.product_lines]
    lines = sorted(set(line_sets))
    line_pos = {x: i for i, x in enumerate(lines)}
    seg_of = np.asarray(acc.segment, dtype=object)
    common = {
        "colors": list(colors),
        "sellers": list(sel.names),
        "segments": list(segments),
        "stages": stages,
        "lines": lines,
        "groups": list(acc.group_ids),
    }
    for k, seg in enumerate(segments):
        members = np.flatnonzero(seg_of == seg)
        # large accounts last (on top, hoverable); equal radius and colour in runs (one path each)
        members = members[np.lexsort((members, owner[members], radius[members]))]
        payload = {
            **common,
            "seg": k,
            "lat": lat[members].tolist(),
            "lon": lon[members].tolist(),
            "r": radius[members].tolist(),
            "s": owner[members].astype(int).tolist(),
            "st": [stage_pos[acc.stage[a]] for a in members],
            "tr": travel[members].tolist(),
            "names": [acc.names[a] for a in members],
            "ids": [acc.ids[a] for a in members],
            "pot": potential[members].tolist(),
            "pl": [line_pos[line_sets[a]] for a in members],
            "grp": np.asarray(acc.group)[members].astype(int).tolist(),
            "cur": np.asarray(acc.current_seller)[members].astype(int).tolist(),
        }
        if split:
            payload["ts"] = [t.owner[members].astype(int).tolist() for t in teams]
        m.add_child(AccountLayer(f"Accounts · {seg} ({len(members):,})", payload))


def _add_changed(m: folium.Map, instance: Instance, changed: np.ndarray) -> None:
    acc = instance.accounts
    radius = _radius(np.asarray(acc.potential, dtype=float))
    idx = np.flatnonzero(changed)
    idx = idx[np.argsort(radius[idx], kind="stable")]
    payload = {
        "color": CHANGED_COLOR,
        "lat": np.round(np.asarray(acc.lat, dtype=float)[idx], 5).tolist(),
        "lon": np.round(np.asarray(acc.lon, dtype=float)[idx], 5).tolist(),
        "r": radius[idx].tolist(),
    }
    m.add_child(HighlightLayer(f"Accounts that change owner ({len(idx):,})", payload, show=False))


def _add_changed_area(m: folium.Map, area: Any, n_changed: int) -> None:
    simple = area.simplify(SIMPLIFY_DEG, preserve_topology=True)
    tip = f'<div class="allocate-tip"><b>Owner changes here</b><br>{n_changed:,} accounts change owner in all</div>'
    feature = {
        "type": "Feature",
        "properties": {"color": CHANGED_COLOR, "tip": tip},
        "geometry": round_floats(mapping(simple), 4),
    }
    layer = {"type": "FeatureCollection", "features": [feature]}
    m.add_child(OutlineLayer(f"Area whose owner changes ({n_changed:,} accounts)", layer))


def changed_territory(left: dict[int, Any], right: dict[int, Any], min_area: float = 1e-9) -> Any:
    """The area whose territory owner differs between two sets of territories.

    Parameters
    ----------
    left, right
        Seller index -> territory polygon (:func:`allocate.core.geo.territory_polygons`).
    min_area
        Slivers smaller than this (square degrees) are dropped.

    Returns
    -------
    shapely geometry
        The union over sellers of the symmetric difference of their two territories (empty
        when nothing changes).
    """
    empty = shapely.Polygon()
    parts = []
    for s in sorted(set(left) | set(right)):
        diff = left.get(s, empty).symmetric_difference(right.get(s, empty))
        if diff.area > min_area:
            parts.append(diff)
    return shapely.union_all(parts) if parts else empty


def _initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def _add_bases(
    m: folium.Map, instance: Instance, colors: Sequence[str], table: pd.DataFrame
) -> None:
    """One badge per office: sellers sharing a base would hide each other."""
    sel = instance.sellers
    offices: dict[tuple[float, float], list[int]] = defaultdict(list)
    for s in range(len(sel)):
        offices[(round(float(sel.lat[s]), 3), round(float(sel.lon[s]), 3))].append(s)
    rows = []
    for (lat, lon), members in offices.items():
        lines = "".join(
            f'<span class="allocate-swatch" style="background:{esc(colors[s])}"></span> '
            f'{esc(sel.names[s])} <span class="muted">{esc(sel.role[s])} · {fmt_num(table.loc[s, "capacity_h"])} h/week</span><br>'
            for s in members
        )
        label = str(len(members)) if len(members) > 1 else esc(_initials(sel.names[members[0]]))
        tip = f'<div class="allocate-tip"><b>Base</b> · {len(members)} seller{"s" if len(members) > 1 else ""}<br>{lines}</div>'
        rows.append(
            {"lat": lat, "lon": lon, "label": label, "tip": tip, "color": colors[members[0]]}
        )
    m.add_child(BaseLayer("Seller bases", rows))


def changed_owner(
    instance: Instance, left: Result | Alignment, right: Result | Alignment
) -> np.ndarray:
    """Accounts whose (first) owner differs between two alignments.

    Parameters
    ----------
    instance
        The instance both alignments are of.
    left, right
        Two solve results or alignments.

    Returns
    -------
    ndarray of bool
        One flag per account.
    """
    return account_owner(instance, alignment_of(left)) != account_owner(
        instance, alignment_of(right)
    )


def plot_comparison(
    left: Result | Alignment,
    right: Result | Alignment,
    instance: Instance,
    *,
    seller_kpis: tuple[pd.DataFrame | None, pd.DataFrame | None] = (None, None),
    totals: tuple[dict[str, Any] | None, dict[str, Any] | None] = (None, None),
    titles: tuple[str | None, str | None] = (None, None),
    tiles: str | None = DEFAULT_TILES,
) -> DualMap:
    """Two organization models side by side, synced, with the area that changes owner outlined.

    Colours are computed once on the union of both territory adjacencies, so a seller keeps
    its colour on both panes and neighbours differ on each.

    Parameters
    ----------
    left, right
        The two solve results or alignments.
    instance
        The instance both were solved on.
    seller_kpis, totals, titles
        Per pane: per-seller KPI table, KPI totals and title (see :func:`plot_territories`).
    tiles
        Background tiles (folium name or URL); ``None`` for none.

    Returns
    -------
    folium.plugins.DualMap
        The two synced maps.
    """
    owners = [account_owner(instance, alignment_of(x)) for x in (left, right)]
    terr = [territory_polygons(instance, o) for o in owners]
    colors = seller_colors(len(instance.sellers), *terr)
    changed = owners[0] != owners[1]
    area = changed_territory(terr[0], terr[1])
    acc = instance.accounts
    dual = DualMap(
        location=[float(np.mean(acc.lat)), float(np.mean(acc.lon))],
        zoom_start=6,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
    )
    for side, (res, mp) in enumerate(((left, dual.m1), (right, dual.m2))):
        _add_tiles(mp, tiles)
        _frame(mp, instance)
        plot_territories(
            res,
            instance,
            mp,
            seller_kpis=seller_kpis[side],
            totals=totals[side],
            title=titles[side],
            colors=colors,
            changed=changed,
            changed_area=area,
            collapsed_layers=True,
        )
    return dual
