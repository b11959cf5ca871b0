"""A lower bound that sees contiguity: the LP relaxation plus connectivity cuts.

The LP relaxation of :mod:`allocate.solvers.lp` bounds the model *without* contiguity. This
module strengthens it with cuts that every contiguous alignment meets, separated round by
round from the LP's point, so its optimum stays a valid lower bound of the contiguous model
(the model of :mod:`allocate.solvers.contiguity.flow`).

Model: the rows and columns of :func:`allocate.solvers.lp.relaxation` (same objective, same
assignment, capacity, account-limit, move-cap and balance rows), plus the unit ownership of
each seller and a free *root* per seller and component ``k`` of the unit graph ``G``::

    y_us = x_bs                                       unit u holds one bundle b
    y_us >= x_bs (b in u),  y_us <= Σ_{b in u} x_bs    otherwise
    Σ_{u in k} r_us <= 1,   r_us >= 0                 at most one root per seller and component

and, for a seller *s*, a unit ``v``, a set ``S`` of units not holding ``v`` and ``C`` the
units that ``v`` reaches in ``G`` without crossing ``S`` (``v``'s side)::

    y_vs <= Σ_{w in S} y_ws + Σ_{w in C} r_ws

Why it is valid: a contiguous territory is connected within each component of ``G`` (roots
are free: flow.py's docstring). Given one, put ``r_ws = 1`` on one unit of s's territory in
each component where s works, 0 elsewhere. If *s* owns ``v``, either that root lies in ``C``
or the territory's path from ``v`` to it leaves ``C``, which only ``S`` borders: the right
side is at least 1. Otherwise the left side is 0. The root may be any unit, so the roots
need no link to ``y`` (``r_us <= y_us`` would hold too, but in these LPs it raised nothing
and slowed every solve). Multi-site groups and locked accounts are bundles outside ``G``:
no ``y`` for them. Compared with the pairwise form ``y_us + y_vs - 1 <= y(S)``, the roots
tie all the pieces of a territory together: each detached piece needs its own share of a
single unit of root.

Separation, for each seller: from the best unit of each piece of its territory (units with
``y > 0``, connected in ``G``) and from its :data:`STARTS_PER_SELLER` most owned units ``v``,

* a maximum flow from ``v`` to a sink, through units of capacity ``y_ws`` (the node-split
  graph), each unit ``w`` sending to the sink up to ``r_ws``
  (:func:`scipy.sparse.csgraph.maximum_flow`): a flow below ``y_vs`` gives the most violated
  ``(S, C)``, ``S`` kept to the units that touch ``C``;
* the rings around ``v`` (``S`` the units at distance ``d``, ``C`` the nearer ones), the
  :data:`RINGS` nearest that are violated: without them the LP answers each cut with one
  owned unit that joins nothing, one ring per round.

GLOP re-solves the grown LP, for a number of rounds.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.linear_solver.python import model_builder_helper as mbh
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import (
    breadth_first_order,
    connected_components,
    maximum_flow,
    shortest_path,
)

from allocate.solvers.budget import Clock, glop_det
from allocate.solvers.contiguity.graph import UnitGraph
from allocate.solvers.lp import _Builder, relaxation
from allocate.solvers.problem import AssignmentProblem

log = logging.getLogger(__name__)

#: Capacities of the max-flow are 32-bit integers: ``y`` and ``r`` times this scale (less on
#: graphs so large that the sum of the capacities would overflow).
FLOW_SCALE = 1_000_000
#: A cut is added when the LP point violates it by more than this.
MIN_VIOLATION = 1e-3
#: ``y`` below this counts as zero when the pieces of a territory are drawn.
SUPPORT = 1e-6
#: Units separated from per seller and round beyond the best of each piece: the most owned.
STARTS_PER_SELLER = 10
#: Violated rings around a unit added per round, nearest first.
RINGS = 2


@dataclass(frozen=True)
class CutBound:
    """Outcome of the connectivity-cut LP.

    Attributes
    ----------
    bound
        Lower bound on the contiguous model (``-inf`` when not even the first LP finished).
    lp_bound
        The first round's LP optimum: the bound without contiguity.
    rounds
        LP solves that finished.
    cuts
        Connectivity rows added.
    history
        ``(seconds since the start, bound)`` after every finished round.
    x
        The last finished round's value of each candidate entry (a guide that leans towards
        connected territories; zeros when no round finished).
    wall_s
        Seconds spent.
    """

    bound: float
    lp_bound: float
    rounds: int
    cuts: int
    history: tuple[tuple[float, float], ...]
    x: NDArray[np.float64]
    wall_s: float


def contiguity_bound(
    problem: AssignmentProblem,
    graph: UnitGraph,
    rounds: int = 20,
    seconds: float = 10.0,
    clock: Clock | None = None,
) -> CutBound:
    """LP relaxation with connectivity cuts (see the module docstring).

    Parameters
    ----------
    problem
        The assignment problem of a geographic model.
    graph
        Its unit graph.
    rounds
        Most LP solves (the deterministic budget, with GLOP's own per solve).
    seconds
        Seconds GLOP's deterministic budget of each solve is sized from.
    clock
        Wall-clock safety net: no new round starts after its deadline.

    Returns
    -------
    CutBound
        The best bound (the last finished round's: the LP only grows, so it only rises).
    """
    t0 = time.perf_counter()
    clock = clock or Clock.after(100 * seconds)
    relax = relaxation(problem)
    y = _ownership(problem, graph, relax.x, relax.builder)
    r = _roots(graph, y, relax.builder)
    b = relax.builder
    sep = _Separator(graph, y, r)
    bound = lp_bound = float("-inf")
    history: list[tuple[float, float]] = []
    n_cuts = 0
    done = 0
    guide = np.zeros(problem.nnz)
    for _ in range(rounds):
        if clock.expired():
            clock.fired("contiguity cuts")
            break
        t_lp = time.perf_counter()
        values = _solve(b, seconds, clock)
        t_lp = time.perf_counter() - t_lp
        if values is None:
            if clock.expired():
                clock.fired("contiguity cuts")
            break
        value, sol = values
        guide = np.clip(sol[relax.x], 0.0, 1.0)
        done += 1
        bound = value
        if lp_bound == float("-inf"):
            lp_bound = value
        history.append((time.perf_counter() - t0, value))
        if done == rounds:
            break
        if clock.expired():
            clock.fired("contiguity cuts")
            break
        t_sep = time.perf_counter()
        cuts = sep.separate(sol)
        log.info(
            "contiguity cuts: round %d, bound %.4f, %d cuts (LP %.2fs, separation %.2fs)",
            done, value, n_cuts, t_lp, time.perf_counter() - t_sep,
        )
        if not cuts:
            break
        rows, cols = [], []
        for k, cut in enumerate(cuts):
            s = cut.seller
            minus = [y[(w, s)] for w in cut.separator if (w, s) in y]
            minus += [r[(w, s)] for w in cut.side if (w, s) in r]
            rows.append(np.full(len(minus) + 1, k))
            cols.append(np.asarray([y[(cut.unit, s)], *minus], dtype=np.int64))
        first = b.rows_(np.full(len(cuts), -np.inf), 0.0)[0]  # y_v - y(S) - r(C) <= 0
        signs = [np.r_[1.0, -np.ones(len(c) - 1)] for c in cols]
        b.terms(first + np.concatenate(rows), np.concatenate(cols), np.concatenate(signs))
        n_cuts += len(cuts)
    return CutBound(bound, lp_bound, done, n_cuts, tuple(history), guide, time.perf_counter() - t0)


def _roots(graph: UnitGraph, y: dict[tuple[int, int], int], b: _Builder) -> dict[tuple[int, int], int]:
    """Column of ``r_us`` for every ``y_us``: at most one root per seller and component."""
    r: dict[tuple[int, int], int] = {}
    per: dict[tuple[int, int], list[int]] = defaultdict(list)
    for u, s in sorted(y):
        r[(u, s)] = int(b.columns(0.0, 1.0, [0.0])[0])
        per[(s, graph.comp_of[u])].append(r[(u, s)])
    for cols in per.values():
        row = b.rows_([-np.inf], 1.0)[0]
        b.terms(np.full(len(cols), row), cols, np.ones(len(cols)))
    return r


@dataclass(frozen=True)
class _Cut:
    """``y_vs <= Σ_{w in separator} y_ws + Σ_{w in side} r_ws`` (units by id)."""

    seller: int
    unit: int
    separator: tuple[int, ...]
    side: tuple[int, ...]


def _solve(b: _Builder, seconds: float, clock: Clock) -> tuple[float, NDArray[np.float64]] | None:
    """GLOP's optimum and point of the model in ``b``, or None when it proved none."""
    solver = mbh.ModelSolverHelper("glop")
    solver.set_solver_specific_parameters(f"use_dual_simplex: true max_deterministic_time: {glop_det(seconds)}")
    solver.set_time_limit_in_seconds(max(0.05, clock.left()))
    solver.solve(b.model())
    if solver.status() != mbh.SolveStatus.OPTIMAL:
        log.info("contiguity cuts: LP status %s", solver.status())
        return None
    return float(solver.objective_value()), np.asarray(solver.variable_values())


def _ownership(
    p: AssignmentProblem, graph: UnitGraph, x: NDArray[np.int64], b: _Builder
) -> dict[tuple[int, int], int]:
    """Column of ``y_us`` for every unit and candidate seller (the ``x`` column itself when
    the unit holds one bundle)."""
    entries: dict[tuple[int, int], list[int]] = defaultdict(list)
    bundles: dict[int, set[int]] = defaultdict(set)
    item_of = p.item_of
    for e in np.flatnonzero(graph.b_unit[item_of] >= 0):
        u = int(graph.b_unit[item_of[e]])
        entries[(u, int(p.seller[e]))].append(int(e))
        bundles[u].add(int(item_of[e]))
    y: dict[tuple[int, int], int] = {}
    for (u, s), es in sorted(entries.items()):
        if len(es) == 1 and len(bundles[u]) == 1:
            y[(u, s)] = int(x[es[0]])
            continue
        col = int(b.columns(0.0, 1.0, [0.0])[0])
        y[(u, s)] = col
        for k in es:  # y >= x_bs
            r = int(b.rows_([-np.inf], 0.0)[0])
            b.terms([r, r], [int(x[k]), col], [1.0, -1.0])
        r = int(b.rows_([-np.inf], 0.0)[0])  # y <= Σ x_bs
        b.terms(np.full(len(es) + 1, r), [col] + [int(x[k]) for k in es], [1.0] + [-1.0] * len(es))
    return y


class _Separator:
    """Finds violated cuts at an LP point (see the module docstring).

    Units are numbered by their position in ``graph.units``; ``A`` is the adjacency matrix.
    """

    def __init__(
        self, graph: UnitGraph, y: dict[tuple[int, int], int], r: dict[tuple[int, int], int]
    ) -> None:
        self.units = np.asarray(graph.units, dtype=np.int64)
        pos = {int(u): i for i, u in enumerate(graph.units)}
        n = len(graph.units)
        self.n = n
        # per seller, the y and r columns of each unit (-1: none)
        self.cols: dict[int, tuple[NDArray[np.int64], NDArray[np.int64]]] = {}
        for (u, s), c in y.items():
            if s not in self.cols:
                self.cols[s] = (np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64))
            self.cols[s][0][pos[u]] = c
            self.cols[s][1][pos[u]] = r[(u, s)]
        src = np.asarray([pos[u] for u in graph.units for _ in graph.adj[u]], dtype=np.int64)
        dst = np.asarray([pos[v] for u in graph.units for v in graph.adj[u]], dtype=np.int64)
        self.A = csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
        self.src, self.dst = src, dst
        self.adj = [[pos[v] for v in graph.adj[u]] for u in graph.units]
        # node-split graph: in_w = 2w -> out_w = 2w + 1 (capacity y_w), out_a -> in_b along G's
        # edges (no limit), out_w -> sink (capacity r_w); every reverse arc at 0, so that the
        # residual graph has it
        self.sink = 2 * n
        rows = np.concatenate([2 * np.arange(n), 2 * src + 1, 2 * np.arange(n) + 1])
        cols = np.concatenate([2 * np.arange(n) + 1, 2 * dst, np.full(n, self.sink)])
        self.arc_rows = np.concatenate([rows, cols])
        self.arc_cols = np.concatenate([cols, rows])
        self.n_edges = len(src)

    def separate(self, sol: NDArray[np.float64]) -> list[_Cut]:
        """Violated cuts at the point ``sol`` (values of every column)."""
        out = []
        ids = self.units
        for s, (ycol, rcol) in sorted(self.cols.items()):
            yv = np.clip(np.where(ycol >= 0, sol[np.maximum(ycol, 0)], 0.0), 0.0, 1.0)
            rv = np.clip(np.where(rcol >= 0, sol[np.maximum(rcol, 0)], 0.0), 0.0, 1.0)
            for v, sep, side in self._seller(yv, rv):
                out.append(_Cut(s, int(ids[v]), tuple(ids[sep].tolist()), tuple(ids[side].tolist())))
        return out

    def _starts(self, yv: NDArray[np.float64]) -> list[int]:
        """The best unit of each piece of the territory, and its most owned units."""
        held = np.flatnonzero(yv > SUPPORT)
        if len(held) == 0:
            return []
        _, lab = connected_components(self.A[held][:, held], directed=False)
        best = np.full(lab.max() + 1, -1)
        for k in np.argsort(yv[held], kind="stable"):  # the last write per piece is its best
            best[lab[k]] = held[k]
        order = held[np.argsort(-yv[held], kind="stable")]
        return sorted({int(v) for v in best} | {int(v) for v in order[:STARTS_PER_SELLER]})

    def _seller(self, yv: NDArray[np.float64], rv: NDArray[np.float64]) -> list[tuple[int, NDArray, NDArray]]:
        n = self.n
        scale = min(FLOW_SCALE, (2**31 - 1) // (2 * n + 2))
        big = scale * (2 * n + 1)  # more than any cut of node and root capacities
        caps = np.concatenate([np.round(yv * scale), np.full(self.n_edges, big), np.round(rv * scale)])
        caps = np.concatenate([caps, np.zeros(len(caps))]).astype(np.int32)
        cap = csr_matrix((caps, (self.arc_rows, self.arc_cols)), shape=(2 * n + 1, 2 * n + 1))
        cap.sum_duplicates()
        out = []
        seen: set[tuple[int, ...]] = set()
        for v in self._starts(yv):
            need = yv[v] - MIN_VIOLATION  # y(S) + r(C) must weigh less to be violated
            found = self._min_cut(cap, v, need * scale)
            # the rings around v: S = the units at distance k, C = the nearer ones
            dist = shortest_path(self.A, unweighted=True, indices=v)
            d = np.where(np.isfinite(dist), dist, -1).astype(np.int64)
            ok = d >= 0
            ring_y = np.bincount(d[ok], weights=yv[ok])
            inner_r = np.cumsum(np.bincount(d[ok], weights=rv[ok]))
            rings = [k for k in range(1, len(ring_y)) if ring_y[k] + inner_r[k - 1] < need]
            found += [(np.flatnonzero(d == k), np.flatnonzero(ok & (d < k))) for k in rings[:RINGS]]
            for sep, side in found:
                key = (v, *sep.tolist(), -1, len(side))
                if yv[sep].sum() + rv[side].sum() < need and key not in seen:
                    seen.add(key)
                    out.append((v, sep, side))
        return out

    def _min_cut(self, cap: csr_matrix, v: int, need: float) -> list[tuple[NDArray, NDArray]]:
        """The minimum ``(S, C)`` from a maximum flow out of ``v``, if it weighs below ``need``."""
        res = maximum_flow(cap, 2 * v + 1, self.sink)
        if res.flow_value >= need:
            return []
        resid = (cap - res.flow).tocsr()
        resid.data[resid.data < 0] = 0
        resid.eliminate_zeros()
        reached = np.zeros(2 * self.n + 1, dtype=bool)
        reached[breadth_first_order(resid, 2 * v + 1, directed=True, return_predecessors=False)] = True
        sep = np.flatnonzero(reached[0 : 2 * self.n : 2] & ~reached[1 : 2 * self.n : 2])
        side = self._side(v, sep)
        touch = np.zeros(self.n, dtype=bool)  # units next to C: the others separate nothing
        touch[self.src[side[self.dst]]] = True
        return [(sep[touch[sep]], np.flatnonzero(side))]

    def _side(self, start: int, blocked: NDArray[np.int64]) -> NDArray[np.bool_]:
        """The units reached from ``start`` without crossing ``blocked``."""
        seen = np.zeros(self.n, dtype=bool)
        seen[blocked] = True
        seen[start] = True
        stack = [start]
        adj = self.adj
        while stack:
            for v in adj[stack.pop()]:
                if not seen[v]:
                    seen[v] = True
                    stack.append(v)
        seen[blocked] = False
        return seen
