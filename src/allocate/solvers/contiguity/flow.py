"""The contiguity flow: a single-commodity flow per seller that keeps territories connected.

:class:`ContiguityFlow` adds to an :class:`~allocate.solvers.cpsat.AssignmentModel` (the
assignment model of :mod:`allocate.solvers.problem`) the constraints that force territories to
be connected sets of units: a single-commodity flow per seller.

Let ``G = (U, E)`` be the unit graph restricted to the units that hold bundles (two units are
adjacent when their polygons share a border, :class:`~allocate.solvers.contiguity.graph.UnitGraph`), and
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
"""

from __future__ import annotations

from collections import defaultdict, deque

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from allocate.solvers.contiguity.graph import UnitGraph, components
from allocate.solvers.cpsat import AssignmentModel
from allocate.solvers.problem import AssignmentProblem


class ContiguityFlow:
    """Adds the single-commodity flow of every seller to an :class:`AssignmentModel`.

    See the module docstring for the formulation. Variables and constraints are created in
    three families, in this order: the owned-unit literals, the roots, the flows.

    Parameters
    ----------
    model
        The assignment model (all items, or the free items of an LNS step).
    graph
        The unit graph of the model's problem; pass the same one to every model of a search
        over one instance to build it only once.

    Raises
    ------
    ValueError
        When ``graph`` was built for another number of items.
    """

    def __init__(self, model: AssignmentModel, graph: UnitGraph) -> None:
        self.m = model
        p = model.p
        if len(graph.b_unit) != p.n_items:
            raise ValueError(
                f"unit graph built for {len(graph.b_unit)} bundles, the model has {p.n_items}"
            )
        self.graph = graph
        # short names for the graph's parts, read throughout the model and the hint
        self.b_unit = graph.b_unit
        self.units = graph.units
        self.adj = graph.adj
        self.comp_of = graph.comp_of
        self.base_unit = graph.base_unit
        self._unit_literals(p)
        self._roots()
        self._flows()

    def _unit_literals(self, p: AssignmentProblem) -> None:
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
    def hint(self, choice: NDArray[np.int64]) -> int:
        """Hint the consistent part of ``choice`` (roots at the base units, flows on a tree).

        When ``choice`` is contiguous it is hinted in full (the assignment model has already
        hinted its ``x`` and balance variables); otherwise the model's hints are replaced by
        the consistent part only: the largest piece of each territory.

        Parameters
        ----------
        choice
            A complete assignment (candidate entry per item).

        Returns
        -------
        int
            The number of (seller, component) territories of ``choice`` that are split.
        """
        p = self.m.p
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
            for piece in components(self.adj, us):
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

    def _nearest(self, core: set[int], s: int) -> int:
        """The unit of ``core`` nearest to seller ``s``'s base unit (centroid distance)."""
        b = int(self.base_unit[s])
        return min(sorted(core), key=lambda u: self.graph.dist2(u, b))

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
