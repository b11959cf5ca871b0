"""Exact contiguity of geographic territories: the CP-SAT assignment model plus a flow per seller.

The model is the assignment model of :mod:`allocate.solvers.problem`, built by
:class:`~allocate.solvers.cpsat.AssignmentModel`, with territories forced to be connected sets
of units by a single-commodity flow per seller.

Let ``G = (U, E)`` be the unit graph restricted to the units that hold bundles (two units are
adjacent when their polygons share a border, :attr:`allocate.core.instance.Units.neighbours`), and
``K`` its connected components (one for a mainland, more with islands). For seller *s* let
``U_s`` be the units of which *s* is a candidate of every bundle there, ``A_s`` the arcs
``(u, v)`` and ``(v, u)`` of ``E`` with both ends in ``U_s``, and ``n_sk = |U_s ∩ k|``.
With ``x_bs`` the assignment literals::

    y_us  = x_{b(u), s}                               s owns unit u (one bundle per unit;
                                                      y_us = OR_b x_bs otherwise)
    a_sk  >= y_us                  u in U_s ∩ k       s works in component k
    Σ_{u in U_s ∩ k} r_us = a_sk                      exactly one root where s works
    r_us  <= y_us                                     the root is an owned unit
    0 <= f_uvs <= (n_sk - 1) y_us,  f_uvs <= (n_sk - 1) y_vs     flow only inside the territory
    Σ_{(v,u) in A_s} f_vus - Σ_{(u,v) in A_s} f_uvs >= y_us - n_sk r_us
                                                      every owned non-root unit consumes 1

Why it is exact: flow only runs between owned units, so summed over one connected piece of a
territory the net inflow is zero; without a root in that piece each of its units would need a
net inflow of at least one. Hence every piece holds a root, and there is one root per
component of ``G``: each territory is connected within each component of ``G`` (a seller
serving an island and the mainland keeps two pieces, which no assignment can avoid).
Conversely a connected territory feeds its units along a spanning tree from any root. The
objective and every other constraint are those of the assignment model, so the result is the
best contiguous alignment (optimal when CP-SAT proves it).

Multi-site groups and locked accounts are bundles outside ``G`` and take no part in the flow.
Flow variables exist only for arcs whose two ends both list *s* as a candidate, which keeps
the model sparse: with ``k`` candidates per bundle about ``k · 2|E|`` flow integers.

Warm start. CP-SAT (a few workers) rarely finds a contiguous alignment by itself within
seconds, so it gets a complete, feasible one: ``start_choice`` (usually the heuristic
repair's output) is made contiguous by :func:`grow_contiguous` (each seller keeps one piece
per graph component, freed units go one by one to an adjacent seller with room, the emptiest
first), polished by :func:`improve_contiguous` (border moves that keep the giver connected),
and hinted in full, roots at the sellers' *base units* (the unit whose polygon contains the
base, else the nearest one) and flows along a spanning tree. When the start stays split the
hint covers only its consistent part (the largest piece of each territory).

Beyond :data:`EXACT_MAX_UNITS` units the flow model over every seller grows too large for the
time budgets of the product: :mod:`allocate.solvers.contiguity.lns` applies it to a few
neighbouring sellers at a time instead.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from allocate.core.instance import Instance
from allocate.organize.items import ModelProblem
from allocate.solvers.contiguity.repair import bundle_units, territory_components
from allocate.solvers.cpsat import AssignmentModel
from allocate.solvers.pipeline import DET_PER_SECOND
from allocate.solvers.problem import evaluate
from allocate.solvers.scaling import scales_for, snap

log = logging.getLogger(__name__)

#: Largest number of bundle-holding units for which the exact flow model is built.
EXACT_MAX_UNITS = 1000


@dataclass(frozen=True)
class ContiguousOutcome:
    """Result of the exact contiguous model (``choice`` is ``None`` when none was found)."""

    choice: NDArray[np.int64] | None
    optimal: bool  # CP-SAT proved the contiguous model optimal
    objective: float
    bound: float
    wall_s: float


def base_units(instance: Instance, units: list[int]) -> NDArray[np.int64]:
    """Per seller, the unit (among ``units``) whose polygon contains its base, else the nearest."""
    import shapely

    assert instance.units is not None
    sel = instance.sellers
    geoms = [instance.units.geometry[u] for u in units]
    out = np.full(len(sel), -1, dtype=np.int64)
    if not geoms:
        return out
    cent = shapely.centroid(np.array(geoms, dtype=object))
    cx, cy = shapely.get_x(cent), shapely.get_y(cent)
    for s in range(len(sel)):
        pt = shapely.Point(float(sel.lon[s]), float(sel.lat[s]))
        inside = [k for k, g in enumerate(geoms) if g.covers(pt)]  # type: ignore[attr-defined]
        if inside:
            out[s] = units[inside[0]]
        else:
            coslat = np.cos(np.radians(float(sel.lat[s])))
            d2 = ((cx - sel.lon[s]) * coslat) ** 2 + (cy - sel.lat[s]) ** 2
            out[s] = units[int(np.argmin(d2))]
    return out


@dataclass(frozen=True, eq=False)
class UnitGraph:
    """The unit graph ``G`` of the module docstring, with what the flow model reads from it.

    It depends only on the instance and the unit of each bundle, not on which sellers or
    bundles a model frees, so a search that builds many flow models (the LNS of
    :mod:`allocate.solvers.contiguity.lns`) builds it once and shares it. Treat it as
    read-only: the containers are shared by every model built on it.

    Attributes
    ----------
    b_unit
        Unit of each bundle (``-1`` for bundles outside ``G``), as :func:`bundle_units`.
    units
        The units holding bundles, sorted.
    adj
        Neighbours of each unit of ``units`` among ``units``.
    comp_of
        Index of the connected component of ``G`` holding each unit (components numbered
        in the order of their smallest unit).
    n_comps
        Number of components of ``G``.
    base_unit
        Per seller, the unit of ``units`` covering its base, else the nearest (:func:`base_units`).
    centroid
        Centroid ``(lon, lat)`` of each unit of ``units``.
    """

    b_unit: NDArray[np.int64]
    units: list[int]
    adj: Mapping[int, list[int]]
    comp_of: Mapping[int, int]
    n_comps: int
    base_unit: NDArray[np.int64]
    centroid: Mapping[int, tuple[float, float]]

    @classmethod
    def build(cls, instance: Instance, b_unit: NDArray[np.int64]) -> UnitGraph:
        """The graph of the units holding bundles, from the unit of each bundle ``b_unit``."""
        assert instance.units is not None
        units = sorted(set(int(u) for u in b_unit[b_unit >= 0]))
        unit_set = set(units)
        nb = instance.units.neighbours
        comps = territory_components(instance, {0: unit_set})[0] if unit_set else []
        geometry = instance.units.geometry
        return cls(
            b_unit=b_unit,
            units=units,
            adj={u: [v for v in nb[u] if v in unit_set] for u in units},
            comp_of={u: c for c, comp in enumerate(comps) for u in comp},
            n_comps=len(comps),
            base_unit=base_units(instance, units),
            centroid={u: geometry[u].centroid.coords[0] for u in units},  # type: ignore[attr-defined]
        )


class ContiguityFlow:
    """Adds the single-commodity flow of every seller to an :class:`AssignmentModel`.

    See the module docstring for the formulation. ``graph`` is the instance's
    :class:`UnitGraph` (built from ``instance`` and ``mp`` when not given); pass the same one
    to every model of a search over one instance to build it only once.
    """

    def __init__(
        self,
        instance: Instance,
        mp: ModelProblem,
        model: AssignmentModel,
        graph: UnitGraph | None = None,
    ) -> None:
        assert instance.units is not None
        self.m = model
        p = mp.problem
        if graph is None:
            graph = UnitGraph.build(instance, bundle_units(instance, mp))
        elif len(graph.b_unit) != p.n_items:
            raise ValueError(
                f"unit graph built for {len(graph.b_unit)} bundles, the model has {p.n_items}"
            )
        self.graph = graph
        # short names for the graph's parts, read throughout the model and the hint
        self.b_unit = graph.b_unit
        self.units = graph.units
        self.adj = graph.adj
        self.comp_of = graph.comp_of
        self.n_comps = graph.n_comps
        self.base_unit = graph.base_unit
        self.centroid = graph.centroid
        self._unit_literals(p)
        self._roots()
        self._flows()

    def _unit_literals(self, p) -> None:
        """y[u, s]: seller s owns unit u (its bundles there)."""
        by_unit_seller: dict[tuple[int, int], list[int]] = defaultdict(list)
        bundles_of_unit: dict[int, set[int]] = defaultdict(set)
        for k, e in enumerate(self.m.entries):
            u = int(self.b_unit[self.m.entry_item[k]])
            if u >= 0:
                by_unit_seller[(u, int(p.seller[e]))].append(k)
                bundles_of_unit[u].add(int(self.m.entry_item[k]))
        self.y: dict[tuple[int, int], cp_model.IntVar] = {}
        self.y_aux: list[tuple[int, int]] = []  # y that are not an assignment literal themselves
        self.units_of: dict[int, list[int]] = defaultdict(list)
        for (u, s), ks in sorted(by_unit_seller.items()):
            # s may own u only if it may serve every bundle of u (hybrid: one bundle per group)
            if len(ks) == 1 and len(bundles_of_unit[u]) == 1:
                self.y[(u, s)] = self.m.x[ks[0]]
            else:
                y = self.m.model.new_bool_var(f"y{u}_{s}")
                for k in ks:
                    self.m.model.add_implication(self.m.x[k], y)
                self.m.model.add_bool_or([self.m.x[k] for k in ks]).only_enforce_if(y)
                self.y[(u, s)] = y
                self.y_aux.append((u, s))
            self.units_of[s].append(u)

    def _roots(self) -> None:
        """One root unit per seller and component of the unit graph where it owns units."""
        mdl = self.m.model
        self.r: dict[tuple[int, int], cp_model.IntVar] = {}
        self.size: dict[tuple[int, int], int] = {}
        self.active: dict[tuple[int, int], cp_model.IntVar] = {}
        for s, us in self.units_of.items():
            per_comp: dict[int, list[int]] = defaultdict(list)
            for u in us:
                per_comp[self.comp_of[u]].append(u)
            for c, cu in per_comp.items():
                self.size[(s, c)] = len(cu)
                active = mdl.new_bool_var(f"a{s}_{c}")
                self.active[(s, c)] = active
                roots = []
                for u in cu:
                    r = mdl.new_bool_var(f"r{u}_{s}")
                    mdl.add_implication(r, self.y[(u, s)])
                    mdl.add_implication(self.y[(u, s)], active)
                    self.r[(u, s)] = r
                    roots.append(r)
                mdl.add(sum(roots) == active)

    def _flows(self) -> None:
        """Owned non-root units each draw one unit of flow, carried only between owned units."""
        mdl = self.m.model
        self.f: dict[tuple[int, int, int], cp_model.IntVar] = {}
        for s, us in self.units_of.items():
            owned = set(us)
            inflow: dict[int, list] = defaultdict(list)
            outflow: dict[int, list] = defaultdict(list)
            for u in us:
                big = self.size[(s, self.comp_of[u])] - 1
                if big <= 0:
                    continue
                for v in self.adj[u]:
                    if v not in owned:
                        continue
                    f = mdl.new_int_var(0, big, f"f{u}_{v}_{s}")
                    mdl.add(f <= big * self.y[(u, s)])
                    mdl.add(f <= big * self.y[(v, s)])
                    self.f[(u, v, s)] = f
                    outflow[u].append(f)
                    inflow[v].append(f)
            for u in us:
                big = self.size[(s, self.comp_of[u])]
                mdl.add(sum(inflow[u]) - sum(outflow[u]) >= self.y[(u, s)] - big * self.r[(u, s)])

    # -- warm start ------------------------------------------------------------------------
    def hint(self, p, choice: NDArray[np.int64]) -> int:
        """Hint the consistent part of ``choice``; returns the number of non-contiguous sellers.

        When ``choice`` is contiguous it is hinted in full (the assignment model has already
        hinted its ``x`` and balance variables); otherwise the model's hints are replaced by
        the consistent part only.
        """
        mdl = self.m.model
        s_of = p.seller[choice]
        owned: dict[int, set[int]] = defaultdict(set)
        for b in np.flatnonzero(self.b_unit >= 0):
            owned[int(s_of[b])].add(int(self.b_unit[b]))
        keep_unit: dict[int, int] = {}  # unit -> seller, for units whose assignment is hinted
        broken = 0
        tree_hints: list[tuple[int, set[int]]] = []
        for s, us in owned.items():
            if s not in self.units_of:
                continue  # a seller outside the model (fixed in an LNS step)
            pieces: dict[int, list[set[int]]] = defaultdict(list)
            for piece in self._pieces(us):
                pieces[self.comp_of[next(iter(piece))]].append(piece)
            for plist in pieces.values():
                if len(plist) > 1:
                    broken += 1
                core = max(plist, key=len)
                tree_hints.append((s, core))
                for u in core:
                    keep_unit[u] = s
        if broken:
            mdl.clear_hints()
            chosen = np.zeros(p.nnz, dtype=bool)
            chosen[choice] = True
            for k, e in enumerate(self.m.entries):
                u = int(self.b_unit[self.m.entry_item[k]])
                if u < 0 or u in keep_unit:
                    mdl.add_hint(self.m.x[k], bool(chosen[e]))
        for u, s in self.y_aux:
            if u in keep_unit:
                mdl.add_hint(self.y[(u, s)], keep_unit[u] == s)
        roots: set[tuple[int, int]] = set()
        tree_flow: dict[tuple[int, int, int], int] = {}
        for s, core in tree_hints:
            root = int(self.base_unit[s]) if self.base_unit[s] in core else self._nearest(core, s)
            roots.add((root, s))
            for u, parent, sub in self._tree(core, root):
                if parent >= 0:
                    tree_flow[(parent, u, s)] = sub
        active = {(s, self.comp_of[next(iter(core))]) for s, core in tree_hints}
        for (s, c), a in self.active.items():
            if broken == 0:  # otherwise an enclave elsewhere may still make s active
                mdl.add_hint(a, (s, c) in active)
        for (u, s), r in self.r.items():
            if u in keep_unit:
                mdl.add_hint(r, (u, s) in roots)
        for (u, v, s), f in self.f.items():
            if u in keep_unit and v in keep_unit:
                mdl.add_hint(f, tree_flow.get((u, v, s), 0))
        return broken

    def _pieces(self, us: set[int]) -> list[set[int]]:
        left = set(us)
        out = []
        while left:
            start = min(left)
            left.discard(start)
            piece, queue = {start}, deque([start])
            while queue:
                u = queue.popleft()
                for v in self.adj[u]:
                    if v in left:
                        left.discard(v)
                        piece.add(v)
                        queue.append(v)
            out.append(piece)
        return out

    def _nearest(self, core: set[int], s: int) -> int:
        """The unit of ``core`` nearest to seller ``s``'s base unit (centroid distance)."""
        b = int(self.base_unit[s])
        bx, by = self.centroid[b]
        return min(
            sorted(core),
            key=lambda u: (self.centroid[u][0] - bx) ** 2 + (self.centroid[u][1] - by) ** 2,
        )

    def _tree(self, core: set[int], root: int) -> list[tuple[int, int, int]]:
        """(unit, parent, units in its subtree) along a BFS spanning tree of ``core`` from ``root``."""
        parent = {root: -1}
        order = [root]
        queue = deque([root])
        while queue:
            u = queue.popleft()
            for v in self.adj[u]:
                if v in core and v not in parent:
                    parent[v] = u
                    order.append(v)
                    queue.append(v)
        sub = dict.fromkeys(order, 1)
        for u in reversed(order[1:]):
            sub[parent[u]] += sub[u]
        # flow on the arc parent -> u carries the units of u's subtree
        return [(u, parent[u], sub[u]) for u in order]


