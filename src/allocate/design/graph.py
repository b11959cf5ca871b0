"""The unit graph of a design: nodes, edges with lengths, and the node of every account.

Nodes are the instance's units when it has some (accounts without a unit are an input
error), else the accounts themselves. Edges come from an adjacency table when one is given
(``unit_a, unit_b[, distance]``), else from the units' polygons, else (accounts without
units or table) from the ``NEAREST`` nearest accounts of each account, symmetrised. When the
edges leave the graph in pieces (islands), each piece is joined to the rest by its shortest
great-circle link (counted in ``bridges`` and reported). An edge
without a distance is as long as the great-circle distance (km) between its two nodes' points
(unit centroids or account positions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from allocate.core.errors import InputError
from allocate.core.instance import Instance
from allocate.solvers.design.graph import DesignGraph

#: Neighbours of each account in the fallback graph of accounts without units or table.
NEAREST = 6
#: Shortest edge length (km): two points at the same place are still apart.
MIN_KM = 1e-3


@dataclass(frozen=True)
class UnitGraph:
    """The design graph of an instance.

    Attributes
    ----------
    ids
        The id of each node (unit ids, or account ids).
    kind
        ``"unit"`` or ``"account"``.
    graph
        The graph.
    account_node
        The node of each account.
    lat, lon
        The point of each node (unit centroid, or account position).
    bridges
        Edges added to join the components of the adjacency (islands): the shortest
        great-circle link from each component to the rest.
    """

    ids: tuple[str, ...]
    kind: str
    graph: DesignGraph
    account_node: NDArray[np.int64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    bridges: int = 0


def haversine_km(lat1: NDArray, lon1: NDArray, lat2: NDArray, lon2: NDArray) -> NDArray[np.float64]:
    """Great-circle distance in km."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def build_graph(
    instance: Instance,
    adjacency: list[tuple[int, int, float | None]] | None = None,
    adjacency_file: str = "adjacency",
) -> UnitGraph:
    """The design graph of ``instance``.

    Parameters
    ----------
    instance
        The instance.
    adjacency
        Edges ``(a, b, distance or None)`` between node positions (see :func:`node_ids`), or
        None to use the polygons (or the nearest accounts).
    adjacency_file
        Name of the adjacency table, for messages.

    Returns
    -------
    UnitGraph
        The graph.

    Raises
    ------
    InputError
        Accounts without a unit when the instance has units.
    """
    acc = instance.accounts
    units = instance.units
    if units is not None:
        missing = np.flatnonzero(acc.unit < 0)
        if len(missing):
            raise InputError.single(
                "accounts",
                f"account {acc.ids[missing[0]]!r} has no unit ({len(missing)} such accounts)",
                int(missing[0]) + 2,
                "unit_id",
            )
        import shapely

        cent = shapely.centroid(np.array(units.geometry, dtype=object))
        lon, lat = np.asarray(shapely.get_x(cent), float), np.asarray(shapely.get_y(cent), float)
        ids, kind, node = tuple(units.ids), "unit", np.asarray(acc.unit, dtype=np.int64)
        pairs: list[tuple[int, int, float | None]] = [
            (a, b, None) for a, nb in enumerate(units.neighbours) for b in nb if a < b
        ]
    else:
        lat, lon = np.asarray(acc.lat, float), np.asarray(acc.lon, float)
        ids, kind, node = tuple(acc.ids), "account", np.arange(len(acc), dtype=np.int64)
        pairs = [] if adjacency is not None else _nearest_pairs(lat, lon)
    if adjacency is not None:
        pairs = list(adjacency)
    if not pairs and len(ids) > 1:
        raise InputError.single(
            adjacency_file, f"no adjacency between the {len(ids)} {kind}s: give an adjacency table"
        )
    bridges = _bridges(len(ids), pairs, lat, lon)
    pairs = pairs + bridges
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    km = (
        np.maximum(haversine_km(lat[a], lon[a], lat[b], lon[b]), MIN_KM)
        if len(pairs)
        else np.zeros(0)
    )
    length = np.array(
        [km[i] if p[2] is None else float(p[2]) for i, p in enumerate(pairs)], dtype=np.float64
    )
    graph = DesignGraph.from_edges(
        len(ids), np.c_[a, b] if len(pairs) else np.zeros((0, 2), np.int64), length
    )
    return UnitGraph(
        ids=ids, kind=kind, graph=graph, account_node=node, lat=lat, lon=lon, bridges=len(bridges)
    )


def _bridges(
    n: int,
    pairs: list[tuple[int, int, float | None]],
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
) -> list[tuple[int, int, float | None]]:
    """Edges joining the components of the graph (islands): each time, the shortest
    great-circle link from the smallest component to a node outside it."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n < 2:
        return []
    out: list[tuple[int, int, float | None]] = []
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    while True:
        mat = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
        count, comp = connected_components(mat, directed=False)
        if count <= 1:
            return out
        sizes = np.bincount(comp)
        small = int(np.argmin(sizes))
        inside = np.flatnonzero(comp == small)
        outside = np.flatnonzero(comp != small)
        best = (np.inf, -1, -1)
        for i in inside.tolist():
            d = haversine_km(lat[i], lon[i], lat[outside], lon[outside])
            j = int(np.argmin(d))
            if d[j] < best[0]:
                best = (float(d[j]), i, int(outside[j]))
        out.append((best[1], best[2], None))
        a.append(best[1])
        b.append(best[2])


def node_ids(instance: Instance) -> dict[str, int]:
    """Position of each node id: unit ids when the instance has units, else account ids."""
    ids = instance.units.ids if instance.units is not None else instance.accounts.ids
    return {str(x): i for i, x in enumerate(ids)}


def _nearest_pairs(
    lat: NDArray[np.float64], lon: NDArray[np.float64]
) -> list[tuple[int, int, float | None]]:
    from scipy.spatial import cKDTree

    n = len(lat)
    if n < 2:
        return []
    p1, l1 = np.radians(lat), np.radians(lon)
    xyz = np.c_[np.cos(p1) * np.cos(l1), np.cos(p1) * np.sin(l1), np.sin(p1)]
    _, idx = cKDTree(xyz).query(xyz, k=min(NEAREST + 1, n))
    seen = set()
    for i in range(n):
        for j in np.atleast_1d(idx[i])[1:]:
            seen.add((min(i, int(j)), max(i, int(j))))
    return [(a, b, None) for a, b in sorted(seen)]
