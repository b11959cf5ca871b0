"""An independent checker of a territory design, from the written partition alone.

It shares no code with the search: plain Python over the edge list (its own breadth-first
search and Dijkstra), the balance recomputed from the raw measure values (never scaled), the
objective recomputed from scratch. Every design the package reports as feasible has passed it.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DesignCheck:
    """What the checker found.

    Attributes
    ----------
    feasible
        Every unit in exactly one of the ``k`` territories, every territory non-empty and
        connected, every total within its band.
    connected
        Number of territories that are connected (out of ``k``).
    max_dev
        Largest ``|total - mean| / mean`` over territories and measures (a share, not %).
    dispersion
        Largest shortest-path distance (whole graph) between two units of one territory.
    median
        Sum over units of the shortest-path distance to the best centre of their territory
        (the territory's unit minimising that sum).
    problems
        One line per broken rule (empty when feasible).
    """

    feasible: bool
    connected: int
    max_dev: float
    dispersion: float
    median: float
    problems: list[str] = field(default_factory=list)


def _dijkstra(adj: list[list[tuple[int, float]]], src: int, targets: set[int]) -> dict[int, float]:
    """Shortest distances from ``src`` to ``targets`` (stops once all of them are settled)."""
    dist = {src: 0.0}
    done: set[int] = set()
    left = set(targets)
    heap = [(0.0, src)]
    out: dict[int, float] = {}
    while heap and left:
        d, x = heapq.heappop(heap)
        if x in done:
            continue
        done.add(x)
        if x in left:
            left.discard(x)
            out[x] = d
        for y, w in adj[x]:
            nd = d + w
            if y not in done and nd < dist.get(y, float("inf")):
                dist[y] = nd
                heapq.heappush(heap, (nd, y))
    for x in left:
        out[x] = float("inf")
    return out


def check_design(
    n: int,
    edges: Sequence[tuple[int, int, float]],
    measures: Sequence[Sequence[float]],
    tolerance: float | Sequence[float],
    k: int,
    territory: Mapping[int, int] | Sequence[int],
    objective: bool = True,
    mass: Sequence[float] | None = None,
    mean: Sequence[float] | None = None,
) -> DesignCheck:
    """Check a partition of the nodes ``0..n-1`` into ``k`` territories.

    Parameters
    ----------
    n
        Number of nodes.
    edges
        ``(a, b, length)`` of every edge.
    measures
        Per node, the raw value of each measure.
    tolerance
        Relative tolerance of each measure (one value for all, or one per measure).
    k
        Number of territories; the labels must be ``0..k-1``.
    territory
        The territory of each node (a sequence, or a mapping node -> territory).
    objective
        False to skip the distances (dispersion and median are then NaN).
    mass
        Weight of each node in the median objective (1 each by default).
    mean
        The centre of each measure's band (default: the total over the nodes / k).

    Returns
    -------
    DesignCheck
        The verdict and the recomputed values.
    """
    problems: list[str] = []
    lab = (
        [territory.get(i, None) for i in range(n)]
        if isinstance(territory, Mapping)
        else list(territory)
    )
    if len(lab) != n:
        problems.append(f"{len(lab)} labels for {n} nodes")
        lab = (lab + [None] * n)[:n]
    members: list[list[int]] = [[] for _ in range(k)]
    for i, t in enumerate(lab):
        if t is None or not isinstance(t, int) or not 0 <= t < k:
            problems.append(f"node {i}: territory {t!r} not in 0..{k - 1}")
        else:
            members[t].append(i)
    adj: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, w in edges:
        adj[a].append((b, float(w)))
        adj[b].append((a, float(w)))
    connected = 0
    for t, mem in enumerate(members):
        if not mem:
            problems.append(f"territory {t} is empty")
            continue
        inside = set(mem)
        seen = {mem[0]}
        stack = [mem[0]]
        while stack:
            x = stack.pop()
            for y, _ in adj[x]:
                if y in inside and y not in seen:
                    seen.add(y)
                    stack.append(y)
        if len(seen) == len(inside):
            connected += 1
        else:
            problems.append(
                f"territory {t} is not connected ({len(seen)} of {len(inside)} units reached)"
            )
    n_meas = len(measures[0]) if n else 0
    tol = (
        [float(tolerance)] * n_meas
        if isinstance(tolerance, (int, float))
        else [float(x) for x in tolerance]
    )
    max_dev = 0.0
    for m in range(n_meas):
        mean_m = (
            sum(float(measures[i][m]) for i in range(n)) / k if mean is None else float(mean[m])
        )
        for t, mem in enumerate(members):
            total = sum(float(measures[i][m]) for i in mem)
            dev = (
                abs(total - mean_m) / mean_m
                if mean_m > 0
                else (0.0 if total == 0 else float("inf"))
            )
            max_dev = max(max_dev, dev)
            if dev > tol[m] + 1e-12:
                problems.append(
                    f"territory {t}: measure {m} deviates {100 * dev:.3f}% (tolerance {100 * tol[m]:g}%)"
                )
    dispersion = median = float("nan")
    if objective and not any("not in" in p for p in problems):
        dispersion, median = 0.0, 0.0
        for mem in members:
            if not mem:
                continue
            inside = set(mem)
            rows = {i: _dijkstra(adj, i, inside) for i in mem}
            for i in mem:
                dispersion = max(dispersion, max(rows[i][j] for j in mem))
            wt = [1.0] * n if mass is None else [float(x) for x in mass]
            median += min(sum(wt[j] * rows[c][j] for j in mem) for c in mem)
    return DesignCheck(
        feasible=not problems,
        connected=connected,
        max_dev=max_dev,
        dispersion=dispersion,
        median=median,
        problems=problems,
    )