def grow_contiguous(
    instance: Instance, mp: ModelProblem, choice: NDArray[np.int64], seeds_only: bool = False
) -> NDArray[np.int64]:
    """A contiguous assignment close to ``choice``, built by growing territories (a warm start).

    Each seller keeps, in each component of the unit graph, its piece of ``choice`` with the
    largest workload; the other units are freed and handed out one at a time, cheapest first,
    to a seller that owns an adjacent unit, may serve the unit's bundles and has the capacity.
    Giving a unit to an adjacent territory keeps it connected, so the result is contiguous
    whenever every freed unit finds a taker; units that fit nowhere go to the adjacent seller
    with the least overload (contiguous, but over capacity: CP-SAT repairs it).
    With ``seeds_only`` each kept piece shrinks to its unit nearest the seller's base and
    the territories regrow from these seeds (more even when the kept pieces are lopsided).
    """
    import heapq

    assert instance.units is not None
    p = mp.problem
    choice = np.asarray(choice, dtype=np.int64).copy()
    b_unit = bundle_units(instance, mp)
    bundles_of: dict[int, list[int]] = defaultdict(list)
    for bb in np.flatnonzero(b_unit >= 0):
        bundles_of[int(b_unit[bb])].append(int(bb))
    unit_set = set(bundles_of)
    nb = instance.units.neighbours
    adj = {u: [v for v in nb[u] if v in unit_set] for u in unit_set}
    s_of = p.seller[choice]
    owner = {u: int(s_of[bs[0]]) for u, bs in bundles_of.items()}
    per_seller: dict[int, set[int]] = defaultdict(set)
    for u, s in owner.items():
        per_seller[s].add(u)
    load_of_unit = {u: float(p.load[choice[bs]].sum()) for u, bs in bundles_of.items()}
    home = base_units(instance, sorted(unit_set))
    free: set[int] = set()
    for s, pieces in territory_components(instance, per_seller).items():
        graph_comp: dict[int, list[set[int]]] = defaultdict(list)
        for piece in pieces:
            graph_comp[min(_reach(adj, next(iter(piece))))].append(piece)
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
                    seed = min(sorted(piece), key=lambda u: _dist2(instance, u, home[s]))
                    free |= piece - {seed}
    for u in free:
        del owner[u]
    loads = np.bincount(p.seller[choice], weights=p.load[choice], minlength=p.n_sellers)
    counts = np.bincount(p.seller[choice], weights=p.count, minlength=p.n_sellers)
    for u in free:
        for b in bundles_of[u]:
            loads[p.seller[choice[b]]] -= p.load[choice[b]]
            counts[p.seller[choice[b]]] -= p.count[b]

    def entries(u: int, t: int) -> list[int] | None:
        es = [p.candidate_index(b, t) for b in bundles_of[u]]
        return None if min(es) < 0 else es

    # round robin: the seller with the most room left (relative to its capacity) takes its
    # cheapest free adjacent unit that fits; this spreads the freed workload by capacity
    heaps: dict[int, list[tuple[float, int]]] = defaultdict(list)

    def offer(u: int) -> None:
        for t in sorted({owner[v] for v in adj[u] if v in owner}):
            es = entries(u, t)
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
            es = entries(u, t)
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
            takers = [(o, t) for o, t in takers if entries(u, t) is not None]
            if not takers:
                continue
            t = min(takers)[1]
            es = entries(u, t)
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
    instance: Instance, mp: ModelProblem, choice: NDArray[np.int64], time_limit_s: float = 2.0
) -> NDArray[np.int64]:
    """Boundary local search that keeps territories contiguous (a better warm start).

    A unit on the border of two territories moves to the neighbour when that lowers the
    capacity overload, or else the full objective (travel, balance, moves) without raising the
    overload, and leaves the giver connected. Passes repeat until none improves or the time is up.
    """
    import time

    assert instance.units is not None
    t_end = time.perf_counter() + time_limit_s
    p = mp.problem
    choice = np.asarray(choice, dtype=np.int64).copy()
    b_unit = bundle_units(instance, mp)
    bundles_of: dict[int, list[int]] = defaultdict(list)
    for bb in np.flatnonzero(b_unit >= 0):
        bundles_of[int(b_unit[bb])].append(int(bb))
    unit_set = set(bundles_of)
    nb = instance.units.neighbours
    adj = {u: [v for v in nb[u] if v in unit_set] for u in unit_set}
    owner = {u: int(p.seller[choice[bs[0]]]) for u, bs in bundles_of.items()}
    ev = evaluate(p, choice)
    best = (ev.overload, ev.objective)
    improved = True
    while improved and time.perf_counter() < t_end:
        improved = False
        for u in sorted(unit_set):
            if time.perf_counter() >= t_end:
                break
            s = owner[u]
            takers = sorted({owner[v] for v in adj[u]} - {s})
            if not takers or not _stays_connected(adj, owner, s, u):
                continue
            for t in takers:
                es = [p.candidate_index(b, t) for b in bundles_of[u]]
                if min(es) < 0:
                    continue
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


