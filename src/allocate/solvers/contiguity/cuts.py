"""A lower bound that sees contiguity: the LP relaxation plus connectivity cuts.

The LP relaxation of :mod:`allocate.solvers.lp` bounds the model *without* contiguity. This
module strengthens it with cuts that every contiguous alignment meets, separated round by
round from the LP's fractional point, so its optimum stays a valid lower bound of the
contiguous model (the model of :mod:`allocate.solvers.contiguity.flow`).

Model: the rows and columns of :func:`allocate.solvers.lp.relaxation` (same objective, same
assignment, capacity, account-limit, move-cap and balance rows), plus the unit ownership of
each seller::

    y_us = x_bs                                       unit u holds one bundle b
    y_us >= x_bs (b in u),  y_us <= Σ_{b in u} x_bs    otherwise

and, for a seller *s*, two units ``u``, ``v`` of the same component of the unit graph ``G``
and any set ``S`` of units that separates ``u`` from ``v`` in ``G`` (a vertex separator)::

    y_us + y_vs - 1 <= Σ_{w in S} y_ws

Why it is valid: a contiguous territory is connected within each component of ``G`` (roots
are free: flow.py's docstring); if *s* owns both ``u`` and ``v`` its path between them
crosses ``S``, so the right side is at least 1; otherwise the left side is at most 0.
Multi-site groups and locked accounts are bundles outside ``G``: no ``y`` for them.

Separation: for each seller, units whose ``y`` is positive form pieces of ``G``; pairs are
taken between the best unit of the seller's heaviest piece and the best unit of every other
piece of the same component, and between that unit and the units of its own piece that
would violate the cut if nothing separated them. For each pair a minimum vertex cut with
capacities ``y_ws`` (a max-flow on the node-split graph, :func:`scipy.sparse.csgraph.maximum_flow`)
gives the most violated separator; it is made minimal (only units that touch both sides)
before it becomes a row. GLOP re-solves the grown LP, for a number of rounds.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.linear_solver import pywraplp
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

#: Capacities of the max-flow are 32-bit integers: ``y`` times this scale (less on graphs so
#: large that the sum of the capacities would overflow).
FLOW_SCALE = 1_000_000
#: A cut is added when the LP point violates it by more than this.
MIN_VIOLATION = 1e-3
#: ``y`` below this counts as zero when the pieces of a territory are drawn.
SUPPORT = 1e-6
#: Max-flows per seller and round (the pairs inside a piece, most promising first).
PAIRS_PER_SELLER = 10


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
    lp = _WarmLp(relax.builder, seconds)
    sep = _Separator(graph, y)
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
        values = lp.solve(clock)
        t_lp = time.perf_counter() - t_lp
        if values is None:
            break
        value, sol = values
        guide = np.clip(sol[relax.x], 0.0, 1.0)
        done += 1
        bound = value
        if lp_bound == float("-inf"):
            lp_bound = value
        history.append((time.perf_counter() - t0, value))
        t_sep = time.perf_counter()
        cuts = sep.separate(sol)
        log.info(
            "contiguity cuts: round %d, bound %.4f, %d cuts (LP %.2fs, separation %.2fs)",
            done, value, n_cuts, t_lp, time.perf_counter() - t_sep,
        )
        if not cuts:
            break
        for u, v, s, sepset in cuts:
            lp.add_cut([y[(u, s)], y[(v, s)]], [y[(w, s)] for w in sepset if (w, s) in y])
        n_cuts += len(cuts)
    return CutBound(bound, lp_bound, done, n_cuts, tuple(history), guide, time.perf_counter() - t0)


class _WarmLp:
    """The relaxation in GLOP through ``pywraplp``, which keeps its basis when rows are added:
    each round's re-solve starts from the last optimum (dual simplex)."""

    def __init__(self, builder: _Builder, seconds: float) -> None:
        lb, ub, obj, rlo, rhi, mat = builder.arrays()
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        inf = self.solver.infinity()
        self.vars = [
            self.solver.NumVar(lo, hi if np.isfinite(hi) else inf, "")
            for lo, hi in zip(lb.tolist(), ub.tolist(), strict=True)
        ]
        objective = self.solver.Objective()
        for k in np.flatnonzero(obj).tolist():
            objective.SetCoefficient(self.vars[k], float(obj[k]))
        objective.SetMinimization()
        for r in range(mat.shape[0]):
            lo, hi = float(rlo[r]), float(rhi[r])
            ct = self.solver.Constraint(lo if np.isfinite(lo) else -inf, hi if np.isfinite(hi) else inf)
            span = slice(mat.indptr[r], mat.indptr[r + 1])
            for k, v in zip(mat.indices[span].tolist(), mat.data[span].tolist(), strict=True):
                ct.SetCoefficient(self.vars[k], v)
        self.solver.SetSolverSpecificParametersAsString(
            f"use_dual_simplex: true max_deterministic_time: {glop_det(seconds)}"
        )

    def add_cut(self, plus: list[int], minus: list[int]) -> None:
        """The row ``Σ_plus - Σ_minus <= 1``."""
        ct = self.solver.Constraint(-self.solver.infinity(), 1.0)
        for c in plus:
            ct.SetCoefficient(self.vars[c], 1.0)
        for c in minus:
            ct.SetCoefficient(self.vars[c], -1.0)

    def solve(self, clock: Clock) -> tuple[float, NDArray[np.float64]] | None:
        """GLOP's optimum and point, or None when it did not prove one."""
        self.solver.SetTimeLimit(int(1000 * max(0.05, clock.left())))
        status = self.solver.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            log.info("contiguity cuts: LP status %s", status)
            return None
        values = np.fromiter((v.solution_value() for v in self.vars), dtype=float, count=len(self.vars))
        return float(self.solver.Objective().Value()), values


