"""Seller colours: neighbouring territories never share a colour.

Territories are the vertices of a graph whose edges join territories that touch or overlap.
A greedy colouring in Welsh–Powell order (most neighbours first) gives each territory, among the
palette colours that none of its coloured neighbours uses, the least used one (ties: palette
order), so that sellers get distinct colours whenever the palette is large enough and the
legend stays unambiguous. Planar maps of real territories need
few colours, so the palette below is rarely exhausted; when it is, further hues are drawn on the
golden angle so that colours stay distinct.
"""

from __future__ import annotations

import colorsys
from collections.abc import Iterable, Mapping

import shapely

#: Qualitative palette, readable on a light basemap and in print.
PALETTE: tuple[str, ...] = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#17becf",
    "#8cd17d",
    "#bab0ac",
)


def extra_color(k: int) -> str:
    """The ``k``-th colour after :data:`PALETTE` (golden-angle hues, mid saturation).

    Parameters
    ----------
    k
        Index past the palette's end (0 for the first extra colour).

    Returns
    -------
    str
        A ``#rrggbb`` colour.
    """
    h = (0.11 + 0.618034 * k) % 1.0
    r, g, b = colorsys.hls_to_rgb(h, 0.5, 0.55)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"


def territory_adjacency(territories: Mapping[int, object]) -> dict[int, set[int]]:
    """Seller -> sellers whose territory touches or overlaps its own.

    Parameters
    ----------
    territories
        Territory geometry (shapely) of each seller.

    Returns
    -------
    dict
        The neighbours of every seller in ``territories`` (an empty set for none).
    """
    keys = list(territories)
    geoms = [territories[k] for k in keys]
    adj: dict[int, set[int]] = {k: set() for k in keys}
    if len(geoms) < 2:
        return adj
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i != j:
            adj[keys[i]].add(keys[j])
            adj[keys[j]].add(keys[i])
    return adj


def greedy_colors(n_sellers: int, edges: Iterable[tuple[int, int]]) -> list[str]:
    """One colour per seller so that no edge joins two sellers of the same colour.

    Parameters
    ----------
    n_sellers
        Number of sellers (vertices ``0 .. n_sellers - 1``).
    edges
        Pairs of adjacent sellers; may repeat, self-loops are ignored.

    Returns
    -------
    list of str
        ``#rrggbb`` colour of each seller: :data:`PALETTE` first, then :func:`extra_color`.
    """
    adj: list[set[int]] = [set() for _ in range(n_sellers)]
    for a, b in edges:
        if a != b:
            adj[a].add(b)
            adj[b].add(a)
    order = sorted(range(n_sellers), key=lambda s: (-len(adj[s]), s))
    slot = [-1] * n_sellers
    count: dict[int, int] = {}
    for s in order:
        used = {slot[t] for t in adj[s] if slot[t] >= 0}
        free = [k for k in range(max(len(PALETTE), len(used) + 1)) if k not in used]
        k = min(free, key=lambda c: (count.get(c, 0), c))
        slot[s] = k
        count[k] = count.get(k, 0) + 1
    return [PALETTE[k] if k < len(PALETTE) else extra_color(k - len(PALETTE)) for k in slot]


def seller_colors(n_sellers: int, *territory_sets: Mapping[int, object]) -> list[str]:
    """Colours valid for every given territory map at once (e.g. both sides of a comparison).

    Parameters
    ----------
    n_sellers
        Number of sellers.
    *territory_sets
        Territory geometry of each seller, one mapping per map.

    Returns
    -------
    list of str
        One colour per seller (see :func:`greedy_colors`).
    """
    edges: list[tuple[int, int]] = []
    for terr in territory_sets:
        for s, nbrs in territory_adjacency(terr).items():
            edges.extend((s, t) for t in nbrs)
    return greedy_colors(n_sellers, edges)
