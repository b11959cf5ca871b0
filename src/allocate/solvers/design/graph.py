"""The unit graph of a territory design: units, edges with lengths, shortest-path distances."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra


@dataclass(frozen=True)
class DesignGraph:
    """An undirected graph of ``n`` units with positive edge lengths.

    Parameters
    ----------
    n
        Number of units (nodes ``0..n-1``).
    u, v
        End points of each edge (``u[e] != v[e]``; each undirected edge once).
    length
        Length of each edge (> 0): the distance used by the compactness objective.
    """

    n: int
    u: NDArray[np.int64]
    v: NDArray[np.int64]
    length: NDArray[np.float64]
    _nbrs: list[list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not (len(self.u) == len(self.v) == len(self.length)):
            raise ValueError("u, v and length must have the same length")
        if len(self.u) and (
            min(self.u.min(), self.v.min()) < 0 or max(self.u.max(), self.v.max()) >= self.n
        ):
            raise ValueError("an edge names a node outside 0..n-1")
        if np.any(self.u == self.v):
            raise ValueError("an edge joins a node to itself")
        if np.any(~np.isfinite(self.length)) or np.any(self.length <= 0):
            raise ValueError("edge lengths must be finite and > 0")
        nbrs: list[list[int]] = [[] for _ in range(self.n)]
        for a, b in zip(self.u.tolist(), self.v.tolist(), strict=True):
            nbrs[a].append(b)
            nbrs[b].append(a)
        object.__setattr__(self, "_nbrs", [sorted(set(x)) for x in nbrs])

    @classmethod
    def from_edges(
        cls,
        n: int,
        edges: list[tuple[int, int]] | NDArray[np.int64],
        length: NDArray[np.float64] | None = None,
    ) -> DesignGraph:
        """A graph from an edge list (lengths default to 1); duplicate edges keep the shortest."""
        e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        w = np.ones(len(e)) if length is None else np.asarray(length, dtype=np.float64)
        lo, hi = np.minimum(e[:, 0], e[:, 1]), np.maximum(e[:, 0], e[:, 1])
        best: dict[tuple[int, int], float] = {}
        for a, b, x in zip(lo.tolist(), hi.tolist(), w.tolist(), strict=True):
            if (a, b) not in best or x < best[(a, b)]:
                best[(a, b)] = x
        keys = sorted(best)
        return cls(
            n=int(n),
            u=np.array([k[0] for k in keys], dtype=np.int64),
            v=np.array([k[1] for k in keys], dtype=np.int64),
            length=np.array([best[k] for k in keys], dtype=np.float64),
        )

    @property
    def neighbours(self) -> list[list[int]]:
        """The sorted neighbours of each node."""
        return self._nbrs

    def csr(self) -> csr_matrix:
        """The symmetric sparse matrix of edge lengths."""
        rows = np.concatenate([self.u, self.v])
        cols = np.concatenate([self.v, self.u])
        vals = np.concatenate([self.length, self.length])
        return csr_matrix((vals, (rows, cols)), shape=(self.n, self.n))

    def n_components(self) -> int:
        """The number of connected components of the graph."""
        if self.n == 0:
            return 0
        return int(connected_components(self.csr(), directed=False)[0])

    def distances(self) -> NDArray[np.float64]:
        """All-pairs shortest-path distances (``inf`` between components), exactly symmetric."""
        d = np.asarray(dijkstra(self.csr(), directed=False))
        return np.minimum(d, d.T)


def cut_vertices(
    nbrs: list[list[int]], root: int, lab: list[int] | None = None, t: int = 0
) -> tuple[set[int], int]:
    """The cut vertices of the component of ``root`` (iterative Tarjan's low points).

    Parameters
    ----------
    nbrs
        Neighbours of each unit.
    root
        A unit of the component searched.
    lab, t
        When given, only the units ``y`` with ``lab[y] == t`` belong to the graph (a
        territory); else every unit.

    Returns
    -------
    tuple
        The units whose removal disconnects the component, and the number of units reached
        (the component's size: compare it with a territory's to know whether it is connected).
    """
    disc = {root: 0}
    low = {root: 0}
    cuts: set[int] = set()
    root_children = 0
    stack: list[tuple[int, int, int]] = [(root, -1, 0)]
    while stack:
        x, parent, i = stack[-1]
        nx = nbrs[x]
        if i < len(nx):
            stack[-1] = (x, parent, i + 1)
            y = nx[i]
            if y == parent or (lab is not None and lab[y] != t):
                continue
            if y in disc:
                if disc[y] < low[x]:
                    low[x] = disc[y]
                continue
            disc[y] = low[y] = len(disc)
            stack.append((y, x, 0))
            continue
        stack.pop()
        if parent < 0:
            continue
        if low[x] < low[parent]:
            low[parent] = low[x]
        if parent == root:
            root_children += 1
        elif low[x] >= disc[parent]:
            cuts.add(parent)
    if root_children > 1:
        cuts.add(root)
    return cuts, len(disc)