def _ownership(
    p: AssignmentProblem, graph: UnitGraph, x: NDArray[np.int64], b
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
        for e in es:  # y >= x_bs
            r = b.rows_([-np.inf], 0.0)[0]
            b.terms([r, r], [int(x[e]), col], [1.0, -1.0])
        r = b.rows_([-np.inf], 0.0)[0]  # y <= Σ x_bs
        b.terms(np.full(len(es) + 1, r), [col] + [int(x[e]) for e in es], [1.0] + [-1.0] * len(es))
    return y


class _Separator:
    """Finds violated connectivity cuts at an LP point (see the module docstring).

    Units are numbered by their position in ``graph.units``; ``A`` is the adjacency matrix.
    """

    def __init__(self, graph: UnitGraph, y: dict[tuple[int, int], int]) -> None:
        self.units = np.asarray(graph.units, dtype=np.int64)
        pos = {int(u): i for i, u in enumerate(graph.units)}
        n = len(graph.units)
        self.n = n
        self.cols: dict[int, NDArray[np.int64]] = {}  # per seller, y column of each unit (-1 none)
        for (u, s), c in y.items():
            if s not in self.cols:
                self.cols[s] = np.full(n, -1, dtype=np.int64)
            self.cols[s][pos[u]] = c
        src = np.asarray([pos[u] for u in graph.units for _ in graph.adj[u]], dtype=np.int64)
        dst = np.asarray([pos[v] for u in graph.units for v in graph.adj[u]], dtype=np.int64)
        self.A = csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
        self.src, self.dst = src, dst
        self.adj = [[pos[v] for v in graph.adj[u]] for u in graph.units]
        self.comp = np.asarray([graph.comp_of[u] for u in graph.units], dtype=np.int64)
        # node-split graph: in_w = 2w -> out_w = 2w + 1 (capacity y_w), out_a -> in_b along
        # G's edges (no limit), and every reverse arc at 0 so that the residual graph has it
        rows = np.concatenate([2 * np.arange(n), 2 * src + 1])
        cols = np.concatenate([2 * np.arange(n) + 1, 2 * dst])
        self.split_rows = np.concatenate([rows, cols])
        self.split_cols = np.concatenate([cols, rows])
        self.n_arcs = len(rows)

    def separate(self, sol: NDArray[np.float64]) -> list[tuple[int, int, int, list[int]]]:
        """Violated cuts ``(u, v, s, S)`` at the point ``sol`` (values of every column)."""
        out = []
        for s, cols in sorted(self.cols.items()):
            yv = np.clip(np.where(cols >= 0, sol[np.maximum(cols, 0)], 0.0), 0.0, 1.0)
            for a, c, sep in self._seller(yv):
                out.append((int(self.units[a]), int(self.units[c]), s, self.units[sep].tolist()))
        return out

    def _pairs(self, yv: NDArray[np.float64]) -> list[tuple[int, int]]:
        """Pairs worth a max-flow: the best unit of the heaviest piece of the territory in
        each graph component with the best unit of every other piece there, and with the
        units of its own piece that are not its neighbours, most promising first."""
        held = np.flatnonzero(yv > SUPPORT)
        if len(held) < 2:
            return []
        _, lab = connected_components(self.A[held][:, held], directed=False)
        mass = np.bincount(lab, weights=yv[held])
        pairs: list[tuple[int, int]] = []
        for comp in np.unique(self.comp[held]):
            in_comp = self.comp[held] == comp
            pieces = np.unique(lab[in_comp])
            heavy = pieces[np.argmax(mass[pieces])]
            best = {}
            for piece in pieces:
                members = held[lab == piece]
                best[piece] = int(members[np.argmax(yv[members])])
            a = best[heavy]
            pairs.extend((a, best[pc]) for pc in pieces if pc != heavy and yv[a] + yv[best[pc]] > 1 + MIN_VIOLATION)
            near = set(self.A.indices[self.A.indptr[a]:self.A.indptr[a + 1]].tolist()) | {a}
            inside = held[(lab == heavy) & (yv[held] > 1 - yv[a] + MIN_VIOLATION)]
            inside = [int(w) for w in inside[np.argsort(-yv[inside], kind="stable")] if w not in near]
            pairs.extend((a, c) for c in inside[:PAIRS_PER_SELLER])
        return pairs

    def _seller(self, yv: NDArray[np.float64]) -> list[tuple[int, int, NDArray[np.int64]]]:
        pairs = self._pairs(yv)
        if not pairs:
            return []
        scale = min(FLOW_SCALE, (2**31 - 1) // (self.n + 2))
        big = scale * (self.n + 1)  # more than any cut of node capacities
        caps = np.concatenate([np.round(yv * scale), np.full(self.n_arcs - self.n, big)]).astype(np.int32)
        caps = np.concatenate([caps, np.zeros(self.n_arcs, dtype=np.int32)])
        cap = csr_matrix((caps, (self.split_rows, self.split_cols)), shape=(2 * self.n, 2 * self.n))
        cap.sum_duplicates()
        out = []
        seen: set[tuple[int, ...]] = set()
        for a, c in pairs:
            need = yv[a] + yv[c] - 1 - MIN_VIOLATION  # the separators must weigh less
            res = maximum_flow(cap, 2 * a + 1, 2 * c)
            if res.flow_value >= need * scale:
                continue
            found = [self._cut(cap, res.flow, a, c)]
            # every ring of units at one distance from c also separates it from a: the LP
            # would otherwise satisfy one separator per round with a unit that joins nothing
            dist = shortest_path(self.A, unweighted=True, indices=c)
            if np.isfinite(dist[a]):
                d = np.where(np.isfinite(dist), dist, -1).astype(np.int64)
                weight = np.bincount(d[d >= 0], weights=yv[d >= 0])
                found.extend(np.flatnonzero(d == k) for k in range(1, int(d[a])) if weight[k] < need)
            for sep in found:
                if sep is None or yv[sep].sum() >= need:
                    continue
                key = (a, c, *sep.tolist())
                if key not in seen:
                    seen.add(key)
                    out.append((a, c, sep))
        return out

    def _cut(self, cap: csr_matrix, flow: csr_matrix, a: int, c: int) -> NDArray[np.int64] | None:
        """The separator of ``a`` and ``c`` read off a maximum flow, made minimal."""
        resid = (cap - flow).tocsr()
        resid.data[resid.data < 0] = 0
        resid.eliminate_zeros()
        reached = np.zeros(2 * self.n, dtype=bool)
        reached[breadth_first_order(resid, 2 * a + 1, directed=True, return_predecessors=False)] = True
        sep = np.flatnonzero(reached[0::2] & ~reached[1::2])
        if a in sep or c in sep:
            return None
        # keep only the units that touch c's side: they still cut c off from a
        side = self._side(c, sep)
        touch = np.zeros(self.n, dtype=bool)
        touch[self.src[side[self.dst]]] = True
        return sep[touch[sep]]

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
