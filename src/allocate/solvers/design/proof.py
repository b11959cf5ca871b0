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
upper band proves that no design meets the bands (whatever the objective).

A counting argument then refutes more: every territory other than ``F``'s lies wholly inside
one component ``C`` of the graph without ``F``; if ``C`` holds ``j`` of them, what remains of
``C`` (in ``F``'s territory) has, on each measure, a total between ``C - j x upper band`` (at
least 0) and ``C - j x lower band`` (which must not be negative). No choice of the ``j``
summing to ``K - 1`` that leaves ``F``'s territory able to reach its band on every measure
proves that no design exists. A group that neither argument refutes proves nothing.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.design.balance import Bands
from allocate.solvers.design.graph import DesignGraph

#: Most (cut vertices x units) examined: a deterministic bound on the work of a proof.
MAX_WORK = 4_000_000
#: Most combinations of territory counts tried by the counting argument.
MAX_COMBOS = 20_000


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


def counts_fit(
    f_total: NDArray[np.float64], comp_totals: list[NDArray[np.float64]], k: int, bands: Bands
) -> bool:
    """False when no split of the other ``k - 1`` territories among the components lets the
    forced group's territory meet its band on every measure (see the module doc); True when
    one may, or when there are too many combinations to try."""
    lo, hi = bands.lo, bands.hi
    ranges: list[list[int]] = []
    for c in comp_totals:
        fit = np.where(lo > 0, c / np.where(lo > 0, lo, 1.0), np.inf)
        top = int(np.floor(min(float(fit.min()), k - 1)))
        ranges.append(list(range(0, top + 1)))
    combos = 1
    for r in ranges:
        combos *= len(r)
        if combos > MAX_COMBOS:
            return True
    comps = np.array(comp_totals).reshape(len(comp_totals), -1)
    for js in itertools.product(*ranges):
        if sum(js) != k - 1:
            continue
        j = np.array(js, dtype=np.float64)[:, None]
        r_hi = comps - j * lo
        if np.any(r_hi < 0):
            continue
        r_lo = np.maximum(comps - j * hi, 0.0)
        if np.all(f_total + r_lo.sum(axis=0) <= hi) and np.all(f_total + r_hi.sum(axis=0) >= lo):
            return True
    return False


def band_proof(
    graph: DesignGraph,
    weights: NDArray[np.float64],
    bands: Bands,
    k: int,
    names: list[str] | None = None,
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
    k
        Number of territories.
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
        comps = _components(graph.neighbours, inside)
        if not counts_fit(total, [w[c].sum(axis=0) for c in comps], k, bands):
            return (
                f"{int(inside.sum())} units around cut vertex {v} must share one territory, "
                f"and no count of whole territories in the {len(comps)} parts around them "
                "leaves that territory within its bands"
            )
    return ""
