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
proves that no design exists.

Last, the territory holding a forced group is enumerated (a branch-and-bound): a case is the
group ``T`` it holds and a set ``X`` of units it does not hold. In each case, rule 1 is applied
to ``T`` (a light component holding a unit of ``X`` refutes the case), then a case is refuted
when ``T`` is above a band, or when the counting argument fails for ``T``. A case whose ``T`` is
within its bands and passes the counting argument as the whole territory proves nothing, and
stops the enumeration; otherwise one unit ``u`` next to ``T`` and not in ``X`` is branched on
(``u`` in ``T``, or ``u`` in ``X``). When every case is refuted, no territory can hold the
group. The enumeration stops, proving nothing, after a number of cases. A group that no
argument refutes proves nothing.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from allocate.solvers.design.balance import Bands
from allocate.solvers.design.graph import DesignGraph, cut_vertices

#: Most (cut vertices x units) examined: a deterministic bound on the work of a proof.
MAX_WORK = 1_000_000
#: Most combinations of territory counts tried by the counting argument.
MAX_COMBOS = 20_000
#: Most cases of the enumeration of one group's territory, and of all groups together.
GROUP_CASES = 2_000
TOTAL_CASES = 8_000


def _parts(graph: DesignGraph, inside: NDArray[np.bool_]) -> tuple[int, NDArray[np.int64]]:
    """The connected components of the units not in ``inside``: their count and the
    component of each unit (``-1`` for the units inside)."""
    keep = ~inside
    m = keep[graph.u] & keep[graph.v]
    adj = csr_matrix((np.ones(int(m.sum())), (graph.u[m], graph.v[m])), shape=(graph.n, graph.n))
    _, lab = connected_components(adj, directed=False)
    out = np.full(graph.n, -1, dtype=np.int64)
    uniq, inv = np.unique(lab[keep], return_inverse=True)
    out[keep] = inv
    return len(uniq), out


def _totals(w: NDArray[np.float64], lab: NDArray[np.int64], count: int) -> NDArray[np.float64]:
    """The totals of each component (rows) from the component of each unit."""
    keep = lab >= 0
    return np.stack(
        [np.bincount(lab[keep], weights=w[keep, c], minlength=count) for c in range(w.shape[1])],
        axis=1,
    )


def _components(graph: DesignGraph, inside: NDArray[np.bool_]) -> list[NDArray[np.int64]]:
    """The connected components of the units not in ``inside``."""
    count, lab = _parts(graph, inside)
    order = np.argsort(lab, kind="stable")
    starts = np.searchsorted(lab[order], np.arange(count + 1))
    return [order[starts[i] : starts[i + 1]] for i in range(count)]


def _cut_vertices(nbrs: list[list[int]], n: int) -> list[int]:
    """The cut vertices of a connected graph, sorted."""
    return sorted(cut_vertices(nbrs, 0)[0]) if n >= 3 else []


def forced_group(
    graph: DesignGraph, weights: NDArray[np.float64], bands: Bands, start: int
) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """The forced group grown from ``start`` by the two rules, and its totals."""
    inside = np.zeros(graph.n, dtype=bool)
    inside[start] = True
    src = np.concatenate([graph.u, graph.v])
    dst = np.concatenate([graph.v, graph.u])
    while True:
        count, lab = _parts(graph, inside)
        light = np.any(_totals(weights, lab, count) < bands.lo, axis=1)
        grew = bool(light.any())
        if grew:
            inside |= (lab >= 0) & light[np.maximum(lab, 0)]  # rule 1
        total = weights[inside].sum(axis=0)
        if np.any(total > bands.hi):
            return inside, total
        if not grew and np.any(total < bands.lo) and count > 0:
            gate = np.unique(dst[inside[src] & ~inside[dst]])
            if len(gate) == 1:
                inside[int(gate[0])] = True  # rule 2
                grew = True
        if not grew:
            return inside, total


def counts_fit(
    f_total: NDArray[np.float64],
    comp_totals: list[NDArray[np.float64]],
    k: int,
    bands: Bands,
    closed: bool = False,
) -> bool:
    """False when no split of the other ``k - 1`` territories among the components lets the
    forced group's territory meet its band on every measure (see the module doc); True when
    one may, or when there are too many combinations to try. ``closed``: the group's
    territory is the group itself, so each component must be whole territories exactly."""
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
        if closed:
            if np.all(r_lo == 0):
                return True
            continue
        if np.all(f_total + r_lo.sum(axis=0) <= hi) and np.all(f_total + r_hi.sum(axis=0) >= lo):
            return True
    return False


