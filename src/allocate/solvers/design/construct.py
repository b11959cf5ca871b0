"""Connected starts: graph Voronoi regions around seeds spread over the unit graph."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from allocate.solvers.design.balance import Bands
from allocate.solvers.design.graph import DesignGraph


def spread_seeds(dist: NDArray[np.float64], k: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """``k`` distinct seeds drawn k-means++ style (probability ~ squared distance to the chosen).

    Parameters
    ----------
    dist
        All-pairs distances (finite: the graph is connected).
    k
        Number of seeds (``<= n``).
    rng
        The random generator (the only source of randomness: a seed gives the same seeds).

    Returns
    -------
    NDArray[np.int64]
        The seeds, in the order drawn.
    """
    n = len(dist)
    seeds = [int(rng.integers(n))]
    near = dist[seeds[0]].copy()
    for _ in range(1, k):
        w = near**2
        total = float(w.sum())
        if total <= 0:
            left = np.setdiff1d(np.arange(n), seeds)
            nxt = int(left[rng.integers(len(left))])
        else:
            nxt = int(rng.choice(n, p=w / total))
        seeds.append(nxt)
        near = np.minimum(near, dist[nxt])
    return np.array(seeds, dtype=np.int64)


def voronoi(graph: DesignGraph, seeds: NDArray[np.int64]) -> NDArray[np.int64]:
    """The territory of every node: the index of its nearest seed over the graph.

    Each territory is a shortest-path tree rooted at its seed, so it is connected.

    Parameters
    ----------
    graph
        A connected graph.
    seeds
        Distinct nodes.

    Returns
    -------
    NDArray[np.int64]
        For each node, the position in ``seeds`` of the seed whose tree holds it.
    """
    _, _, sources = dijkstra(
        graph.csr(), directed=False, indices=seeds, min_only=True, return_predecessors=True
    )
    pos = {int(s): i for i, s in enumerate(seeds)}
    return np.array([pos[int(s)] for s in sources], dtype=np.int64)


def grow(
    graph: DesignGraph,
    dist: NDArray[np.float64],
    seeds: NDArray[np.int64],
    weights: NDArray[np.float64],
    mean: NDArray[np.float64],
) -> NDArray[np.int64]:
    """Balanced region growing: the lightest territory takes its nearest free neighbour.

    At each step the territory with the smallest load (its totals as shares of the mean,
    averaged over the measures) among those that touch a free unit takes the free unit
    adjacent to it that is nearest to its seed. Every territory stays connected; every unit
    is taken when the graph is connected.

    Parameters
    ----------
    graph, dist
        The graph and its distances.
    seeds
        One distinct seed per territory.
    weights
        Measures of each unit (units x measures).
    mean
        The mean per territory of each measure.

    Returns
    -------
    NDArray[np.int64]
        The territory of each unit (``-1`` for units no territory could reach).
    """
    k = len(seeds)
    scale = np.where(mean > 0, mean, 1.0)
    share = np.asarray(weights, dtype=np.float64).reshape(graph.n, -1) / scale
    lab = np.full(graph.n, -1, dtype=np.int64)
    load = np.zeros(k)
    frontier: list[set[int]] = [set() for _ in range(k)]
    nbrs = graph.neighbours
    for t, s in enumerate(seeds.tolist()):
        lab[s] = t
        load[t] = share[s].mean()
    for t, s in enumerate(seeds.tolist()):
        frontier[t].update(v for v in nbrs[s] if lab[v] < 0)
    while True:
        alive = [t for t in range(k) if frontier[t]]
        if not alive:
            break
        t = min(alive, key=lambda x: (load[x], x))
        cand = sorted(frontier[t])
        u = cand[int(np.argmin(dist[seeds[t], cand]))]
        lab[u] = t
        load[t] += share[u].mean()
        for f in frontier:
            f.discard(u)
        frontier[t].update(v for v in nbrs[u] if lab[v] < 0)
    return lab


#: Above this many territories a start is cut by halving (each part carrying half of the
#: territories left) rather than one territory at a time: the work is ``trees x units`` per
#: cut, so ``k - 1`` cuts of the whole rest (quadratic in k: 96 s for 100 territories of
#: 2,043 units on a busy machine) become about ``log2 k`` rounds over the units.
HALVE_ABOVE = 12


def tree_cuts(
    graph: DesignGraph,
    weights: NDArray[np.float64],
    mean: NDArray[np.float64],
    tolerance: NDArray[np.float64],
    k: int,
    rng: np.random.Generator,
    trees: int = 24,
    members: NDArray[np.int64] | None = None,
) -> NDArray[np.int64]:
    """A balanced start: cut territories off random spanning trees of the units left.

    While ``r > 1`` territories are left to make from the remaining units ``R`` (connected),
    random spanning trees of ``R`` are drawn; every tree edge cuts ``R`` into two connected
    sides. Up to :data:`HALVE_ABOVE` territories, one side becomes the next territory: the
    side whose totals, and whose remainder's totals per territory left, are nearest to the
    mean (amount outside the bands). Above, ``R`` is halved: one side gets ``r // 2``
    territories and the other the rest, the sides' totals per territory nearest to the mean,
    and each side is cut again in the same way.

    Parameters
    ----------
    graph
        A connected graph.
    weights
        Measures of each unit (units x measures).
    mean, tolerance
        The mean per territory of each measure and its tolerance.
    k
        Number of territories.
    rng
        The random generator.
    trees
        Spanning trees drawn per cut.
    members
        Partition only these units (connected; ``None`` for all): the result then gives the
        territory of each of them, in their order.

    Returns
    -------
    NDArray[np.int64]
        The territory of each unit (of ``members``); every territory connected.
    """
    from allocate.solvers.design.balance import Bands

    w_all = np.asarray(weights, dtype=np.float64).reshape(graph.n, -1)
    bands = Bands(
        mean=np.asarray(mean, dtype=np.float64), tolerance=np.asarray(tolerance, dtype=np.float64)
    )
    lab = np.full(graph.n, -1, dtype=np.int64)
    rest = np.arange(graph.n) if members is None else np.asarray(members, dtype=np.int64)
    todo = [(rest, k, 0)]  # (units, territories to make of them, first label)
    while todo:
        units, r, first = todo.pop()
        if r == 1:
            lab[units] = first
            continue
        left = r // 2 if r > HALVE_ABOVE else 1  # territories of the side cut off
        side = _best_cut(graph, w_all, bands, units, left, r - left, rng, trees)
        todo.append((units[~side], r - left, first + left))
        todo.append((units[side], left, first))
    return lab if members is None else lab[members]


def _best_cut(
    graph: DesignGraph,
    w_all: NDArray[np.float64],
    bands: Bands,
    rest: NDArray[np.int64],
    ka: int,
    kb: int,
    rng: np.random.Generator,
    trees: int,
) -> NDArray[np.bool_]:
    """Of the connected units ``rest``, the side (a mask) to make ``ka`` territories of, the
    other making ``kb``: over ``trees`` random spanning trees, the cut whose sides' totals
    per territory are nearest to the bands."""
    from allocate.solvers.design.split import random_cuts

    s = len(rest)
    local = np.full(graph.n, -1, dtype=np.int64)
    local[rest] = np.arange(s)
    emask = (local[graph.u] >= 0) & (local[graph.v] >= 0)
    eu, ev = local[graph.u[emask]].tolist(), local[graph.v[emask]].tolist()
    w = w_all[rest]
    total = w.sum(axis=0)
    best: tuple[float, NDArray[np.bool_]] | None = None
    wl = [w[:, c].tolist() for c in range(w.shape[1])]
    for _ in range(trees):
        cuts = random_cuts(s, eu, ev, wl, rng)
        if cuts is None:
            raise ValueError("the units left are not connected")
        cut, sub, pos, size = cuts
        for inner in (True, False):
            part = sub if inner else total - sub
            rem = total - part
            val = bands.excess(part / ka) + bands.excess(rem / kb)
            i = int(np.argmin(val + rng.random(len(val)) * 1e-12))
            if best is None or val[i] < best[0]:
                lo = pos[cut[i]]
                mask = (pos >= lo) & (pos < lo + size[cut[i]])
                best = (float(val[i]), mask if inner else ~mask)
    assert best is not None
    return best[1]
