"""Quick capacity check per eligibility group, run before any solve.

Items are grouped by their eligibility label (for example ``segment=large`` or
``role=AE``). For a group *G* with eligible sellers *S(G)*, a necessary condition is

    Σ_{i in G} min_s load(i, s)  <=  Σ_{s in S(G)} capacity(s)

and the same for every union of groups that share sellers (checked for each connected
component of the group–seller graph). A violated condition names the group and its shortfall in
hours, which is the explanation a sales-ops user needs ("the large-account sellers are short by
42 h/week"), not a solver status.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from allocate.core.errors import Shortfall
from allocate.solvers.problem import AssignmentProblem


def capacity_shortfalls(problem: AssignmentProblem, unit: str = "h/week") -> list[Shortfall]:
    """Groups of items whose eligible sellers cannot carry them (see the module docstring).

    Parameters
    ----------
    problem
        The assignment problem; items are grouped by their labels.
    unit
        Not used: the shortfalls are in the load units of the problem.

    Returns
    -------
    list of Shortfall
        Empty when no necessary condition fails. Items with no eligible seller come alone
        (at most 20); otherwise items locked to a seller that cannot serve them, sellers
        overloaded by their locked items, and groups or unions of groups short of capacity.
    """
    p = problem
    labels = p.labels or tuple("all items" for _ in range(p.n_items))
    empty = np.diff(p.indptr) == 0
    out: list[Shortfall] = []
    for i in np.flatnonzero(empty)[:20]:
        out.append(Shortfall(f"{labels[i]} (no eligible seller)", 0.0, 0.0))
    if len(out):
        return out
    # every item has a candidate from here on, so every start index is a valid entry
    min_load = np.minimum.reduceat(p.load, p.indptr[:-1]) if p.nnz else np.zeros(p.n_items)
    demand: dict[str, float] = defaultdict(float)
    sellers: dict[str, set[int]] = defaultdict(set)
    item_of = p.item_of
    for i, lab in enumerate(labels):
        demand[lab] += float(min_load[i])
    for e in range(p.nnz):
        sellers[labels[item_of[e]]].add(int(p.seller[e]))
    # locked items consume their seller's capacity whatever happens
    for i in np.flatnonzero(p.fixed >= 0):
        e = p.candidate_index(int(i), int(p.fixed[i]))
        if e < 0:
            out.append(Shortfall(f"{labels[i]} is locked to a seller that cannot serve it", 0.0, 0.0))
    locked_load = np.zeros(p.n_sellers)
    for i in np.flatnonzero(p.fixed >= 0):
        e = p.candidate_index(int(i), int(p.fixed[i]))
        if e >= 0:
            locked_load[p.fixed[i]] += p.load[e]
    for s in np.flatnonzero(locked_load > p.capacity + 1e-9):
        name = p.seller_labels[s] if p.seller_labels else f"seller {s}"
        out.append(Shortfall(f"locked accounts of {name}", float(locked_load[s]), float(p.capacity[s])))
    for lab, need in demand.items():
        cap = float(sum(p.capacity[s] for s in sellers[lab]))
        if need > cap + 1e-9:
            out.append(Shortfall(lab, need, cap))
    # unions: connected components of labels through shared sellers
    parent = {lab: lab for lab in demand}

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    owner: dict[int, str] = {}
    for lab, ss in sellers.items():
        for s in ss:  # type: ignore[assignment]  # numpy/ortools stubs
            if s in owner:
                parent[find(lab)] = find(owner[s])  # type: ignore[index]  # numpy/ortools stubs
            else:
                owner[s] = lab  # type: ignore[index]  # numpy/ortools stubs
    comps: dict[str, list[str]] = defaultdict(list)
    for lab in demand:
        comps[find(lab)].append(lab)
    for labs in comps.values():
        if len(labs) < 2:
            continue
        need = sum(demand[lab] for lab in labs)
        ss = set().union(*(sellers[lab] for lab in labs))
        cap = float(sum(p.capacity[s] for s in ss))
        if need > cap + 1e-9:
            out.append(Shortfall(" + ".join(sorted(labs)), need, cap))
    return out


def area_shortfalls(problem: AssignmentProblem, overflow: np.ndarray, top: int = 8) -> list[Shortfall]:
    """Sellers whose area lacks capacity, from the LP's overflow (or a nearest-seller estimate).

    With sparse candidates (each account may only go to the sellers of its nearest bases) a
    region can be short even when the whole team is not: this names the sellers whose
    capacity the LP had to exceed, with the hours missing.

    Parameters
    ----------
    problem
        The assignment problem.
    overflow
        Per-seller overflow of the LP; ``None`` or all zero to estimate from cheapest candidates.
    top
        Largest number of sellers named.

    Returns
    -------
    list of Shortfall
        The most overflowing sellers first.
    """
    p = problem
    names = p.seller_labels or tuple(f"seller {s}" for s in range(p.n_sellers))
    if overflow is None or float(np.sum(overflow)) <= 1e-9:
        # no LP overflow (first-order LP): estimate with every item at its cheapest candidate
        best = np.minimum.reduceat(np.where(np.isfinite(p.cost), p.cost, np.inf), p.indptr[:-1])
        first = np.flatnonzero(p.cost == np.repeat(best, np.diff(p.indptr)))
        item_of = p.item_of
        first = first[np.r_[True, item_of[first][1:] != item_of[first][:-1]]]
        used = np.bincount(p.seller[first], weights=p.load[first], minlength=p.n_sellers)
        overflow = np.maximum(used - p.capacity, 0.0)
        demand = used
    else:
        demand = p.capacity + overflow
    order = np.argsort(-overflow, kind="stable")[:top]
    return [
        Shortfall(f"area served by {names[s]}", float(demand[s]), float(p.capacity[s]))
        for s in order
        if overflow[s] > 1e-6
    ]
