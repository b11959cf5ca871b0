"""Proofs that no balanced connected design exists, from the cut vertices of the unit graph.

A set of units ``F`` that must lie in one territory (a *forced group*) grows by two sound rules:

1. A component ``C`` of the graph without ``F`` whose total of some measure is below the
   lower band cannot hold a whole territory. Every territory meeting ``C`` therefore also
   holds units outside ``C``; being connected, it reaches them through ``F`` (all of ``C``'s
   neighbours are in ``F``), so it is ``F``'s territory: ``C`` joins ``F``.
2. When ``F``'s total of some measure is below its lower band, its territory holds more units;
   if every other unit is reached from ``F`` through one single neighbour ``u``, then ``u``
   is in that territory: ``u`` joins ``F``.

Starting from each cut vertex alone, a forced group whose total of some measure is above its
upper band proves that no design meets the bands (whatever the objective). The argument
stops at the first rule that no longer applies: a group it does not refute proves nothing.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.design.balance import Bands
from allocate.solvers.design.graph import DesignGraph

#: Most (cut vertices x units) examined: a deterministic bound on the work of a proof.
MAX_WORK = 4_000_000


def _components(nbrs: list[list[int]], inside: NDArray[np.bool_]) -> list[list[int]]:
    """The connected components of the units not in ``inside``."""
    seen = inside.copy()
    out: list[list[int]] = []
    for s in np.flatnonzero(~inside).tolist():
        if seen[s]:
            continue
        seen[s] = True
        comp = [s]
        stack = [s]
        while stack:
            x = stack.pop()
            for y in nbrs[x]:
                if not seen[y]:
                    seen[y] = True
                    comp.append(y)
                    stack.append(y)
        out.append(comp)
    return out


def _cut_vertices(nbrs: list[list[int]], n: int) -> list[int]:
    """The cut vertices of a connected graph (iterative Tarjan)."""
    if n < 3:
        return []
    disc = [-1] * n
    low = [0] * n
    out: set[int] = set()
    disc[0] = 0
    counter = 1
    children = 0
    stack: list[tuple[int, int, int]] = [(0, -1, 0)]
    while stack:
        x, parent, i = stack[-1]
        if i < len(nbrs[x]):
            stack[-1] = (x, parent, i + 1)
            y = nbrs[x][i]
            if y == parent:
                continue
            if disc[y] >= 0:
                low[x] = min(low[x], disc[y])
            else:
                disc[y] = low[y] = counter
                counter += 1
                stack.append((y, x, 0))
        else:
            stack.pop()
            if parent >= 0:
                low[parent] = min(low[parent], low[x])
                if parent == 0:
                    children += 1
                elif low[x] >= disc[parent]:
                    out.add(parent)
    if children > 1:
        out.add(0)
    return sorted(out)


def forced_group(
    graph: DesignGraph, weights: NDArray[np.float64], bands: Bands, start: int
) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """The forced group grown from ``start`` by the two rules, and its totals."""
    nbrs = graph.neighbours
    inside = np.zeros(graph.n, dtype=bool)
    inside[start] = True
    while True:
        grew = False
        comps = _components(nbrs, inside)
        open_comps = []
        for comp in comps:
            tot = weights[comp].sum(axis=0)
            if np.any(tot < bands.lo):
                inside[comp] = True  # rule 1
                grew = True
            else:
                open_comps.append(comp)
        total = weights[inside].sum(axis=0)
        if np.any(total > bands.hi):
            return inside, total
        if not grew and np.any(total < bands.lo) and open_comps:
            gate: set[int] = set()
            for x in np.flatnonzero(inside).tolist():
                gate.update(y for y in nbrs[x] if not inside[y])
                if len(gate) > 1:
                    break
            if len(gate) == 1:
                inside[gate.pop()] = True  # rule 2
                grew = True
        if not grew:
            return inside, total


def band_proof(
    graph: DesignGraph, weights: NDArray[np.float64], bands: Bands, names: list[str] | None = None
) -> str:
    """A reason why no connected design meets the bands, or ``""`` when none is found.

    Parameters
    ----------
    graph
        The unit graph (connected).
    weights
        Measures of each unit (units x measures).
    bands
        The balance bands.
    names
        Measure names for the message (default: their positions).

    Returns
    -------
    str
        One line naming the cut vertex, the forced group's size and the band it breaks.
    """
    w = np.asarray(weights, dtype=np.float64).reshape(graph.n, -1)
    if np.any(w < 0) or graph.n_components() != 1:
        return ""  # rule 1 needs measures that only add up
    cuts = _cut_vertices(graph.neighbours, graph.n)
    for v in cuts[: max(1, MAX_WORK // max(graph.n, 1))]:
        inside, total = forced_group(graph, w, bands, v)
        over = np.flatnonzero(total > bands.hi)
        if len(over):
            m = int(over[0])
            label = names[m] if names else f"measure {m}"
            share = 100 * (total[m] / bands.scale[m] - 1)
            return (
                f"{int(inside.sum())} units around cut vertex {v} must share one territory "
                f"(the parts they enclose cannot hold a whole territory) and their {label} "
                f"is {share:+.1f}% of the mean, above the band"
            )
    return ""