def induced(graph: DesignGraph, keep: NDArray[np.bool_]) -> tuple[DesignGraph, NDArray[np.int64]]:
    """The graph induced by ``keep`` and the original index of each of its nodes."""
    idx = np.flatnonzero(keep)
    local = np.full(graph.n, -1, dtype=np.int64)
    local[idx] = np.arange(len(idx))
    m = keep[graph.u] & keep[graph.v]
    sub = DesignGraph(n=len(idx), u=local[graph.u[m]], v=local[graph.v[m]], length=graph.length[m])
    return sub, idx


def _closed(
    nbrs: list[list[int]],
    w: NDArray[np.float64],
    inside: NDArray[np.bool_],
    total: NDArray[np.float64],
    bands: Bands,
) -> bool:
    """True when adding any one neighbour of the group pushes a measure above its band: the
    group's territory is then the group itself."""
    gate: set[int] = set()
    for x in np.flatnonzero(inside).tolist():
        gate.update(y for y in nbrs[x] if not inside[y])
    return all(bool(np.any(total + w[u] > bands.hi)) for u in gate)


class _Budget:
    def __init__(self, calls: int, cases: int = 0, deadline: float = math.inf) -> None:
        self.calls = calls
        self.cases = cases
        self.deadline = deadline


def _close(
    graph: DesignGraph,
    w: NDArray[np.float64],
    bands: Bands,
    inside: NDArray[np.bool_],
    out: NDArray[np.bool_],
) -> NDArray[np.bool_] | None:
    """Rule 1 applied until nothing changes, or None when a light component holds a unit
    that ``out`` keeps out of the group's territory."""
    while True:
        count, lab = _parts(graph, inside)
        light = np.any(_totals(w, lab, count) < bands.lo, axis=1)
        if not light.any():
            return inside
        add = (lab >= 0) & light[np.maximum(lab, 0)]
        if np.any(add & out):
            return None
        inside = inside | add


def territory_refuted(
    graph: DesignGraph,
    w: NDArray[np.float64],
    bands: Bands,
    k: int,
    group: NDArray[np.bool_],
    cases: int,
    deadline: float = math.inf,
) -> tuple[bool | None, int]:
    """Enumerate the territory holding the forced ``group`` (see the module doc).

    Returns
    -------
    tuple
        ``True`` when every case is refuted (no design exists), ``False`` when a case proves
        nothing, ``None`` when ``cases`` ran out or ``time.monotonic()`` passed ``deadline``;
        and the number of cases examined.
    """
    nbrs = graph.neighbours
    stack = [(group, np.zeros(graph.n, dtype=bool))]
    seen = 0
    while stack:
        inside, out = stack.pop()
        closed = _close(graph, w, bands, inside, out)
        if closed is None:
            continue
        total = w[closed].sum(axis=0)
        if np.any(total > bands.hi):
            continue
        seen += 1
        if seen > cases or time.monotonic() > deadline:
            return None, seen - 1
        comps = [w[c].sum(axis=0) for c in _components(graph, closed)]
        if not counts_fit(total, comps, k, bands):
            continue
        if np.all(total >= bands.lo) and counts_fit(total, comps, k, bands, closed=True):
            return False, seen
        gate = sorted(
            {y for x in np.flatnonzero(closed).tolist() for y in nbrs[x] if not closed[y]}
            - set(np.flatnonzero(out).tolist())
        )
        if not gate:
            continue
        u = gate[0]
        without = out.copy()
        without[u] = True
        stack.append((closed, without))
        grown = closed.copy()
        grown[u] = True
        stack.append((grown, out))
    return True, seen


