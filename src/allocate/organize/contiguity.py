"""Contiguity of geographic territories over units: a heuristic repair after the solve.

A territory is *contiguous* when the units of its (non-key-account) bundles form one
connected set in the unit adjacency graph. The repair, applied to the solver's alignment:

1. For each seller, find the connected components of its units; its *core* is the component
   with the largest workload.
2. Every other component (an *enclave*) is handed, whole, to a seller that owns a unit
   adjacent to it and has it as a candidate, choosing the cheapest such move that keeps the
   receiver within capacity. Handing an enclave to a neighbour keeps the neighbour connected.
3. Repeat until no enclave can move (at most ``rounds`` rounds).

Key-account bundles (multi-site groups) and locked accounts are outside the unit graph and
never move. Enclaves that cannot move without breaking a capacity stay and are counted in the
KPI ``non_contiguous_territories``. This is a documented heuristic, not an exact
formulation: it never worsens feasibility, but it may raise travel slightly.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from numpy.typing import NDArray

from ..domain import Instance
from .items import ModelProblem


def bundle_units(instance: Instance, mp: ModelProblem) -> NDArray[np.int64]:
    """Unit of each bundle (``-1`` for multi-unit bundles such as multi-site groups)."""
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


def territory_components(
    instance: Instance, unit_owner: dict[int, int]
) -> dict[int, list[set[int]]]:
    """Connected components of units per seller (``unit_owner``: unit -> seller)."""
    assert instance.units is not None
    nb = instance.units.neighbours
    by_seller: dict[int, set[int]] = defaultdict(set)
    for u, s in unit_owner.items():
        by_seller[s].add(u)
    comps: dict[int, list[set[int]]] = {}
    for s, units in by_seller.items():
        left = set(units)
        out = []
        while left:
            start = left.pop()
            comp = {start}
            stack = [start]
            while stack:
                u = stack.pop()
                for v in nb[u]:
                    if v in left:
                        left.remove(v)
                        comp.add(v)
                        stack.append(v)
            out.append(comp)
        comps[s] = out
    return comps


def count_enclaves(instance: Instance, mp: ModelProblem, choice: NDArray[np.int64]) -> int:
    """Number of territories made of more than one connected component."""
    if instance.units is None:
        return 0
    owner = _unit_owner(bundle_units(instance, mp), mp.problem.seller[choice])
    return sum(1 for comps in territory_components(instance, owner).values() if len(comps) > 1)


def _unit_owner(b_unit: NDArray[np.int64], b_seller: NDArray[np.int64]) -> dict[int, int]:
    owner: dict[int, int] = {}
    for b in np.flatnonzero(b_unit >= 0):
        owner[int(b_unit[b])] = int(b_seller[b])
    return owner


def repair_contiguity(
    instance: Instance, mp: ModelProblem, choice: NDArray[np.int64], rounds: int = 10
) -> NDArray[np.int64]:
    """Return a choice in which as many territories as possible are contiguous."""
    if instance.units is None:
        return choice
    p = mp.problem
    choice = choice.copy()
    b_unit = bundle_units(instance, mp)
    unit_bundles: dict[int, list[int]] = defaultdict(list)
    for b in np.flatnonzero(b_unit >= 0):
        unit_bundles[int(b_unit[b])].append(int(b))
    nb = instance.units.neighbours
    for _ in range(rounds):
        b_seller = p.seller[choice]
        loads = np.bincount(b_seller, weights=p.load[choice], minlength=p.n_sellers)
        owner = _unit_owner(b_unit, b_seller)
        comps = territory_components(instance, owner)
        moved = False
        for s, parts in sorted(comps.items()):
            if len(parts) < 2:
                continue
            weight = [sum(p.load[choice[b]] for u in part for b in unit_bundles[u]) for part in parts]
            core = int(np.argmax(weight))
            for k, part in enumerate(parts):
                if k == core:
                    continue
                bundles = [b for u in part for b in unit_bundles[u]]
                receivers = {owner[v] for u in part for v in nb[u] if v in owner and owner[v] != s}
                best, best_cost, best_entries = -1, np.inf, None
                for t in sorted(receivers):
                    entries = [p.candidate_index(b, t) for b in bundles]
                    if min(entries) < 0:
                        continue
                    add = sum(p.load[e] for e in entries)
                    if loads[t] + add > p.capacity[t] + 1e-9:
                        continue
                    if p.max_items[t] >= 0:
                        cnt = np.sum(b_seller == t) + len(bundles)
                        if cnt > p.max_items[t]:
                            continue
                    delta = sum(p.cost[e] - p.cost[choice[b]] for b, e in zip(bundles, entries, strict=True))
                    if delta < best_cost:
                        best, best_cost, best_entries = t, delta, entries
                if best >= 0 and best_entries is not None:
                    for b, e in zip(bundles, best_entries, strict=True):
                        loads[s] -= p.load[choice[b]]
                        loads[best] += p.load[e]
                        choice[b] = e
                        b_seller[b] = best
                        for u in part:
                            owner[u] = best
                    moved = True
        if not moved:
            break
    return choice
