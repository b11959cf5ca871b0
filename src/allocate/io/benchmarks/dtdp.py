"""Reader for the GraphML instances of the delivery territory design problem (DTDP).

The instances of Aly, Gabor & Sleptchenko (2024) are GraphML files: node attributes ``x``,
``y``, ``n_customers``, ``demand``, ``workload``; edge attribute ``distance``. They are read
with the standard library's XML parser into plain arrays (node ids are kept as written).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = ["DtdpInstance", "MEASURES", "read_dtdp"]

_NS = "{http://graphml.graphdrawing.org/xmlns}"
#: The three activity measures balanced within ±tau, in this order.
MEASURES = ("n_customers", "demand", "workload")


@dataclass(frozen=True)
class DtdpInstance:
    """A DTDP instance as arrays.

    Attributes
    ----------
    name
        File stem.
    node_ids
        The GraphML id of each node (position = node index).
    xy
        Coordinates ``(n, 2)``.
    measures
        ``(n, 3)`` values of :data:`MEASURES`.
    edges
        ``(e, 2)`` node indices of each edge.
    length
        Edge ``distance``.
    """

    name: str
    node_ids: list[str]
    xy: NDArray[np.float64]
    measures: NDArray[np.float64]
    edges: NDArray[np.int64]
    length: NDArray[np.float64]


def read_dtdp(path: str | Path) -> DtdpInstance:
    """Read one GraphML instance.

    Parameters
    ----------
    path
        The ``.graphml`` file.

    Returns
    -------
    DtdpInstance
        Its arrays.

    Raises
    ------
    ValueError
        When a node lacks a measure, or an edge its distance or a known end point.
    """
    path = Path(path)
    root = ET.parse(path).getroot()
    keys = {str(k.get("id")): str(k.get("attr.name")) for k in root.iter(f"{_NS}key")}
    graph = root.find(f"{_NS}graph")
    if graph is None:
        raise ValueError(f"{path}: no <graph> element")
    ids: list[str] = []
    rows: list[dict[str, float]] = []
    for node in graph.iter(f"{_NS}node"):
        ids.append(str(node.get("id")))
        rows.append(
            {keys.get(str(d.get("key")), ""): float(d.text or "nan") for d in node.iter(f"{_NS}data")}
        )
    index = {nid: i for i, nid in enumerate(ids)}
    edges: list[tuple[int, int]] = []
    length: list[float] = []
    for edge in graph.iter(f"{_NS}edge"):
        a, b = edge.get("source"), edge.get("target")
        if a not in index or b not in index:
            raise ValueError(f"{path}: edge {a}-{b} names an unknown node")
        vals = {keys.get(str(d.get("key")), ""): float(d.text or "nan") for d in edge.iter(f"{_NS}data")}
        if "distance" not in vals:
            raise ValueError(f"{path}: edge {a}-{b} has no distance")
        edges.append((index[a], index[b]))
        length.append(vals["distance"])
    meas = np.zeros((len(ids), len(MEASURES)))
    for i, r in enumerate(rows):
        for j, m in enumerate(MEASURES):
            if m not in r:
                raise ValueError(f"{path}: node {ids[i]} has no {m}")
            meas[i, j] = r[m]
    xy = np.array([[r.get("x", np.nan), r.get("y", np.nan)] for r in rows], dtype=np.float64)
    return DtdpInstance(
        name=path.stem,
        node_ids=ids,
        xy=xy,
        measures=meas,
        edges=np.array(edges, dtype=np.int64).reshape(-1, 2),
        length=np.array(length, dtype=np.float64),
    )
