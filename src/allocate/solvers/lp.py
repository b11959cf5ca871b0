"""LP relaxation of the assignment problem (OR-Tools GLOP): a lower bound and a fractional guide.

Same model as :mod:`allocate.solvers.problem` with ``0 <= x <= 1``; its optimum is a lower
bound on the integer optimum. The matrix is built in one go from numpy arrays
(``ModelBuilderHelper.fill_model_from_sparse_data``), so a 20k × 100 model with 160k candidate
entries is built in well under a second.

Each capacity row also gets an *overflow* column priced at ``OVERFLOW_PRICE`` times the largest
cost. With it the LP is always feasible. A positive overflow at the optimum is only a hint (the
price is finite), so it is checked by a second LP that minimizes the overflow alone: a positive
minimum, at that LP's proven optimum, proves that the capacities cannot carry the items and
tells which sellers' areas are short and by how many hours. An LP stopped by its budget proves
nothing either way: the caller then falls back to a Lagrangian bound
(:mod:`allocate.solvers.lagrange`) and the heuristics.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.linear_solver.python import model_builder_helper as mbh
from scipy.sparse import coo_matrix, csr_matrix

from allocate.solvers.budget import Clock, glop_det, pdlp_iterations
from allocate.solvers.lagrange import lagrangian_bound
from allocate.solvers.problem import AssignmentProblem

log = logging.getLogger(__name__)

OVERFLOW_PRICE = 1e3
#: Above this many candidate entries the LP goes to PDLP (first-order, scales linearly) rather
#: than GLOP (simplex); PDLP's bound is then certified by a Lagrangian dual (see below). GLOP
#: solves the full LP (soft bands included) of the geography model of a generated 20k x 100
#: instance (59,714 entries) in 0.8 s (fr-national: 58,710, 2.6 s under load), to an
#: optimum with 103 of 2,712 items fractional, whose rounding and shift search end 2.7 %
#: above it (3,119.4 against 3,037.5); from the Lagrangian guide of PDLP's path, 4.6 % (3,175.8).
GLOP_MAX_ENTRIES = 64_000
#: PDLP spends seconds before its first iterations on large models (about 10 s on the 321k
#: entries of fr-national under load): with a smaller budget it is skipped and the caller's
#: Lagrangian bound (a count of dual-ascent iterations) stands in.
PDLP_MIN_S = 10.0
#: Below this many seconds left on the safety net the LP is not started (nothing it could
#: return that close to the deadline would be a proof or a finished bound).
MIN_WALL_S = 0.2


@dataclass(frozen=True)
class LpResult:
    """Outcome of the LP relaxation.

    Attributes
    ----------
    feasible
        False when the LP is infeasible or needed overflow: the capacities cannot carry the items.
    optimal
        Whether the LP finished (``bound`` is then a valid lower bound).
    bound
        Lower bound on the objective (``inf`` when infeasible, ``-inf`` when unfinished).
    x
        LP value of each candidate entry: the fractional guide.
    overflow
        Per seller, hours the capacities lack (0 when feasible).
    wall_s
        Seconds spent.
    """
    feasible: bool
    optimal: bool
    bound: float
    x: NDArray[np.float64]  # one value per candidate entry
    overflow: NDArray[np.float64]  # per seller, hours the capacities lack (0 when feasible)
    wall_s: float


class _Builder:
    """Collects columns and rows as COO triplets."""

    def __init__(self) -> None:
        self.lb: list[NDArray] = []
        self.ub: list[NDArray] = []
        self.obj: list[NDArray] = []
        self.n_cols = 0
        self.rows: list[NDArray] = []
        self.cols: list[NDArray] = []
        self.vals: list[NDArray] = []
        self.rlo: list[NDArray] = []
        self.rhi: list[NDArray] = []
        self.n_rows = 0

    def columns(self, lb, ub, obj) -> NDArray[np.int64]:
        n = len(obj)
        self.lb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n,)))
        self.ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n,)))
        self.obj.append(np.asarray(obj, dtype=float))
        idx = np.arange(self.n_cols, self.n_cols + n)
        self.n_cols += n
        return idx

    def rows_(self, lo, hi) -> NDArray[np.int64]:
        lo = np.atleast_1d(np.asarray(lo, dtype=float))
        hi = np.broadcast_to(np.asarray(hi, dtype=float), lo.shape)
        self.rlo.append(lo)
        self.rhi.append(hi)
        idx = np.arange(self.n_rows, self.n_rows + len(lo))
        self.n_rows += len(lo)
        return idx

    def terms(self, rows, cols, vals) -> None:
        self.rows.append(np.asarray(rows, dtype=np.int64))
        self.cols.append(np.asarray(cols, dtype=np.int64))
        self.vals.append(np.asarray(vals, dtype=float))

    def arrays(self) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray, csr_matrix]:
        """Column bounds, objective, row bounds and the matrix (CSR, rows by columns)."""
        mat = coo_matrix(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(self.n_rows, self.n_cols),
        ).tocsr()
        return (
            np.concatenate(self.lb), np.concatenate(self.ub), np.concatenate(self.obj),
            np.concatenate(self.rlo), np.concatenate(self.rhi), mat,
        )

    def model(self) -> mbh.ModelBuilderHelper:
        h = mbh.ModelBuilderHelper()
        h.fill_model_from_sparse_data(*self.arrays())  # type: ignore[arg-type]  # numpy/ortools stubs
        return h


def pdlp_skipped(nnz: int, seconds: float) -> bool:
    """Whether :func:`lp_relaxation` skips the LP: a model above :data:`GLOP_MAX_ENTRIES`
    entries (PDLP's) given less than :data:`PDLP_MIN_S` seconds."""
    return nnz > GLOP_MAX_ENTRIES and seconds < PDLP_MIN_S


def lp_relaxation(
    problem: AssignmentProblem, seconds: float = 60.0, clock: Clock | None = None
) -> LpResult:
    """Solve the LP relaxation with GLOP (dual simplex).

    Models above :data:`GLOP_MAX_ENTRIES` candidate entries go to PDLP with a reduced model
    (assignment, capacity, account limits) and a Lagrangian-certified bound.

    The solver stops on a deterministic budget sized from ``seconds`` (GLOP's deterministic
    time, PDLP's iteration count: see :mod:`allocate.solvers.budget`), so the same problem
    gives the same LP whatever the load; ``clock``'s deadline is only a safety net.

    Parameters
    ----------
    problem
        The assignment problem.
    seconds
        Seconds the budget is sized from.
    clock
        The solve's wall-clock safety net (default: ``4 * seconds + 1`` from now).

    Returns
    -------
    LpResult
        Bound, fractional guide and per-seller overflow. ``feasible`` is False only on a
        proof: GLOP/PDLP proved the LP infeasible, or the LP finished with overflow and a
        second LP that minimizes the overflow alone finished with a positive minimum.
    """
    p = problem
    t0 = time.perf_counter()
    clock = clock or Clock.after(4 * seconds + 1)
    if pdlp_skipped(p.nnz, seconds):
        log.info("LP budget %.1fs below %.0fs on %d entries: PDLP skipped", seconds, PDLP_MIN_S, p.nnz)
        return LpResult(True, False, float("-inf"), np.zeros(p.nnz), np.zeros(p.n_sellers), 0.0)
    relax = relaxation(p)
    model = relax.builder.model()
    run = _LpRun(p, relax.x, relax.over, relax.cap_rows, seconds, clock, t0, relax.use_pdlp)
    out = run.solve(model)
    if out.feasible or not out.optimal:
        return out
    # Overflow at the optimum is a hint, not a proof (the overflow price is finite):
    # minimize the overflow alone; a positive minimum proves that the capacities fall short.
    model.clear_objective()
    model.set_objective_coefficients(list(map(int, relax.over)), [1.0] * len(relax.over))
    phase1 = run.solve(model, phase1=True)
    if phase1.optimal and not phase1.feasible:
        return LpResult(False, True, float("inf"), out.x, phase1.overflow, phase1.wall_s)
    log.warning("LP overflow not confirmed by the overflow-only LP: no proof of infeasibility")
    return LpResult(True, False, float("-inf"), np.zeros(p.nnz), np.zeros(p.n_sellers), phase1.wall_s)


@dataclass(frozen=True, eq=False)
class Relaxation:
    """The LP relaxation's columns and rows, before the solver sees them.

    Attributes
    ----------
    builder
        The COO triplets: further columns and rows may be added before
        :meth:`_Builder.model` (e.g. the contiguity cuts of
        :mod:`allocate.solvers.contiguity.cuts`).
    x
        Column of each candidate entry.
    over
        Overflow column of each seller's capacity row.
    cap_rows
        Capacity row of each seller.
    use_pdlp
        Whether the model is sized for PDLP (reduced rows, no overflow).
    """

    builder: _Builder
    x: NDArray[np.int64]
    over: NDArray[np.int64]
    cap_rows: NDArray[np.int64]
    use_pdlp: bool


def relaxation(problem: AssignmentProblem) -> Relaxation:
    """Columns and rows of the LP relaxation of ``problem`` (see :func:`lp_relaxation`).

    Parameters
    ----------
    problem
        The assignment problem.

    Returns
    -------
    Relaxation
        The model's triplets and the indices of its main columns and rows.
    """
    p = problem
    b = _Builder()
    item_of = p.item_of
    locked = p.fixed[item_of] >= 0
    ub = np.where(locked & (p.seller != p.fixed[item_of]), 0.0, 1.0)
    moved = p.entry_moves
    coef = p.cost_weight * p.cost + p.move_weight * moved
    x = b.columns(0.0, ub, coef)
    big = OVERFLOW_PRICE * max(1.0, float(np.abs(coef).max(initial=1.0)))
    # PDLP handles a big-M column badly: large models get no overflow columns (ub 0)
    over_ub = 0.0 if p.nnz > GLOP_MAX_ENTRIES else np.inf
    over = b.columns(0.0, over_ub, np.full(p.n_sellers, big))
    inf = np.inf
    # every item once
    r = b.rows_(np.ones(p.n_items), 1.0)
    b.terms(r[item_of], x, np.ones(p.nnz))
    # capacity, with overflow
    r = b.rows_(np.full(p.n_sellers, -inf), p.capacity)
    cap_rows = r
    b.terms(r[p.seller], x, p.load)
    b.terms(r, over, -np.ones(p.n_sellers))
    # max accounts
    lim = np.flatnonzero(p.max_items >= 0)
    if len(lim):
        r = b.rows_(np.full(len(lim), -inf), p.max_items[lim].astype(float))
        pos = np.full(p.n_sellers, -1)
        pos[lim] = r
        e = np.flatnonzero(pos[p.seller] >= 0)
        b.terms(pos[p.seller[e]], x[e], p.count[item_of[e]].astype(float))
    use_pdlp = p.nnz > GLOP_MAX_ENTRIES
    # First-order methods are sensitive to badly scaled rows: PDLP gets the core LP
    # (assignment + capacity + max accounts, moves priced in the cost). Dropping the balance
    # slacks (>= 0) and the move cap keeps it a valid relaxation of the full model.
    if not use_pdlp:
        if p.max_moves is not None:
            r = b.rows_([-inf], float(p.max_moves))
            e = np.flatnonzero(moved)
            b.terms(np.full(len(e), r[0]), x[e], moved[e].astype(float))
        _balance(b, p, x, item_of)
    return Relaxation(b, x, over, cap_rows, use_pdlp)


@dataclass(frozen=True)
class _LpRun:
    """One LP solve of the relaxation (GLOP or PDLP) on a deterministic budget."""

    p: AssignmentProblem
    x: NDArray[np.int64]
    over: NDArray[np.int64]
    cap_rows: NDArray[np.int64]
    seconds: float
    clock: Clock
    t0: float
    use_pdlp: bool

    def solve(self, model: mbh.ModelBuilderHelper, phase1: bool = False) -> LpResult:
        p, x, over = self.p, self.x, self.over
        solver = mbh.ModelSolverHelper("pdlp" if self.use_pdlp else "glop")
        if self.use_pdlp:
            iters = pdlp_iterations(self.seconds, p.nnz)
            solver.set_solver_specific_parameters(
                "num_threads: 1 termination_criteria { "
                f"iteration_limit: {iters} simple_optimality_criteria "
                "{ eps_optimal_relative: 1e-6 eps_optimal_absolute: 1e-6 } }"
            )
        else:
            # the dual simplex is 5-10x faster than the primal one on these models
            solver.set_solver_specific_parameters(
                f"use_dual_simplex: true max_deterministic_time: {glop_det(self.seconds)}"
            )
        wall_limit = self.clock.left()
        nothing = (np.zeros(p.nnz), np.zeros(p.n_sellers))
        if wall_limit < MIN_WALL_S:
            self.clock.fired("LP relaxation")
            return LpResult(True, False, float("-inf"), *nothing, time.perf_counter() - self.t0)
        solver.set_time_limit_in_seconds(wall_limit)
        started = time.perf_counter()
        solver.solve(model)
        spent = time.perf_counter() - started
        wall = time.perf_counter() - self.t0
        status = solver.status()
        if spent >= 0.9 * wall_limit and status != mbh.SolveStatus.OPTIMAL:
            # the wall clock may have interrupted the solver: whatever it says, no proof (a
            # status reached near the limit under load has been seen to claim infeasibility).
            # An optimum is kept: an interrupted solver does not report one, and dropping it
            # would make a loaded run differ from a quiet one that says it is the same.
            self.clock.fired("LP relaxation")
            log.warning("LP relaxation reached the wall clock (status %s): no proof", status)
            return LpResult(True, False, float("-inf"), *nothing, wall)
        if status == mbh.SolveStatus.INFEASIBLE:  # a proof from the solver
            return LpResult(False, True, float("inf"), *nothing, wall)
        if status not in (mbh.SolveStatus.OPTIMAL, mbh.SolveStatus.FEASIBLE) or not solver.has_solution():
            log.warning("LP relaxation stopped with status %s after %.1fs", status, wall)
            return LpResult(True, False, float("-inf"), *nothing, wall)
        vals = np.asarray(solver.variable_values())
        overflow = vals[over]
        short = overflow.sum() > 1e-4 * max(1.0, float(p.capacity.sum())) * (1e-2 if not self.use_pdlp else 1.0)
        # stopped by its budget: no proof either way; PDLP's point still certifies a
        # Lagrangian bound (valid for any multipliers >= 0), GLOP's is not used
        if status != mbh.SolveStatus.OPTIMAL and (not self.use_pdlp or phase1 or short):
            return LpResult(True, False, float("-inf"), *nothing, wall)
        if short:
            return LpResult(False, True, float("inf"), vals[x], overflow, wall)
        if phase1:
            return LpResult(True, True, 0.0, vals[x], overflow, wall)
        if self.use_pdlp or status != mbh.SolveStatus.OPTIMAL:
            # A first-order solution is only approximately optimal: certify the bound with the
            # Lagrangian dual at PDLP's capacity multipliers (valid for any multipliers >= 0).
            duals = np.asarray(solver.dual_values())[self.cap_rows]
            bound = lagrangian_bound(p, np.maximum(0.0, -duals))
            return LpResult(True, True, bound, np.clip(vals[x], 0, 1), overflow, wall)
        return LpResult(True, True, float(solver.objective_value()), vals[x], overflow, wall)


def _balance(b: _Builder, p: AssignmentProblem, x: NDArray[np.int64], item_of: NDArray[np.int64]) -> None:
    """Balance bands with per-seller totals q_s and group totals T, so rows stay sparse."""
    for bal in p.balances:
        if bal.measure == "load":
            w = p.load
        elif bal.measure == "potential":
            w = p.potential[item_of]
        else:
            w = p.count[item_of].astype(float)
        for g in p.balance_groups:
            if len(g) < 2:
                continue
            k = len(g)
            q = b.columns(0.0, np.inf, np.zeros(k))
            total = b.columns(0.0, np.inf, np.zeros(1))[0]
            pos = np.full(p.n_sellers, -1)
            rq = b.rows_(np.zeros(k), 0.0)  # Σ w x - q_s = 0
            pos[g] = rq
            e = np.flatnonzero(pos[p.seller] >= 0)
            b.terms(pos[p.seller[e]], x[e], w[e])
            b.terms(rq, q, -np.ones(k))
            rt = b.rows_([0.0], 0.0)  # Σ q - T = 0
            b.terms(np.full(k, rt[0]), q, np.ones(k))
            b.terms(rt, [total], [-1.0])
            share = p.capacity[g] / p.capacity[g].sum()
            for sign, factor in ((1.0, 1 + bal.tolerance), (-1.0, 1 - bal.tolerance)):
                rows = b.rows_(np.full(k, -np.inf), 0.0)  # sign*(q_s - factor κ_s T) - slack <= 0
                b.terms(rows, q, np.full(k, sign))
                b.terms(rows, np.full(k, total), -sign * factor * share)
                if not bal.hard:
                    slack = b.columns(0.0, np.inf, np.full(k, bal.weight))
                    b.terms(rows, slack, -np.ones(k))
