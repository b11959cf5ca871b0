"""Readers for the OR-Library p-median benchmark files.

Two formats are read:

* ``pmedN.txt`` (Beasley 1985, uncapacitated): a header ``n e p`` followed by ``e``
  undirected edges ``u v c`` with 1-based vertices. The cost matrix is the all-pairs
  shortest-path matrix of the graph. Some vertex pairs are listed more than once; OR-Library's
  convention is that the *last* occurrence overwrites the earlier ones (taking the minimum
  gives a different instance, with values below the published optima).
* ``pmedcap1`` (Osman & Christofides 1994, capacitated): a header ``number best_known``, then
  ``n p Q``, then ``n`` lines ``id x y demand``. Distances are ``floor`` of the Euclidean
  distance; every point is both a client and a candidate median.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path

__all__ = ["PMedianInstance", "read_pmed", "read_pmedcap"]


@dataclass(frozen=True)
class PMedianInstance:
    """A p-median benchmark instance.

    Parameters
    ----------
    name
        Instance name (file stem).
    cost
        ``(n, n)`` integer matrix; ``cost[i, j]`` is the cost of serving client ``i`` from
        candidate ``j``.
    p
        Number of medians to open.
    demand
        Client demands (``None`` for the uncapacitated files).
    capacity
        Capacity of every median (``None`` for the uncapacitated files).
    best_known
        Value stated in the file itself, if any (pmedcap1 headers carry one).
    """

    name: str
    cost: np.ndarray
    p: int
    demand: np.ndarray | None = None
    capacity: int | None = None
    best_known: int | None = None

    def __post_init__(self) -> None:
        if self.cost.ndim != 2 or self.cost.shape[0] != self.cost.shape[1]:
            raise ValueError(f"{self.name}: cost must be square, got shape {self.cost.shape}")
        if not 1 <= self.p <= self.cost.shape[1]:
            raise ValueError(f"{self.name}: p={self.p} outside 1..{self.cost.shape[1]}")


def _tokens(path: Path) -> list[int]:
    return [int(tok) for tok in path.read_text().split()]


def read_pmed(path: str | Path) -> PMedianInstance:
    """Read an OR-Library ``pmedinfo`` file and build its shortest-path cost matrix.

    Duplicate edges follow the last-occurrence-wins rule of OR-Library.

    Parameters
    ----------
    path
        Path to ``pmedN.txt``.

    Returns
    -------
    PMedianInstance
        Instance with an ``int64`` all-pairs shortest-path matrix.
    """
    path = Path(path)
    values = _tokens(path)
    n, e, p = values[:3]
    edges = np.asarray(values[3 : 3 + 3 * e], dtype=np.int64)
    if edges.size != 3 * e:
        raise ValueError(f"{path.name}: header announces {e} edges, file holds {edges.size // 3}")
    edges = edges.reshape(e, 3)
    u, v, c = edges[:, 0] - 1, edges[:, 1] - 1, edges[:, 2]
    if u.min() < 0 or v.min() < 0 or max(u.max(), v.max()) >= n:
        raise ValueError(f"{path.name}: edge endpoint outside 1..{n}")
    # Last occurrence wins: key every edge by its unordered pair and keep the last row per key.
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    key = lo * n + hi
    _, first_in_reversed = np.unique(key[::-1], return_index=True)
    keep = e - 1 - first_in_reversed
    graph = coo_matrix((c[keep].astype(float), (lo[keep], hi[keep])), shape=(n, n)).tocsr()
    dist = shortest_path(graph, method="D", directed=False)
    if not np.all(np.isfinite(dist)):
        raise ValueError(f"{path.name}: graph is not connected")
    return PMedianInstance(name=path.stem, cost=np.rint(dist).astype(np.int64), p=p)


def read_pmedcap(path: str | Path) -> PMedianInstance:
    """Read one OR-Library ``pmedcap1`` problem (one problem per file).

    Parameters
    ----------
    path
        Path to a file holding ``number best_known``, ``n p Q`` and ``n`` rows
        ``id x y demand``.

    Returns
    -------
    PMedianInstance
        Instance with ``floor`` Euclidean distances, demands and the common capacity.
    """
    path = Path(path)
    values = _tokens(path)
    _number, best_known, n, p, capacity = values[:5]
    rows = np.asarray(values[5 : 5 + 4 * n], dtype=np.int64)
    if rows.size != 4 * n:
        raise ValueError(f"{path.name}: expected {n} client rows")
    rows = rows.reshape(n, 4)
    xy = rows[:, 1:3].astype(float)
    diff = xy[:, None, :] - xy[None, :, :]
    cost = np.floor(np.sqrt((diff**2).sum(axis=2)) + 1e-9).astype(np.int64)
    return PMedianInstance(
        name=path.stem,
        cost=cost,
        p=p,
        demand=rows[:, 3].copy(),
        capacity=capacity,
        best_known=best_known,
    )
