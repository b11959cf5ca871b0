"""Units: the towns that received accounts, cut into sectors when big, as Voronoi cells.

Units are at most ``max_units`` towns with accounts (the others merged into their nearest
kept town). A town with more accounts than :func:`unit_max_accounts` is cut into angular
sectors ``T<geonameid>-<j>``, since a geographic model gives each unit to one seller whole.
Each unit is the Voronoi cell of its seed clipped to the country's hull (in the plane of
:class:`~allocate.generate.towns.Towns`), and lists its neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from allocate.generate.towns import Towns, from_plane, hull_km

#: A town's accounts form one unit up to max(this, a quarter of a seller's accounts);
#: beyond, the town is cut into sectors.
UNIT_MIN_ACCOUNTS = 25
SECTOR_RADIUS_KM = 0.25
#: Decimals of the units' coordinates (about 10 m).
UNIT_DECIMALS = 4


def unit_max_accounts(n_accounts: int, n_sellers: int) -> int:
    """Most accounts of one unit before its town is cut into sectors.

    Parameters
    ----------
    n_accounts, n_sellers
        Sizes of the instance.

    Returns
    -------
    int
        ``max(UNIT_MIN_ACCOUNTS, ceil(n_accounts / n_sellers / 4))``: a quarter of a
        seller's share, so that no unit outweighs a seller.
    """
    return max(UNIT_MIN_ACCOUNTS, int(np.ceil(n_accounts / n_sellers / 4)))


@dataclass(frozen=True)
class UnitSeeds:
    """Unit seeds in the plane (km) with their ids, names and populations."""

    xy: NDArray[np.float64]
    ids: tuple[str, ...]
    names: tuple[str, ...]
    population: NDArray[np.int64]
    town: NDArray[np.int64]


def choose_units(
    towns: Towns,
    town_idx: NDArray[np.int64],
    accounts: pd.DataFrame,
    max_units: int,
    max_accounts: int,
) -> tuple[UnitSeeds, NDArray[np.int64]]:
    """Unit seeds (the ``max_units`` towns with most accounts) and each account's unit.

    A town with more than ``max_accounts`` accounts is cut into ``k`` equal angular sectors
    (seeds on a small circle around it, ids ``T<geonameid>-<j>``): a unit is a building
    block that one seller takes whole in the geographic models, so none may outweigh a
    seller. An account belongs to the seed nearest to its own position (in the plane used
    for the Voronoi cells), so it lies in its unit's cell; seeds left without accounts are
    dropped.

    Parameters
    ----------
    towns
        The country's towns.
    town_idx
        Town of each account.
    accounts
        Columns ``lat``, ``lon``.
    max_units
        Most towns kept (most accounts first, then population, then geonameid).
    max_accounts
        Most accounts of a town before it is cut into sectors.

    Returns
    -------
    tuple
        The :class:`UnitSeeds` and the index of each account's unit in them.
    """
    uniq, counts = np.unique(town_idx, return_counts=True)
    if len(uniq) > max_units:
        order = np.lexsort((towns.geonameid[uniq], -towns.population[uniq], -counts))
        uniq = np.sort(uniq[order[:max_units]])
    xy_acc = towns.xy_km(accounts["lat"].to_numpy(float), accounts["lon"].to_numpy(float))
    xy_town = towns.xy_km(towns.lat[uniq], towns.lon[uniq])
    _, nearest = cKDTree(xy_town).query(xy_acc, k=1)
    per_town = np.bincount(np.asarray(nearest), minlength=len(uniq))
    xy, ids, names, pops, town = [], [], [], [], []
    for i, t in enumerate(uniq):
        k = int(np.ceil(per_town[i] / max_accounts)) if per_town[i] > max_accounts else 1
        gid, name, pop = int(towns.geonameid[t]), towns.name[t], int(towns.population[t])
        if k == 1:
            xy.append(xy_town[i])
            ids.append(f"T{gid}")
            names.append(name)
            pops.append(pop)
            town.append(int(t))
            continue
        for j in range(k):
            angle = 2.0 * np.pi * (j + 0.5) / k
            xy.append(xy_town[i] + SECTOR_RADIUS_KM * np.array([np.cos(angle), np.sin(angle)]))
            ids.append(f"T{gid}-{j + 1}")
            names.append(f"{name} ({j + 1}/{k})")
            pops.append(pop // k)
            town.append(int(t))
    seeds = np.asarray(xy, dtype=np.float64)
    keep = np.arange(len(seeds))
    while True:
        _, nearest = cKDTree(seeds[keep]).query(xy_acc, k=1)
        used = np.unique(np.asarray(nearest))
        if len(used) == len(keep):
            break
        keep = keep[used]
    units = UnitSeeds(
        xy=seeds[keep],
        ids=tuple(ids[i] for i in keep),
        names=tuple(names[i] for i in keep),
        population=np.asarray(pops, dtype=np.int64)[keep],
        town=np.asarray(town, dtype=np.int64)[keep],
    )
    return units, np.asarray(nearest, dtype=np.int64)


def unit_polygons(country: str, towns: Towns, units: UnitSeeds) -> gpd.GeoDataFrame:
    """The units' cells: Voronoi cells of the seeds clipped to the country's hull.

    Coordinates are snapped to :data:`UNIT_DECIMALS`; a cell that vanishes (a sliver)
    becomes a small diamond around its seed, so every unit keeps a polygon.

    Parameters
    ----------
    country
        A key of :data:`~allocate.generate.countries.COUNTRIES` (its hull).
    towns
        The country's towns (the plane's latitude).
    units
        The seeds.

    Returns
    -------
    geopandas.GeoDataFrame
        ``unit_id``, ``name``, ``population``, ``neighbors`` (``;`` list of the units that
        share a stretch of border) and a (Multi)Polygon ``geometry`` in EPSG:4326.
    """
    hull = hull_km(country)
    xy = units.xy
    n = len(xy)
    if n == 1:
        cells = [hull]
    else:
        regions = shapely.voronoi_polygons(
            shapely.multipoints(xy), extend_to=hull.envelope, ordered=True
        )
        polys = list(shapely.get_parts(regions))
        if len(polys) != n:
            # Duplicate coordinates merge cells: find each seed's cell by containment.
            owner = shapely.STRtree(polys).query(shapely.points(xy), predicate="intersects")
            cells_of = dict(zip(owner[0].tolist(), owner[1].tolist(), strict=True))
            polys = [polys[cells_of[i]] if i in cells_of else hull for i in range(n)]
        arr = np.array(polys, dtype=object)
        try:
            cells = list(shapely.intersection(arr, hull))
        except shapely.errors.GEOSException:
            # near-degenerate Voronoi cells (very close seeds at large n): clip cell by cell,
            # snapping a failing cell to a fine grid
            cells = [_clip_cell(c, hull) for c in arr]
    lonlat_cells = []
    for i, cell in enumerate(cells):
        geo = shapely.transform(cell, lambda c: from_plane(c, towns.lat0_rad))
        try:
            geo = shapely.set_precision(geo, 10.0**-UNIT_DECIMALS)
        except shapely.errors.GEOSException:
            # a sliver cell that snapping cannot keep valid: snap its repaired version
            geo = shapely.set_precision(shapely.make_valid(geo).buffer(0), 10.0**-UNIT_DECIMALS)
        geo = polygonal(geo)
        if geo.is_empty:
            lon, lat = from_plane(xy[i : i + 1], towns.lat0_rad)[0]
            pt = shapely.Point(lon, lat)
            geo = shapely.set_precision(pt.buffer(0.005, quad_segs=2), 10.0**-UNIT_DECIMALS)
        lonlat_cells.append(geo)
    neighbors = adjacency(lonlat_cells)
    ids = list(units.ids)
    return gpd.GeoDataFrame(
        {
            "unit_id": ids,
            "name": list(units.names),
            "population": units.population,
            "neighbors": [";".join(ids[j] for j in nb) for nb in neighbors],
        },
        geometry=lonlat_cells,
        crs="EPSG:4326",
    )


def _clip_cell(cell: shapely.Geometry, hull: shapely.Geometry) -> shapely.Geometry:
    """``cell ∩ hull``, retried on a 1e-6 grid when GEOS fails on a near-degenerate cell."""
    try:
        return shapely.intersection(cell, hull)
    except shapely.errors.GEOSException:
        return shapely.intersection(
            shapely.set_precision(cell.buffer(0), 1e-6), shapely.set_precision(hull.buffer(0), 1e-6)
        )


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep the polygon parts of an intersection (drop stray lines and points).

    Parameters
    ----------
    geom
        Any geometry.

    Returns
    -------
    shapely.Geometry
        ``geom`` itself when a (Multi)Polygon, else its polygons: one Polygon, a
        MultiPolygon, or an empty Polygon when it has none.
    """
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        return geom
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon)]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def adjacency(cells: list[shapely.Geometry]) -> list[list[int]]:
    """Cells that share a stretch of border (not just a corner).

    Parameters
    ----------
    cells
        Polygons.

    Returns
    -------
    list of list of int
        The sorted neighbours of each cell (symmetric).
    """
    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    arr = np.array(cells, dtype=object)
    shared = shapely.length(shapely.intersection(arr[left], arr[right]))
    nb: list[list[int]] = [[] for _ in cells]
    for a, b in zip(left[shared > 0], right[shared > 0], strict=True):
        nb[int(a)].append(int(b))
        nb[int(b)].append(int(a))
    return [sorted(x) for x in nb]
