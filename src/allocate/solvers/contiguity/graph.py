"""The unit graph of a geographic model, and the connected pieces of territories on it.

A geographic model bundles the accounts of each *unit* (a polygon of ``units.geojson``) into
one solver item. A territory is *contiguous* when the units of its items form one connected
set of the unit adjacency graph. Everything here works on plain arrays, built by the
organization layer (:mod:`allocate.organize.units`):

* ``neighbours``: the adjacency of every unit (``neighbours[u]`` lists the units whose
  polygons share a border with ``u``);
* ``b_unit``: the unit of each item (bundle), ``-1`` for items outside the graph (multi-site
  groups, locked accounts);
* ``b_seller``: the seller of each item under an assignment;
* for :class:`UnitGraph`, each seller's *base unit* and each unit's centroid.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: Neighbours of each unit: a list per unit index, or a mapping unit -> neighbours.
Adjacency = Sequence[Sequence[int]] | Mapping[int, Sequence[int]]


def components(adj: Adjacency, units: Iterable[int]) -> list[set[int]]:
    """The connected components of ``units`` in the graph ``adj``.

    Parameters
    ----------
    adj
        Neighbours of each unit (units outside ``units`` are ignored).
    units
        The units to split into connected pieces.

    Returns
    -------
    list of set of int
        The components, in the order of their smallest unit.
    """
    left = set(units)
    out = []
    while left:
        start = min(left)
        left.remove(start)
        comp = {start}
        stack = [start]
        while stack:
            u = stack.pop()
            for v in adj[u]:
                if v in left:
                    left.remove(v)
                    comp.add(v)
                    stack.append(v)
        out.append(comp)
    return out


def seller_units(b_unit: NDArray[np.int64], b_seller: NDArray[np.int64]) -> dict[int, set[int]]:
    """The units of each seller's items.

    Parameters
    ----------
    b_unit
        Unit of each item (``-1`` outside the graph: ignored).
    b_seller
        Seller of each item.

    Returns
    -------
    dict
        Seller -> the units of its items, for the sellers holding at least one unit (in the
        order of their first item).
    """
    out: dict[int, set[int]] = defaultdict(set)
    for b in np.flatnonzero(b_unit >= 0):
        out[int(b_seller[b])].add(int(b_unit[b]))
    return out


def territory_components(adj: Adjacency, units_of: Mapping[int, set[int]]) -> dict[int, list[set[int]]]:
    """The connected pieces of each seller's territory.

    Parameters
    ----------
    adj
        Neighbours of each unit.
    units_of
        Seller -> its units (e.g. :func:`seller_units`).

    Returns
    -------
    dict
        Seller -> the components of its units (:func:`components`).
    """
    return {s: components(adj, units) for s, units in units_of.items()}


def count_enclaves(adj: Adjacency, b_unit: NDArray[np.int64], b_seller: NDArray[np.int64]) -> int:
    """The number of territories made of more than one connected piece.

    Parameters
    ----------
    adj
        Neighbours of each unit.
    b_unit
        Unit of each item (``-1`` outside the graph).
    b_seller
        Seller of each item.

    Returns
    -------
    int
        How many sellers' units are not one connected set.
    """
    pieces = territory_components(adj, seller_units(b_unit, b_seller))
    return sum(1 for comps in pieces.values() if len(comps) > 1)


def count_island_splits(adj: Adjacency, b_unit: NDArray[np.int64], b_seller: NDArray[np.int64]) -> int:
    """The split territories whose every piece lies in its own part of the unit graph.

    The unit graph here is the graph of the units holding items: a territory that spans two
    of its components (an island, a patch cut off by units without accounts) cannot be one
    piece, and is contiguous within each part it spans. Such a split is justified; the others
    (:func:`count_enclaves` minus this count) are not.

    Parameters
    ----------
    adj
        Neighbours of each unit.
    b_unit
        Unit of each item (``-1`` outside the graph).
    b_seller
        Seller of each item.

    Returns
    -------
    int
        How many territories are split only across components of the graph.
    """
    comp_of = {u: c for c, comp in enumerate(components(adj, held_units(b_unit))) for u in comp}
    out = 0
    for comps in territory_components(adj, seller_units(b_unit, b_seller)).values():
        if len(comps) > 1 and len({comp_of[min(c)] for c in comps}) == len(comps):
            out += 1
    return out


def split_sellers(
    adj: Adjacency,
    b_unit: NDArray[np.int64],
    b_seller: NDArray[np.int64],
    comp_of: Mapping[int, int],
) -> set[int]:
    """Sellers whose territory has more pieces than the unit-graph components it spans.

    Parameters
    ----------
    adj
        Neighbours of each unit.
    b_unit
        Unit of each item (``-1`` outside the graph).
    b_seller
        Seller of each item.
    comp_of
        Component of the unit graph holding each unit.

    Returns
    -------
    set of int
        The sellers whose territory is split within a component of the unit graph.
    """
    out = set()
    for s, parts in territory_components(adj, seller_units(b_unit, b_seller)).items():
        spanned = {comp_of[next(iter(part))] for part in parts}
        if len(parts) > len(spanned):
            out.add(s)
    return out


def held_units(b_unit: NDArray[np.int64]) -> list[int]:
    """The units holding items, sorted.

    Parameters
    ----------
    b_unit
        Unit of each item (``-1`` outside the graph).

    Returns
    -------
    list of int
        The distinct units of ``b_unit``.
    """
    return sorted(set(int(u) for u in b_unit[b_unit >= 0]))


@dataclass(frozen=True, eq=False)
class UnitGraph:
    """The unit graph ``G``: the units holding items, their adjacency, components and anchors.

    It depends only on the instance and the unit of each item, not on which sellers or items
    a model frees, so a search that builds many flow models (the LNS of
    :mod:`allocate.solvers.contiguity.lns`) builds it once and shares it. Treat it as
    read-only: the containers are shared by every model built on it.

    Attributes
    ----------
    b_unit
        Unit of each item (``-1`` for items outside ``G``).
    units
        The units holding items, sorted (:func:`held_units`).
    adj
        Neighbours of each unit of ``units`` among ``units``.
    comp_of
        Index of the connected component of ``G`` holding each unit (components numbered
        in the order of their smallest unit).
    n_comps
        Number of components of ``G``.
    base_unit
        Per seller, the unit of ``units`` covering its base, else the nearest.
    centroid
        Centroid ``(x, y)`` of every unit (rows indexed by unit).
    """

    b_unit: NDArray[np.int64]
    units: list[int]
    adj: Mapping[int, list[int]]
    comp_of: Mapping[int, int]
    n_comps: int
    base_unit: NDArray[np.int64]
    centroid: NDArray[np.float64]

    @classmethod
    def build(
        cls,
        neighbours: Adjacency,
        b_unit: NDArray[np.int64],
        base_unit: NDArray[np.int64],
        centroid: NDArray[np.float64],
    ) -> UnitGraph:
        """The graph of the units holding items.

        Parameters
        ----------
        neighbours
            Neighbours of every unit.
        b_unit
            Unit of each item (``-1`` outside the graph).
        base_unit
            Per seller, its base unit among the units holding items.
        centroid
            ``(x, y)`` of every unit, shape ``(n_units, 2)``.

        Returns
        -------
        UnitGraph
            The graph restricted to the units of ``b_unit``.
        """
        units = held_units(b_unit)
        unit_set = set(units)
        comps = components(neighbours, unit_set)
        return cls(
            b_unit=b_unit,
            units=units,
            adj={u: [v for v in neighbours[u] if v in unit_set] for u in units},
            comp_of={u: c for c, comp in enumerate(comps) for u in comp},
            n_comps=len(comps),
            base_unit=np.asarray(base_unit, dtype=np.int64),
            centroid=np.asarray(centroid, dtype=np.float64),
        )

    def dist2(self, u: int, v: int) -> float:
        """Squared distance between the centroids of units ``u`` and ``v``.

        Parameters
        ----------
        u, v
            Two units.

        Returns
        -------
        float
            ``(x_u - x_v)² + (y_u - y_v)²`` in the centroids' coordinates.
        """
        ux, uy = self.centroid[u].tolist()
        vx, vy = self.centroid[v].tolist()
        return float((ux - vx) ** 2 + (uy - vy) ** 2)
