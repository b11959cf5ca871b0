"""Territory polygons: unions of unit polygons, or Voronoi cells of the accounts.

When the instance has units, a seller's territory is the union of the units where it serves
most of the accounts. Otherwise each account gets its Voronoi cell (shapely), clipped to the
concave hull of all accounts, and cells are dissolved per seller.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint

from allocate.core.instance import Instance


def territory_polygons(instance: Instance, account_seller: np.ndarray) -> dict[int, object]:
    """The territory of each seller as a polygon in WGS84 lon/lat.

    Parameters
    ----------
    instance
        Accounts (position, unit, group) and, when present, the unit polygons.
    account_seller
        Seller index of every account, ``-1`` for an account nobody serves.

    Returns
    -------
    dict
        Seller index -> shapely (Multi)Polygon, for the sellers that get a territory: the union
        of the units where they serve the most non-group accounts (ties go to the lower
        index), else the union of their accounts' Voronoi cells (empty with fewer than three
        served accounts).
    """
    acc = instance.accounts
    if instance.units is not None and (acc.unit >= 0).any():
        votes: dict[int, Counter] = defaultdict(Counter)
        for a in range(len(acc)):
            if acc.unit[a] >= 0 and account_seller[a] >= 0 and acc.group[a] < 0:
                votes[int(acc.unit[a])][int(account_seller[a])] += 1
        cells: dict[int, list] = defaultdict(list)
        for u, c in votes.items():
            s = max(sorted(c), key=lambda k: c[k])
            cells[s].append(instance.units.geometry[u])
        return {s: shapely.union_all(g) for s, g in sorted(cells.items())}
    return _voronoi_territories(acc.lon, acc.lat, account_seller)


def _voronoi_territories(lon: np.ndarray, lat: np.ndarray, owner: np.ndarray) -> dict[int, object]:
    # accounts on both sides of the 180th meridian (Fiji, Chukotka, the Aleutians) are drawn in
    # longitudes 0..360, where they are neighbours; the cells are cut back at the meridian
    unwrap = crosses_antimeridian(lon[owner >= 0])
    if unwrap:
        lon = np.where(lon < 0, lon + 360.0, lon)
    cells = _voronoi_cells(lon, lat, owner)
    if unwrap:
        cells = {s: split_at_antimeridian(g) for s, g in cells.items()}
    return cells


def crosses_antimeridian(lon: np.ndarray) -> bool:
    """Whether points are closer together across the 180th meridian than across Greenwich.

    Parameters
    ----------
    lon
        Longitudes in degrees, -180..180.

    Returns
    -------
    bool
        True when shifting the western longitudes by 360 degrees narrows their span.
    """
    if len(lon) == 0 or lon.min() >= 0 or lon.max() < 0:
        return False
    shifted = np.where(lon < 0, lon + 360.0, lon)
    return float(np.ptp(shifted)) < float(np.ptp(lon))


def split_at_antimeridian(geom: Any) -> Any:
    """A polygon drawn in longitudes up to 540, cut at 180 and brought back into -180..180.

    Parameters
    ----------
    geom
        A shapely geometry whose longitudes may exceed 180.

    Returns
    -------
    shapely geometry
        The same area as a (Multi)Polygon with every longitude in -180..180.
    """
    from shapely.affinity import translate
    from shapely.geometry import box

    west = geom.intersection(box(-180.0, -90.0, 180.0, 90.0))
    east = translate(geom.intersection(box(180.0, -90.0, 540.0, 90.0)), xoff=-360.0)
    # a cut along a cell's edge also leaves lines and points: keep the areas only
    parts = [
        g
        for side in (west, east)
        for g in shapely.get_parts(side)
        if g.geom_type == "Polygon" and not g.is_empty
    ]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _voronoi_cells(lon: np.ndarray, lat: np.ndarray, owner: np.ndarray) -> dict[int, object]:
    pts = shapely.points(np.round(lon, 6), np.round(lat, 6))
    keep = owner >= 0
    if keep.sum() < 3:
        return {}
    hull = shapely.concave_hull(MultiPoint(list(pts[keep])), ratio=0.3).buffer(0.05)
    cells = shapely.voronoi_polygons(MultiPoint(list(pts[keep])), extend_to=hull)
    geoms = list(shapely.get_parts(cells))
    tree = shapely.STRtree(geoms)
    idx_pt, idx_cell = tree.query(pts[keep], predicate="intersects")
    cell_owner: dict[int, int] = {}
    own = owner[keep]
    for p_i, c_i in zip(idx_pt.tolist(), idx_cell.tolist(), strict=True):
        cell_owner.setdefault(c_i, int(own[p_i]))
    by_seller: dict[int, list] = defaultdict(list)
    for c_i, s in cell_owner.items():
        by_seller[s].append(geoms[c_i].intersection(hull))
    return {s: shapely.union_all(g) for s, g in sorted(by_seller.items())}


def round_floats(obj: Any, digits: int) -> Any:
    """``obj`` with every float of its nested dicts, lists and tuples rounded to ``digits``.

    GeoJSON coordinates are written this way: 5 digits (about 1 m) in run folders, 4 in maps.

    Parameters
    ----------
    obj
        A float, or a dict, list or tuple holding floats at any depth (tuples become lists).
    digits
        Decimal digits kept.

    Returns
    -------
    Any
        A rounded copy; other values are returned as they are.
    """
    if isinstance(obj, float):
        return round(obj, digits)
    if isinstance(obj, list | tuple):
        return [round_floats(v, digits) for v in obj]
    if isinstance(obj, dict):
        return {k: round_floats(v, digits) for k, v in obj.items()}
    return obj