def _refute(
    graph: DesignGraph,
    w: NDArray[np.float64],
    bands: Bands,
    k: int,
    ids: NDArray[np.int64],
    names: list[str] | None,
    budget: _Budget,
) -> str:
    nbrs = graph.neighbours
    seen: set[bytes] = set()
    groups: list[tuple[str, NDArray[np.bool_]]] = []
    for v in _cut_vertices(nbrs, graph.n):
        if budget.calls <= 0:
            return ""
        budget.calls -= 1
        inside, total = forced_group(graph, w, bands, v)
        key = np.packbits(inside).tobytes()
        if key in seen:
            continue  # the same group from another of its cut vertices
        seen.add(key)
        where = f"{int(inside.sum())} units around cut vertex {int(ids[v])}"
        over = np.flatnonzero(total > bands.hi)
        if len(over):
            m = int(over[0])
            label = names[m] if names else f"measure {m}"
            share = 100 * (total[m] / bands.scale[m] - 1)
            return (
                f"{where} must share one territory (the parts they enclose cannot hold a "
                f"whole territory) and their {label} is {share:+.1f}% of the mean, above the band"
            )
        closed = _closed(nbrs, w, inside, total, bands)
        under = np.flatnonzero(total < bands.lo)
        if closed and len(under):
            label = names[int(under[0])] if names else f"measure {int(under[0])}"
            return (
                f"{where} must share one territory that no neighbour can join (any would "
                f"push a measure above its band), yet their {label} is below the band"
            )
        comps = _components(graph, inside)
        if not counts_fit(total, [w[c].sum(axis=0) for c in comps], k, bands, closed):
            return (
                f"{where} must share one territory, and no count of whole territories in "
                f"the {len(comps)} parts around them leaves that territory within its bands"
            )
        groups.append((where, inside))
        if closed and len(comps) == 1 and k > 2:
            # the group is a whole territory: the rest must hold the other k - 1
            sub, idx = induced(graph, ~inside)
            why = _refute(sub, w[idx], bands, k - 1, ids[idx], names, budget)
            if why:
                return f"{where} form a whole territory (no neighbour can join it); then {why}"
    # the enumeration last, largest groups first (the fewest territories hold them)
    groups.sort(key=lambda g: -int(g[1].sum()))
    for where, inside in groups:
        if budget.cases <= 0:
            break
        done, used = territory_refuted(
            graph, w, bands, k, inside, min(GROUP_CASES, budget.cases), budget.deadline
        )
        budget.cases -= used
        if done:
            return (
                f"{where} must share one territory, and none of the {used} cases of "
                f"that territory (enumerated) meets its bands while the parts around it "
                f"can hold the other territories"
            )
    return ""


def band_proof(
    graph: DesignGraph,
    weights: NDArray[np.float64],
    bands: Bands,
    k: int,
    names: list[str] | None = None,
    cases: int = TOTAL_CASES,
    deadline: float = math.inf,
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
    cases
        Most cases of the enumeration of territories (all groups together; 0: none).
    deadline
        ``time.monotonic()`` past which the enumeration stops (nothing proven by it then;
        the proof of a finished enumeration does not depend on the clock).

    Returns
    -------
    str
        One line naming the cut vertex, the forced group's size and the band it breaks.
    """
    w = np.asarray(weights, dtype=np.float64).reshape(graph.n, -1)
    if np.any(w < 0) or graph.n_components() != 1:
        return ""  # rule 1 needs measures that only add up
    calls = max(1, MAX_WORK // max(graph.n, 1))
    return _refute(
        graph, w, bands, k, np.arange(graph.n), names, _Budget(calls, cases, deadline)
    )


def whole_territories(
    graph: DesignGraph, weights: NDArray[np.float64], bands: Bands, k: int
) -> list[NDArray[np.int64]]:
    """Groups of units that every design must have as whole territories.

    A forced group (grown from a cut vertex by the rules of the module doc) that is within
    its bands and that no neighbour can join (any would push a measure above its band) is,
    in every design, a territory of its own. Such groups are taken off one at a time while
    the rest stays connected, and searched again in the rest (with one territory fewer).

    Returns
    -------
    list of NDArray[np.int64]
        The units of each such territory (indices of ``graph``), in the order found.
    """
    w = np.asarray(weights, dtype=np.float64).reshape(graph.n, -1)
    if np.any(w < 0) or graph.n_components() != 1:
        return []
    out: list[NDArray[np.int64]] = []
    sub, ids = graph, np.arange(graph.n)
    left = k
    calls = max(1, MAX_WORK // max(graph.n, 1))
    while left > 2:
        found = None
        seen: set[bytes] = set()
        for v in _cut_vertices(sub.neighbours, sub.n):
            if calls <= 0:
                return out
            calls -= 1
            inside, total = forced_group(sub, w[ids], bands, v)
            key = np.packbits(inside).tobytes()
            if key in seen:
                continue
            seen.add(key)
            if np.any(total > bands.hi) or np.any(total < bands.lo):
                continue
            if not _closed(sub.neighbours, w[ids], inside, total, bands):
                continue
            if len(_components(sub, inside)) != 1:
                continue
            found = inside
            break
        if found is None:
            return out
        out.append(ids[found])
        sub, idx = induced(sub, ~found)
        ids = ids[idx]
        left -= 1
    return out
