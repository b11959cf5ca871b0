"""The heuristic enclave repair: territories made contiguous by handing small enclaves over.

A territory is *contiguous* when the units of its (non-key-account) bundles form one
connected set in the unit adjacency graph (:mod:`allocate.solvers.contiguity.graph`).
The contiguity stage of :func:`allocate.align.solve.solve`
(:mod:`allocate.align.contiguity`) makes territories contiguous in one of two ways:

* up to :data:`~allocate.solvers.contiguity.exact.EXACT_MAX_UNITS` units holding accounts
  (geography model), *exactly*: CP-SAT solves the assignment model plus a single-commodity
  flow per seller (:mod:`allocate.solvers.contiguity.exact`), warm-started from the repair
  below; the repair alone is the fallback when CP-SAT finds no contiguous alignment in time;
* above that, the same flow model a few neighbouring sellers at a time, from a contiguous
  start grown out of the repaired alignment (:mod:`allocate.solvers.contiguity.lns`);
* as the fallback of both, by the heuristic repair of this module.

The repair, applied to the solver's alignment:

1. For each seller, find the connected components of its units; its *core* is the component
   with the largest workload.
2. Every other component (an *enclave*) of at most ``MAX_ENCLAVE_SHARE`` of the territory's
   workload is handed, whole, to a seller that owns a unit adjacent to it and may serve it,
   choosing the move with the best full objective (travel, balance, moves) that keeps the
   receiver within capacity and breaks no hard rule that held before the move (a hard
   balance band, the move cap). Handing an enclave to a neighbour keeps the neighbour connected.
3. Repeat until no enclave can move (at most ``rounds`` rounds). The repair may raise the
   objective by at most ``budget`` (default 5 %, scenario ``contiguity_budget``) in total.

Key-account bundles (multi-site groups) and locked accounts are outside the unit graph and
never move. Enclaves that cannot move without breaking a capacity or a hard balance band stay
and are counted in the KPI ``non_contiguous_territories``: a split is reported, a band is
never broken. The repair is a documented heuristic, not an exact
formulation: it never worsens feasibility, but it may raise travel slightly.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.contiguity.graph import UnitGraph, seller_units, territory_components
from allocate.solvers.problem import AssignmentProblem, evaluate, move_item, seller_totals

#: Enclaves larger than this share of a territory's workload are left alone: moving them would
#: unbalance the receiver more than a detached patch costs (they are counted in the KPIs).
MAX_ENCLAVE_SHARE = 0.25


def repair_contiguity(
    problem: AssignmentProblem,
    graph: UnitGraph,
    choice: NDArray[np.int64],
    rounds: int = 10,
    budget: float = 0.05,
) -> NDArray[np.int64]:
    """Return a choice in which as many territories as possible are contiguous.

    Only the seller's own bundles move (in a hybrid model a unit holds one bundle per skill
    group, each with its own territory), and only to a seller that owns a bundle in a unit
    adjacent to the enclave, may serve every bundle of it and has the capacity.

    Parameters
    ----------
    problem
        The assignment problem of the geographic model.
    graph
        Its unit graph (the unit of each bundle and the adjacency).
    choice
        The alignment to repair (candidate entry per bundle).
    rounds
        At most this many rounds of enclave moves.
    budget
        The repair raises the objective by at most this share of its absolute value.

    Returns
    -------
    NDArray[np.int64]
        A new choice (``choice`` is not modified).
    """
    p = problem
    choice = choice.copy()
    b_unit = graph.b_unit
    nb = graph.adj
    start = evaluate(p, choice)
    current_obj = start.objective
    limit = current_obj + budget * abs(current_obj)
    # a move may not break what held before: hard balance bands, the move cap, locks
    keep_feasible = start.feasible
    for _ in range(rounds):
        b_seller = p.seller[choice]
        loads, counts = seller_totals(p, choice)
        units_of = seller_units(b_unit, b_seller)
        # bundles of each (seller, unit)
        own: dict[tuple[int, int], list[int]] = defaultdict(list)
        for b in np.flatnonzero(b_unit >= 0):
            own[(int(b_seller[b]), int(b_unit[b]))].append(int(b))
        # which sellers hold each unit
        holders: dict[int, set[int]] = defaultdict(set)
        for (s, u) in own:
            holders[u].add(s)
        moved = False
        for s, parts in sorted(territory_components(nb, units_of).items()):
            if len(parts) < 2:
                continue
            weight = [sum(p.load[choice[b]] for u in part for b in own[(s, u)]) for part in parts]
            core = int(np.argmax(weight))
            for k, part in enumerate(parts):
                if k == core or weight[k] > MAX_ENCLAVE_SHARE * sum(weight):
                    continue
                bundles = [b for u in sorted(part) for b in own[(s, u)]]
                receivers = {t for u in part for v in nb[u] for t in holders.get(v, ()) if t != s}
                best, best_cost, best_entries = -1, np.inf, None
                for t in sorted(receivers):
                    entries = [p.candidate_index(b, t) for b in bundles]
                    if not entries or min(entries) < 0:
                        continue
                    add = sum(p.load[e] for e in entries)
                    if loads[t] + add > p.capacity[t] + 1e-9:
                        continue
                    if p.max_items[t] >= 0 and counts[t] + sum(p.count[b] for b in bundles) > p.max_items[t]:
                        continue
                    trial = choice.copy()
                    trial[bundles] = entries
                    trial_ev = evaluate(p, trial)
                    if keep_feasible and not trial_ev.feasible:
                        continue
                    delta = trial_ev.objective
                    if delta < best_cost and delta <= limit:
                        best, best_cost, best_entries = t, delta, entries
                if best >= 0 and best_entries is not None:
                    current_obj = best_cost
                    for b, e in zip(bundles, best_entries, strict=True):  # type: ignore[assignment]  # numpy/ortools stubs
                        move_item(p, choice, b_seller, loads, counts, b, e)
                    moved = True
        if not moved:
            break
    return choice
