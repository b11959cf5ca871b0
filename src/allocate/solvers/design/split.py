"""Merge-and-split of two adjacent territories over random spanning trees (recombination).

The units of two adjacent territories form a connected set. A random spanning tree of that
set is drawn (Kruskal on a random edge order); removing one tree edge cuts it into two
connected parts. Every cut of every tree is scored at once (vectorised): the balance from the
subtree totals, and the compactness from a local matrix of the merged units:

* ``"pairs"``: ``matrix[i, j]`` is the cost of ``i`` and ``j`` in one part (a conflict of the
  dispersion search); a part costs half the sum of its block;
* ``"median"``: ``matrix[i, c]`` is the cost of serving ``i`` from ``c``; a part costs its
  best centre's total.

This move re-draws a whole border at once, which boundary moves cannot do on sparse graphs
(grids, trees) where most boundary units are cut vertices of their territory.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.design.balance import Bands


def _random_tree(s: int, eu: list[int], ev: list[int], order: list[int]) -> list[list[int]] | None:
    """Tree adjacency of a spanning tree (Kruskal over edges in ``order``), or None."""
    parent = list(range(s))
    adj: list[list[int]] = [[] for _ in range(s)]
    joined = 0
    for e in order:
        a, b = eu[e], ev[e]
        # the roots of a and b (union-find with path halving, inline: the hot loop)
        ra = a
        while parent[ra] != ra:
            parent[ra] = parent[parent[ra]]
            ra = parent[ra]
        rb = b
        while parent[rb] != rb:
            parent[rb] = parent[parent[rb]]
            rb = parent[rb]
        if ra != rb:
            parent[ra] = rb
            adj[a].append(b)
            adj[b].append(a)
            joined += 1
            if joined == s - 1:
                return adj
    return adj if joined == s - 1 else None


def _preorder(adj: list[list[int]], root: int) -> tuple[list[int], list[int]]:
    """DFS preorder of a tree and the parent of each node (-1 for the root)."""
    s = len(adj)
    par = [-1] * s
    order = []
    stack = [root]
    seen = [False] * s
    seen[root] = True
    while stack:
        x = stack.pop()
        order.append(x)
        for y in adj[x]:
            if not seen[y]:
                seen[y] = True
                par[y] = x
                stack.append(y)
    return order, par


def random_cuts(
    s: int, eu: list[int], ev: list[int], wl: list[list[float]], rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]] | None:
    """The cuts of one random spanning tree of ``s`` nodes (edges ``eu``-``ev``).

    Returns ``(cut, sub, pos, size)``: the nodes below the tree edges (all but the root, in
    DFS preorder), the totals of the measures ``wl`` (one list per measure) under each of
    them, the position of each node in the preorder and the size of the subtree under each
    node (the subtree under ``x`` is the block ``pos[x] .. pos[x] + size[x] - 1``); None when
    the graph is not connected.
    """
    adj = _random_tree(s, eu, ev, rng.permutation(len(eu)).tolist())
    if adj is None:
        return None
    order, par = _preorder(adj, int(rng.integers(s)))
    size = [1] * s
    cols = [list(c) for c in wl]
    for u in reversed(order[1:]):
        p = par[u]
        size[p] += size[u]
        for c in cols:
            c[p] += c[u]
    cut = np.array(order[1:], dtype=np.int64)
    sub = np.array(cols, dtype=np.float64).T[cut]
    pos = np.empty(s, dtype=np.int64)
    pos[np.array(order)] = np.arange(s)
    return cut, sub, pos, np.array(size, dtype=np.int64)


def best_split(
    members: NDArray[np.int64],
    edge_u: NDArray[np.int64],
    edge_v: NDArray[np.int64],
    weights: NDArray[np.float64],
    bands: Bands,
    lam: float,
    matrix: NDArray[np.float64],
    kind: str,
    rng: np.random.Generator,
    trees: int = 8,
) -> tuple[float, NDArray[np.int64], NDArray[np.int64]] | None:
    """The best two-part split of ``members`` over ``trees`` random spanning trees.

    Parameters
    ----------
    members
        The units of the merged territories (connected in the graph).
    edge_u, edge_v
        All edges of the graph (each once); those inside ``members`` are used.
    weights
        Measures of every unit of the graph.
    bands
        Balance bands.
    lam
        Weight of the amount outside the bands.
    matrix
        The local ``(s, s)`` cost matrix over ``members`` (see the module doc).
    kind
        ``"pairs"`` or ``"median"``.
    rng
        The random generator.
    trees
        Number of spanning trees drawn.

    Returns
    -------
    tuple or None
        ``(score, part_a, part_b)`` of the best split, the score being
        ``lam x (excess(a) + excess(b)) + cost(a) + cost(b)``; ``None`` when ``members``
        has fewer than two units or is not connected.
    """
    s = len(members)
    if s < 2:
        return None
    n = max(int(edge_u.max(initial=0)), int(edge_v.max(initial=0)), int(members.max())) + 1
    local = np.full(n, -1, dtype=np.int64)
    local[members] = np.arange(s)
    emask = (local[edge_u] >= 0) & (local[edge_v] >= 0)
    eu, ev = local[edge_u[emask]].tolist(), local[edge_v[emask]].tolist()
    w = weights[members]
    m = w.shape[1]
    total = w.sum(axis=0)
    wl = [w[:, c].tolist() for c in range(m)]
    best: tuple[float, NDArray[np.int64], NDArray[np.int64]] | None = None
    mat = np.asarray(matrix, dtype=np.float64)
    row = mat.sum(axis=1)
    half = 0.5 * float(row.sum())
    for _ in range(trees):
        cuts = random_cuts(s, eu, ev, wl, rng)
        if cuts is None:
            return None
        cut, sub, pos, size = cuts
        sz = size[cut]
        # x[i, j]: unit j is in the subtree cut off at cut[i]
        pc = pos[cut][:, None]
        x: NDArray[np.bool_] = (pos[None, :] >= pc) & (pos[None, :] < pc + sz[:, None])
        xf = x.astype(np.float64)
        if kind == "pairs":
            # half of x'Mx + y'My with y = 1 - x: x'Mx - x'M1 + 1'M1 / 2 (M symmetric)
            cost = np.einsum("ij,ij->i", xf @ mat, xf) - xf @ row + half
        elif kind == "median":
            ca = xf @ mat
            cb = (1.0 - xf) @ mat
            cost = np.where(x, ca, np.inf).min(axis=1) + np.where(~x, cb, np.inf).min(axis=1)
        else:
            raise ValueError(f"unknown kind {kind!r}")
        val = lam * (bands.excess(sub) + bands.excess(total - sub)) + cost
        i = int(np.argmin(val + rng.random(len(val)) * 1e-9))
        if best is None or val[i] < best[0]:
            best = (float(val[i]), members[x[i]], members[~x[i]])
    return best
