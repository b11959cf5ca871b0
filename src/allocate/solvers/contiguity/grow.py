"""Contiguous warm starts: grow territories from the solver's alignment, then polish them.

The exact flow model (:mod:`allocate.solvers.contiguity.exact`) and its neighbourhood search
(:mod:`allocate.solvers.contiguity.lns`) start from a *contiguous* alignment near the
solver's: :func:`grow_contiguous` keeps each seller's main piece and hands the other units out
to adjacent sellers, :func:`improve_contiguous` moves border units while every territory stays
connected. :func:`contiguous_starts` tries both growth variants.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.budget import Clock, numpy_passes
from allocate.solvers.contiguity.graph import UnitGraph, territory_components
from allocate.solvers.problem import AssignmentProblem, evaluate, seller_totals

#: Array elements one trial move of :func:`improve_contiguous` costs, per candidate entry
#: (a full :func:`~allocate.solvers.problem.evaluate` and a copy).
TRIAL_ELEMENTS = 8
#: Seconds of improvement budget from which :func:`contiguous_starts` grows both variants.
BOTH_STARTS_S = 1.0


def grow_contiguous(
    problem: AssignmentProblem,
    graph: UnitGraph,
    choice: NDArray[np.int64],
    seeds_only: bool = False,
) -> NDArray[np.int64]:
    """A contiguous assignment close to ``choice``, built by growing territories (a warm start).

    Each seller keeps, in each component of the unit graph, its piece of ``choice`` around
    its base unit, else the one with the largest workload; the other units are freed and
    handed out one at a time, cheapest first, to a seller that owns an adjacent unit, may
    serve the unit's bundles and has the capacity. Giving a unit to an adjacent territory
    keeps it connected, so the result is contiguous whenever every freed unit finds a taker;
    units that fit nowhere go to the adjacent seller with the least overload (contiguous, but
    over capacity: CP-SAT repairs it).

    Parameters
    ----------
    problem
        The assignment problem.
    graph
        Its unit graph.
    choice
        The alignment to start from (candidate entry per bundle).
    seeds_only
        Shrink each kept piece to its unit nearest the seller's base and regrow the
        territories from these seeds (more even when the kept pieces are lopsided).

    Returns
    -------
    NDArray[np.int64]
        The grown alignment (a new array).
    """
    p = problem
    choice, bundles_of, owner = _unit_owners(p, graph, choice)
    adj = graph.adj
    per_seller: dict[int, set[int]] = defaultdict(set)
    for u, s in owner.items():
        per_seller[s].add(u)
    load_of_unit = {u: float(p.load[choice[bs]].sum()) for u, bs in bundles_of.items()}
    home = graph.base_unit
    free: set[int] = set()
    for s, pieces in territory_components(adj, per_seller).items():
        graph_comp: dict[int, list[set[int]]] = defaultdict(list)
        for piece in pieces:
            graph_comp[graph.comp_of[next(iter(piece))]].append(piece)
        for plist in graph_comp.values():
            # the piece around the seller's base unit, else the one with most workload
            core = max(
                plist,
                key=lambda c: (home[s] in c, sum(load_of_unit[u] for u in c), len(c), -min(c)),
            )
            for piece in plist:
                if piece is not core:
                    free |= piece
                elif seeds_only:
                    # keep one seed unit (the nearest to the base) and regrow the rest
                    seed = min(sorted(piece), key=lambda u: graph.dist2(u, int(home[s])))
                    free |= piece - {seed}
    for u in free:
        del owner[u]
    loads, counts = seller_totals(p, choice)
    for u in free:
        for b in bundles_of[u]:
            loads[p.seller[choice[b]]] -= p.load[choice[b]]
            counts[p.seller[choice[b]]] -= p.count[b]

    # round robin: the seller with the most room left (relative to its capacity) takes its
    # cheapest free adjacent unit that fits; this spreads the freed workload by capacity
    heaps: dict[int, list[tuple[float, int]]] = defaultdict(list)

    def offer(u: int) -> None:
        for t in sorted({owner[v] for v in adj[u] if v in owner}):
            es = _unit_entries(p, bundles_of[u], t)
            if es is not None:
                heapq.heappush(heaps[t], (float(p.cost[es].sum()), u))

    for u in sorted(free):
        offer(u)
    while heaps:
        t = min(heaps, key=lambda s: (float(loads[s]) / max(float(p.capacity[s]), 1e-9), s))
        took = False
        while heaps[t]:
            _, u = heapq.heappop(heaps[t])
            if u in owner:
                continue
            es = _unit_entries(p, bundles_of[u], t)
            assert es is not None
            add = float(p.load[es].sum())
            n_add = int(p.count[bundles_of[u]].sum())
            if loads[t] + add > p.capacity[t] + 1e-9 or (
                p.max_items[t] >= 0 and counts[t] + n_add > p.max_items[t]
            ):
                continue  # loads only grow: this unit never fits t again
            owner[u] = t
            loads[t] += add
            counts[t] += n_add
            choice[bundles_of[u]] = es
            for v in adj[u]:
                if v not in owner:
                    offer(v)
            took = True
            break
        if not took:
            del heaps[t]
    # leftovers: contiguous but over capacity, to the least overloaded adjacent taker
    left = sorted(u for u in free if u not in owner)
    while left:
        progress = False
        for u in left:
            takers = [
                (loads[t] - p.capacity[t], t)
                for t in sorted({owner[v] for v in adj[u] if v in owner})
            ]
            takers = [(o, t) for o, t in takers if _unit_entries(p, bundles_of[u], t) is not None]
            if not takers:
                continue
            t = min(takers)[1]
            es = _unit_entries(p, bundles_of[u], t)
            assert es is not None
            owner[u] = t
            loads[t] += float(p.load[es].sum())
            choice[bundles_of[u]] = es
            progress = True
        left = [u for u in left if u not in owner]
        if not progress:
            break  # no candidate seller next to these units: leave them where they were
    return choice


def improve_contiguous(
    problem: AssignmentProblem,
    graph: UnitGraph,
    choice: NDArray[np.int64],
    seconds: float = 2.0,
    clock: Clock | None = None,
) -> NDArray[np.int64]:
    """Boundary local search that keeps territories contiguous (a better warm start).

    A unit on the border of two territories moves to the neighbour when that lowers the
    capacity overload, or else the full objective (travel, balance, moves) without raising the
    overload, and leaves the giver connected. Passes repeat until none improves or the trial
    budget (a count sized from ``seconds``, so that the result does not depend on the load) is
    spent.

    Parameters
    ----------
    problem
        The assignment problem.
    graph
        Its unit graph.
    choice
        A contiguous alignment (candidate entry per bundle).
    seconds
        Sizes the number of trial moves (each one a full evaluation).
    clock
        Wall-clock safety net; a stop by its deadline is recorded on it.

    Returns
    -------
    NDArray[np.int64]
        The improved alignment (a new array).
    """
    p = problem
    trials_left = numpy_passes(seconds, TRIAL_ELEMENTS * max(1, p.nnz), least=20)
    choice, bundles_of, owner = _unit_owners(p, graph, choice)
    adj = graph.adj
    ev = evaluate(p, choice)
    best = (ev.overload, ev.objective)
    improved = True
    while improved and trials_left > 0:
        improved = False
        for u in graph.units:
            if trials_left <= 0:
                break
            if clock is not None and clock.expired():
                clock.fired("contiguous start search")
                return choice
            s = owner[u]
            takers = sorted({owner[v] for v in adj[u]} - {s})
            if not takers or not _stays_connected(adj, owner, s, u):
                continue
            for t in takers:
                es = _unit_entries(p, bundles_of[u], t)
                if es is None:
                    continue
                trials_left -= 1
                trial = choice.copy()
                trial[bundles_of[u]] = es
                tev = evaluate(p, trial)
                key = (tev.overload, tev.objective)
                if key[0] < best[0] - 1e-9 or (
                    key[0] <= best[0] + 1e-9 and key[1] < best[1] - 1e-9
                ):
                    choice, best, owner[u] = trial, key, t
                    improved = True
                    break
    return choice


def contiguous_starts(
    problem: AssignmentProblem,
    graph: UnitGraph,
    choice: NDArray[np.int64],
    improve_s: float,
    clock: Clock | None = None,
) -> list[NDArray[np.int64]]:
    """Both contiguous warm starts from ``choice``: grown from the kept pieces, then from seeds.

    Parameters
    ----------
    problem
        The assignment problem.
    graph
        Its unit graph.
    choice
        The alignment to start from.
    improve_s
        Seconds that size the trial budget of :func:`improve_contiguous` for each start.
    clock
        Wall-clock safety net.

    Returns
    -------
    list of NDArray[np.int64]
        :func:`grow_contiguous` without, then (from :data:`BOTH_STARTS_S` of budget) with
        ``seeds_only``, each polished by :func:`improve_contiguous`; the caller keeps the
        one it prefers.
    """
    start = np.asarray(choice, dtype=np.int64)
    # below BOTH_STARTS_S of budget only the first variant is grown (each growth costs seconds
    # on thousands of units); a rule on the budget, not on the clock, so runs stay reproducible
    variants = (False, True) if improve_s >= BOTH_STARTS_S else (False,)
    return [
        improve_contiguous(
            problem,
            graph,
            grow_contiguous(problem, graph, start, seeds_only=seeds_only),
            improve_s,
            clock,
        )
        for seeds_only in variants
    ]


def _unit_owners(
    p: AssignmentProblem, graph: UnitGraph, choice: NDArray[np.int64]
) -> tuple[NDArray[np.int64], dict[int, list[int]], dict[int, int]]:
    """A copy of ``choice`` to edit, the items of each unit and the seller of each unit."""
    choice = np.asarray(choice, dtype=np.int64).copy()
    b_unit = graph.b_unit
    bundles_of: dict[int, list[int]] = defaultdict(list)
    for bb in np.flatnonzero(b_unit >= 0):
        bundles_of[int(b_unit[bb])].append(int(bb))
    s_of = p.seller[choice]
    return choice, bundles_of, {u: int(s_of[bs[0]]) for u, bs in bundles_of.items()}


def _unit_entries(p: AssignmentProblem, bundles: list[int], t: int) -> list[int] | None:
    """The candidate entries of seller ``t`` for all the items of a unit (``None`` when one has none)."""
    es = [p.candidate_index(b, t) for b in bundles]
    return None if min(es) < 0 else es


def _stays_connected(adj: Mapping[int, list[int]], owner: dict[int, int], s: int, u: int) -> bool:
    """Whether seller ``s``'s units next to ``u`` stay linked once ``u`` is gone."""
    mine = [v for v in adj[u] if owner[v] == s]
    if len(mine) <= 1:
        return True
    seen, stack = {mine[0], u}, [mine[0]]
    targets = set(mine[1:])
    while stack and targets:
        for w in adj[stack.pop()]:
            if w not in seen and owner[w] == s:
                seen.add(w)
                targets.discard(w)
                stack.append(w)
    return not targets
