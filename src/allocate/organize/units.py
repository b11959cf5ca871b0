"""The unit arrays of a geographic organization model, for the contiguity solvers.

The contiguity solvers (:mod:`allocate.solvers.contiguity`) work on arrays: the unit of each
bundle, the unit adjacency, each seller's base unit and the units' centroids. This module
reads them off an instance and its organization model.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from allocate.core.instance import Instance
from allocate.organize.items import ModelProblem
from allocate.solvers.contiguity.graph import UnitGraph, held_units


def bundle_units(instance: Instance, mp: ModelProblem) -> NDArray[np.int64]:
    """The unit of each bundle of ``mp``.

    Parameters
    ----------
    instance
        The instance.
    mp
        Its organization model.

    Returns
    -------
    NDArray[np.int64]
        Unit of each bundle; ``-1`` for bundles outside the unit graph: multi-unit bundles,
        multi-site groups, locked accounts, accounts without a unit.
    """
    acc = instance.accounts
    n_b = mp.problem.n_items
    unit = np.full(n_b, -2, dtype=np.int64)
    for r in range(len(mp.rows)):
        b = int(mp.rows.bundle[r])
        u = int(acc.unit[mp.rows.account[r]])
        if acc.group[mp.rows.account[r]] >= 0 or acc.locked[mp.rows.account[r]]:
            unit[b] = -1
        elif unit[b] == -2:
            unit[b] = u
        elif unit[b] != u:
            unit[b] = -1
    unit[unit == -2] = -1
    return unit


def base_units(instance: Instance, units: list[int]) -> NDArray[np.int64]:
    """Per seller, the unit (among ``units``) whose polygon contains its base, else the nearest.

    Parameters
    ----------
    instance
        The instance, with units.
    units
        The candidate units.

    Returns
    -------
    NDArray[np.int64]
        The base unit of each seller of the instance (``-1`` for all when ``units`` is empty).
    """
    import shapely

    assert instance.units is not None
    sel = instance.sellers
    geoms = [instance.units.geometry[u] for u in units]
    out = np.full(len(sel), -1, dtype=np.int64)
    if not geoms:
        return out
    arr = np.array(geoms, dtype=object)
    cent = shapely.centroid(arr)
    cx, cy = shapely.get_x(cent), shapely.get_y(cent)
    shapely.prepare(arr)
    for s in range(len(sel)):
        pt = shapely.Point(float(sel.lon[s]), float(sel.lat[s]))
        inside = np.flatnonzero(shapely.covers(arr, pt))  # one vectorized test per seller
        if len(inside):
            out[s] = units[inside[0]]
        else:
            coslat = np.cos(np.radians(float(sel.lat[s])))
            d2 = ((cx - sel.lon[s]) * coslat) ** 2 + (cy - sel.lat[s]) ** 2
            out[s] = units[int(np.argmin(d2))]
    return out


def unit_graph(instance: Instance, b_unit: NDArray[np.int64]) -> UnitGraph:
    """The unit graph of a geographic model, from the unit of each bundle.

    Parameters
    ----------
    instance
        The instance, with units.
    b_unit
        Unit of each bundle (:func:`bundle_units`).

    Returns
    -------
    UnitGraph
        The graph of the units holding bundles, with the sellers' base units and the units'
        centroids.
    """
    import shapely

    assert instance.units is not None
    centroid = shapely.get_coordinates(
        shapely.centroid(np.array(list(instance.units.geometry), dtype=object))
    )
    return UnitGraph.build(
        instance.units.neighbours,
        b_unit,
        base_unit=base_units(instance, held_units(b_unit)),
        centroid=centroid,
    )