def _stays_connected(adj: dict[int, list[int]], owner: dict[int, int], s: int, u: int) -> bool:
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


def _dist2(instance: Instance, u: int, v: int) -> float:
    assert instance.units is not None
    a = instance.units.geometry[u].centroid  # type: ignore[attr-defined]
    b = instance.units.geometry[v].centroid  # type: ignore[attr-defined]
    return float((a.x - b.x) ** 2 + (a.y - b.y) ** 2)


def _reach(adj: dict[int, list[int]], start: int) -> set[int]:
    seen, stack = {start}, [start]
    while stack:
        for v in adj[stack.pop()]:
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return seen


def solve_contiguous_outcome(
    instance: Instance,
    mp: ModelProblem,
    start_choice: NDArray[np.int64] | None,
    time_limit_s: float,
    workers: int,
    seed: int,
    *,
    deterministic: bool = True,
    lower_bound: float = float("-inf"),
) -> ContiguousOutcome:
    """Solve the assignment model with contiguous territories (see the module docstring).

    Parameters
    ----------
    instance, mp
        The instance (with units) and its geography model.
    start_choice
        A complete assignment used as warm start (candidate entry per bundle), or ``None``.
    time_limit_s, workers, seed
        CP-SAT budget, number of workers and random seed.
    deterministic
        Stop on a deterministic-time budget (``DET_PER_SECOND`` per second) so that the same
        seed and worker count give the same alignment; the wall clock stays a safety net.
    lower_bound
        A proven lower bound of the model *without* contiguity (e.g. the pipeline's): it
        also bounds the contiguous model, and lets CP-SAT stop once it reaches it.
    """
    import time

    t0 = time.perf_counter()
    if instance.units is None:
        raise ValueError("contiguity needs units (units.geojson)")
    scales = scales_for(mp.problem)
    p = snap(mp.problem, scales)
    if start_choice is not None:
        # on the snapped data, so that what the heuristics call feasible CP-SAT does too
        mp_int = replace(mp, problem=p)
        start = np.asarray(start_choice, dtype=np.int64)
        budget = min(0.3 * time_limit_s, 10.0)
        starts = []
        for seeds_only in (False, True):
            grown = grow_contiguous(instance, mp_int, start, seeds_only=seeds_only)
            grown = improve_contiguous(instance, mp_int, grown, budget / 2)
            ev = evaluate(p, grown)
            starts.append(((ev.overload, not ev.feasible, ev.objective), grown))
        start_choice = min(starts, key=lambda t: t[0])[1]
        log.info("contiguous warm start: %s", evaluate(p, start_choice))
    model = AssignmentModel(p, scales, base=start_choice)
    flow = ContiguityFlow(instance, mp, model)
    model.add_lower_bound(lower_bound)
    if start_choice is not None:
        broken = flow.hint(p, start_choice)
        log.info("contiguous model: warm start has %d non-contiguous territories", broken)
    log.info(
        "contiguous model: %d units, %d roots, %d flow arcs, %.2fs to build",
        len(flow.units),
        len(flow.r),
        len(flow.f),
        time.perf_counter() - t0,
    )
    left = max(0.5, time_limit_s - (time.perf_counter() - t0))
    det = left * DET_PER_SECOND if deterministic else None
    out = model.solve(left, workers, seed, det)
    wall = time.perf_counter() - t0
    if out.choice is None:
        log.info("contiguous model: no solution in %.1fs (status %d)", wall, out.status)
        return ContiguousOutcome(None, False, float("nan"), out.bound, wall)
    optimal = out.status == cp_model.OPTIMAL
    log.info(
        "contiguous model: objective %.4f, bound %.4f, optimal %s, %.1fs",
        out.objective,
        out.bound,
        optimal,
        wall,
    )
    return ContiguousOutcome(
        out.choice, optimal, out.objective, out.objective if optimal else out.bound, wall
    )


def solve_contiguous(
    instance: Instance,
    mp: ModelProblem,
    start_choice: NDArray[np.int64] | None,
    time_limit_s: float,
    workers: int,
    seed: int,
) -> NDArray[np.int64] | None:
    """The best contiguous assignment CP-SAT finds in ``time_limit_s``, or ``None``.

    See :func:`solve_contiguous_outcome` (which also says whether it is proven optimal).
    """
    return solve_contiguous_outcome(instance, mp, start_choice, time_limit_s, workers, seed).choice
