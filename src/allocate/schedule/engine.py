"""A generic CP-SAT scheduling engine: plain data in, :class:`ScheduleResult` out.

The engine knows nothing about sellers or accounts. It schedules *tasks* on *renewable
resources* under finish-to-start precedences with minimum and maximum lags, release dates,
deadlines, calendars (allowed windows or forbidden intervals per task, downtimes per resource)
and optional tasks that may be left out, alone or as all-or-nothing *chains*.

**Time unit.** Every time in this module (durations, releases, due dates, lags, windows,
downtimes, the horizon, the resulting starts) is a non-negative integer in a unit chosen by the
caller: minutes for a day-level action plan, days for a coarse plan, abstract periods for the
PSPLIB benchmark. The engine never converts units; scale once, upstream, and keep the scale
factor named there. Weights and values are integers as well (CP-SAT needs integer coefficients).

Two objectives are available:

``"makespan"``
    minimise the end of the last task (every task must be mandatory), as in the RCPSP;
``"value"``
    maximise the value of the tasks kept, minus a penalty per time unit of delay after each
    task's release and a penalty per time unit of lateness after its due date.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
from ortools.sat.python import cp_model
from ortools.util.python import sorted_interval_list

from allocate.core.status import SolveStatus
from allocate.solvers.cpsat.setup import new_solver

logger = logging.getLogger(__name__)

Objective = Literal["makespan", "value"]
Window = tuple[int, int]


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One task (an operation) to schedule; all times in the caller's integer unit.

    Parameters
    ----------
    duration
        Processing time, ``>= 0``. A started task is never interrupted.
    demands
        Units of each renewable resource used while the task runs, by resource index. A shorter
        tuple than the problem's resources means zero for the missing ones.
    optional
        Whether the task may be left out. Mandatory tasks must all be scheduled.
    value
        Reward for scheduling an optional (or mandatory) task, used by the ``"value"`` objective.
    release
        Earliest start.
    deadline
        Latest end (hard), or ``None`` for the problem horizon.
    due
        Due date (soft): each time unit of end after ``due`` costs ``lateness_weight``.
    lateness_weight
        Penalty per time unit of lateness (``"value"`` objective).
    start_weight
        Penalty per time unit of start after ``release`` (``"value"`` objective): earlier is
        better.
    windows
        Allowed windows ``(a, b)``: if not empty, the task must lie entirely inside one of them,
        ``a <= start`` and ``start + duration <= b`` (e.g. the working hours of each day).
    forbidden
        Forbidden intervals ``(a, b)``: the task may not overlap ``[a, b)`` (e.g. days off).
        A zero-duration task may not start inside ``[a, b)``.
    name
        Free label, for logs and reports.
    """

    duration: int
    demands: tuple[int, ...] = ()
    optional: bool = False
    value: int = 0
    release: int = 0
    deadline: int | None = None
    due: int | None = None
    lateness_weight: int = 0
    start_weight: int = 0
    windows: tuple[Window, ...] = ()
    forbidden: tuple[Window, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        if self.duration < 0:
            raise ValueError(f"task {self.name!r}: duration {self.duration} < 0")
        if any(d < 0 for d in self.demands):
            raise ValueError(f"task {self.name!r}: negative demand in {self.demands}")
        if self.release < 0:
            raise ValueError(f"task {self.name!r}: release {self.release} < 0")
        if self.deadline is not None and self.deadline < self.release + self.duration:
            raise ValueError(
                f"task {self.name!r}: deadline {self.deadline} < release + duration "
                f"{self.release + self.duration}"
            )
        if self.lateness_weight < 0 or self.start_weight < 0:
            raise ValueError(f"task {self.name!r}: weights must be >= 0")
        for a, b in (*self.windows, *self.forbidden):
            if a > b:
                raise ValueError(f"task {self.name!r}: window ({a}, {b}) has a > b")


@dataclass(frozen=True)
class Precedence:
    """Finish-to-start precedence ``end[pred] + min_lag <= start[succ] <= end[pred] + max_lag``.

    A precedence also means that the successor needs its predecessor: if ``succ`` is scheduled
    then ``pred`` is scheduled too. Between two scheduled tasks the lags are hard. ``max_lag``
    ``None`` means no upper limit. Lags are in the caller's time unit and may be negative
    (overlap allowed).
    """

    pred: int
    succ: int
    min_lag: int = 0
    max_lag: int | None = None

    def __post_init__(self) -> None:
        if self.pred == self.succ:
            raise ValueError(f"precedence {self.pred} -> {self.succ} is a self-loop")
        if self.max_lag is not None and self.max_lag < self.min_lag:
            raise ValueError(
                f"precedence {self.pred} -> {self.succ}: max_lag {self.max_lag} < "
                f"min_lag {self.min_lag}"
            )


@dataclass(frozen=True)
class Downtime:
    """Capacity removed from a resource over ``[start, end)``; ``amount=None`` removes all."""

    start: int
    end: int
    amount: int | None = None

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"downtime ({self.start}, {self.end}) has start > end")
        if self.amount is not None and self.amount < 0:
            raise ValueError(f"downtime amount {self.amount} < 0")


@dataclass(frozen=True)
class Budget:
    """At most ``amount`` of a resource for the tasks that *start* in ``[start, end)``.

    The demands of those tasks are summed whatever their durations: with days as the time unit
    and minutes as the demand, a budget per week caps the minutes of the week while the
    resource's capacity caps each day.
    """

    start: int
    end: int
    amount: int

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise ValueError(f"budget ({self.start}, {self.end}) is empty")
        if self.amount < 0:
            raise ValueError(f"budget amount {self.amount} < 0")


@dataclass(frozen=True)
class Resource:
    """A renewable resource with a constant ``capacity``, downtimes and budgets.

    A seller with 7 hours a day and days off is a resource of capacity 1 whose nights and days
    off are downtimes (time in minutes), or a resource of capacity 420 per day (time in days)
    whose days off are downtimes, and whose weekly hours are budgets. Budgets may not overlap.
    """

    capacity: int
    downtimes: tuple[Downtime, ...] = ()
    name: str = ""
    budgets: tuple[Budget, ...] = ()

    def __post_init__(self) -> None:
        if self.capacity < 0:
            raise ValueError(f"resource {self.name!r}: capacity {self.capacity} < 0")
        spans = sorted((b.start, b.end) for b in self.budgets)
        for (_, e), (a, _) in zip(spans, spans[1:], strict=False):
            if a < e:
                raise ValueError(f"resource {self.name!r}: budgets overlap at {a}")


@dataclass(frozen=True)
class ScheduleProblem:
    """Tasks, resources, precedences and chains over ``[0, horizon)``.

    Parameters
    ----------
    tasks, resources, precedences
        The data; precedences and chains refer to tasks by index.
    horizon
        Every task ends at or before ``horizon`` (caller's time unit).
    chains
        Groups of optional tasks kept or dropped together: a chain whose lags cannot hold
        is dropped whole, never half-scheduled. A task belongs to at most one chain.
    objective
        ``"makespan"`` or ``"value"`` (see the module docstring).
    """

    tasks: tuple[Task, ...]
    resources: tuple[Resource, ...]
    precedences: tuple[Precedence, ...] = ()
    horizon: int = 0
    chains: tuple[tuple[int, ...], ...] = ()
    objective: Objective = "makespan"

    def __post_init__(self) -> None:
        n, m = len(self.tasks), len(self.resources)
        if self.horizon < 0:
            raise ValueError(f"horizon {self.horizon} < 0")
        if self.objective not in ("makespan", "value"):
            raise ValueError(f"unknown objective {self.objective!r}")
        for i, t in enumerate(self.tasks):
            if len(t.demands) > m:
                raise ValueError(
                    f"task {i} ({t.name!r}) has {len(t.demands)} demands for {m} resources"
                )
            if self.objective == "makespan" and t.optional:
                raise ValueError(
                    f"task {i} ({t.name!r}) is optional; 'makespan' needs mandatory tasks"
                )
        for p in self.precedences:
            if not (0 <= p.pred < n and 0 <= p.succ < n):
                raise ValueError(f"precedence {p.pred} -> {p.succ} refers to an unknown task")
        seen: dict[int, int] = {}
        for c, chain in enumerate(self.chains):
            for i in chain:
                if not 0 <= i < n:
                    raise ValueError(f"chain {c} refers to unknown task {i}")
                if not self.tasks[i].optional:
                    raise ValueError(f"chain {c}: task {i} ({self.tasks[i].name!r}) is mandatory")
                if i in seen:
                    raise ValueError(f"task {i} is in chains {seen[i]} and {c}")
                seen[i] = c
        self.topological_order  # noqa: B018 - raises on a cycle of precedences

    # -- array views, built once -----------------------------------------------------------
    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @cached_property
    def durations(self) -> np.ndarray:
        return _frozen(np.array([t.duration for t in self.tasks], dtype=np.int64))

    @cached_property
    def demands(self) -> np.ndarray:
        """``(n_tasks, n_resources)`` demand matrix."""
        d = np.zeros((len(self.tasks), len(self.resources)), dtype=np.int64)
        for i, t in enumerate(self.tasks):
            d[i, : len(t.demands)] = t.demands
        return _frozen(d)

    @cached_property
    def capacities(self) -> np.ndarray:
        return _frozen(np.array([r.capacity for r in self.resources], dtype=np.int64))

    @cached_property
    def chain_of(self) -> np.ndarray:
        """Chain index of each task, ``-1`` when it is in none."""
        c = np.full(len(self.tasks), -1, dtype=np.int64)
        for k, chain in enumerate(self.chains):
            c[list(chain)] = k
        return _frozen(c)

    @cached_property
    def topological_order(self) -> tuple[int, ...]:
        """Tasks in an order compatible with the precedences (raises on a cycle)."""
        n = len(self.tasks)
        indeg = np.zeros(n, dtype=np.int64)
        succs: list[list[int]] = [[] for _ in range(n)]
        for p in self.precedences:
            succs[p.pred].append(p.succ)
            indeg[p.succ] += 1
        stack = [i for i in range(n) if indeg[i] == 0]
        order: list[int] = []
        while stack:
            i = stack.pop()
            order.append(i)
            for j in succs[i]:
                indeg[j] -= 1
                if indeg[j] == 0:
                    stack.append(j)
        if len(order) < n:
            raise ValueError("the precedences contain a cycle")
        return tuple(order)

    def always_together(self, pred: int, succ: int) -> bool:
        """Whether scheduling ``pred`` forces ``succ`` (so ``succ``'s tail bounds ``pred``)."""
        if not self.tasks[succ].optional:
            return True
        c = self.chain_of
        return bool(c[pred] >= 0 and c[pred] == c[succ])

    @cached_property
    def heads(self) -> np.ndarray:
        """Earliest start of each task from releases and minimum lags (critical path)."""
        head = np.array([t.release for t in self.tasks], dtype=np.int64)
        preds = self._arcs_into
        for j in self.topological_order:
            for p in preds[j]:
                head[j] = max(head[j], head[p.pred] + self.durations[p.pred] + p.min_lag)
        return _frozen(head)

    @cached_property
    def tails(self) -> np.ndarray:
        """Time from each task's start to the end of the forced work after it (critical path)."""
        tail = self.durations.copy()
        succs: list[list[Precedence]] = [[] for _ in self.tasks]
        for p in self.precedences:
            succs[p.pred].append(p)
        for i in reversed(self.topological_order):
            for p in succs[i]:
                if self.always_together(i, p.succ):
                    tail[i] = max(tail[i], self.durations[i] + p.min_lag + tail[p.succ])
        return _frozen(tail)

    @cached_property
    def _arcs_into(self) -> list[list[Precedence]]:
        preds: list[list[Precedence]] = [[] for _ in self.tasks]
        for p in self.precedences:
            preds[p.succ].append(p)
        return preds

    @cached_property
    def reach(self) -> np.ndarray:
        """``reach[i, j]``: task ``j`` is a transitive successor of task ``i``."""
        n = len(self.tasks)
        reach = np.zeros((n, n), dtype=bool)
        succs: list[list[int]] = [[] for _ in range(n)]
        for prec in self.precedences:
            succs[prec.pred].append(prec.succ)
        for i in reversed(self.topological_order):
            for j in succs[i]:
                reach[i, j] = True
                reach[i] |= reach[j]
        return _frozen(reach)

    def energy_delays(self, max_tasks: int = 400) -> list[tuple[int, int, int]]:
        """Minimum delays ``start[j] - start[i]`` implied by the work forced between them.

        For ``j`` a transitive successor of ``i``, every mandatory task ``k`` with
        ``i < k < j`` in the precedence order runs inside ``[end_i, start_j)``, so that
        ``start_j - start_i >= p_i + max_r ceil(sum_k q_kr p_k / Q_r)``. Only delays longer
        than the longest path from ``i`` to ``j`` are returned (others add nothing). Needs
        non-negative minimum lags; skipped above ``max_tasks`` tasks (quadratic memory).
        """
        n = len(self.tasks)
        if n > max_tasks or n < 3 or not self.resources:
            return []
        if any(prec.min_lag < 0 for prec in self.precedences):
            return []
        reach = self.reach
        mandatory = np.array([not t.optional for t in self.tasks], dtype=bool)
        cap = self.capacities.astype(np.float64)
        energy = (self.durations[:, None] * self.demands).astype(np.float64)  # (n, R)
        energy[~mandatory] = 0.0
        usable = cap > 0
        # longest[i, j]: longest path from start_i to start_j through the precedences.
        longest = np.full((n, n), -1, dtype=np.int64)
        succs: list[list[Precedence]] = [[] for _ in range(n)]
        for prec in self.precedences:
            succs[prec.pred].append(prec)
        order = self.topological_order
        for i in order:
            row = longest[i]
            row[i] = 0
            for k in order:
                if row[k] < 0:
                    continue
                for prec in succs[k]:
                    cand = row[k] + self.durations[k] + prec.min_lag
                    if cand > row[prec.succ]:
                        row[prec.succ] = cand
        out: list[tuple[int, int, int]] = []
        for i in range(n):
            js = np.flatnonzero(reach[i])
            if js.size == 0:
                continue
            # between[j, k]: k succeeds i and precedes j.
            between = reach[i][None, :] & reach[:, js].T
            work = between.astype(np.float64) @ energy  # (len(js), R)
            need = np.ceil(work[:, usable] / cap[usable] - 1e-9).max(axis=1) if usable.any() else 0
            delay = self.durations[i] + np.asarray(need, dtype=np.int64)
            for j, dl in zip(js, delay, strict=True):
                if dl > longest[i, j]:
                    out.append((i, int(j), int(dl)))
        return out

    def makespan_lower_bound(self) -> int:
        """Critical path and per-resource energy bound on the makespan of all mandatory tasks."""
        mandatory = np.array([not t.optional for t in self.tasks], dtype=bool)
        if not mandatory.any():
            return 0
        lb = int((self.heads + self.tails)[mandatory].max())
        for r, cap in enumerate(self.capacities):
            energy = int((self.durations * self.demands[:, r])[mandatory].sum())
            if energy > 0 and cap > 0:
                lb = max(lb, math.ceil(energy / cap))
        return lb


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class ScheduleResult:
    """A solved schedule: status, objective, bound and the (read-only) starts.

    ``starts[i]`` is the start of task ``i`` in the caller's time unit, or ``-1`` when the task
    is not scheduled (``present[i]`` is ``False``), or when no solution was found.
    ``chain_present[k]`` says whether chain ``k`` was kept. For ``"makespan"`` ``objective`` is
    the makespan; for ``"value"`` it is the value kept minus the penalties.
    """

    status: SolveStatus
    objective: float | None
    best_bound: float | None
    wall_s: float
    starts: np.ndarray = field(repr=False)
    present: np.ndarray = field(repr=False)
    chain_present: np.ndarray = field(repr=False)
    ends: np.ndarray = field(repr=False)

    @property
    def has_solution(self) -> bool:
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)

    @property
    def gap(self) -> float | None:
        """Relative gap ``|objective - bound| / max(1, |objective|)``; 0 when optimal."""
        if self.objective is None or self.best_bound is None:
            return None
        if self.status is SolveStatus.OPTIMAL:
            return 0.0
        return abs(self.objective - self.best_bound) / max(1.0, abs(self.objective))

    @property
    def makespan(self) -> int | None:
        if not self.has_solution:
            return None
        return int(self.ends[self.present].max()) if self.present.any() else 0

    @property
    def dropped_chains(self) -> tuple[int, ...]:
        """Indices of the chains left out."""
        return tuple(int(k) for k in np.flatnonzero(~self.chain_present))


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------
class SchedulingModel:
    r"""CP-SAT model of a :class:`ScheduleProblem`.

    Notation: tasks :math:`i` with duration :math:`p_i`, demand :math:`q_{ir}` on resource
    :math:`r` of capacity :math:`Q_r`; precedences :math:`(i, j, \ell^-_{ij}, \ell^+_{ij})`.

    Variables: start :math:`S_i` (integer, domain cut by release, deadline, windows and forbidden
    intervals), presence :math:`x_i \in \{0,1\}` (1 for mandatory tasks; one shared literal per
    chain), and the optional interval :math:`[S_i, S_i + p_i)` present iff :math:`x_i`.

    .. math::

        & x_i x_j = 1 \Rightarrow S_i + p_i + \ell^-_{ij} \le S_j \le S_i + p_i + \ell^+_{ij}
            && \text{(precedence and lags)} \\
        & x_j \le x_i && \text{(a successor needs its predecessor)} \\
        & \sum_{i : x_i = 1,\ S_i \le t < S_i + p_i} q_{ir} + u_r(t) \le Q_r \quad \forall r, t
            && \text{(cumulative; } u_r \text{ = downtimes)} \\
        & x_i = x_k \quad \forall i, k \text{ in the same chain}

    Objective ``"makespan"``: :math:`\min C`, :math:`C \ge S_i + p_i`. Objective ``"value"``:

    .. math::

        \max \sum_i v_i x_i - \sum_i w_i x_i (S_i - h_i) - \sum_i c_i \max(0, S_i + p_i - d_i)

    with :math:`h_i` the earliest start (release pushed by the predecessors), :math:`w_i` the
    start weight, :math:`c_i` the lateness weight and :math:`d_i` the due date, the last two terms
    counted only for scheduled tasks.

    Redundant pieces: start domains cut by heads and tails (critical path), a makespan lower
    bound (critical path, energy), an upper bound and a hint from the serial schedule-generation
    scheme (:mod:`allocate.schedule.sgs`), no-overlap constraints on groups of tasks that
    pairwise cannot run together, and minimum delays between a task and its transitive
    successors implied by the energy of the work forced between them
    (:meth:`ScheduleProblem.energy_delays`).
    """

    def __init__(
        self,
        problem: ScheduleProblem,
        hint: np.ndarray | None = None,
        makespan_ub: int | None = None,
    ) -> None:
        self.problem = problem
        self.model = cp_model.CpModel()
        self.infeasible_reasons: list[str] = []
        # (task, first start, last start, literal) of each budget span (-1: outside them all)
        self.budget_lits: list[tuple[int, int, int, cp_model.IntVar]] = []
        self._makespan_ub = (
            problem.horizon if makespan_ub is None else min(makespan_ub, problem.horizon)
        )
        self._build_presence()
        self._build_tasks()
        self._add_precedences()
        self._add_resources()
        self._add_disjunctive_cliques()
        self._add_energy_delays()
        self._set_objective()
        if hint is not None:
            self._add_hint(hint)

    # -- variables ---------------------------------------------------------------------------
    def _build_presence(self) -> None:
        """One literal per chain, so that a chain is kept or dropped whole."""
        p = self.problem
        chain_lits = [self.model.new_bool_var(f"chain{k}") for k in range(len(p.chains))]
        self.chain_lits = chain_lits
        self.presence: list[cp_model.IntVar | int] = []
        for i, t in enumerate(p.tasks):
            k = p.chain_of[i]
            if not t.optional:
                self.presence.append(1)
            elif k >= 0:
                self.presence.append(chain_lits[k])
            else:
                self.presence.append(self.model.new_bool_var(f"x{i}"))

    def start_domain(self, i: int) -> sorted_interval_list.Domain:
        """Starts allowed for task ``i``: release/head, deadline/tail, windows, forbidden."""
        p, t = self.problem, self.problem.tasks[i]
        d = t.duration
        hi = min(p.horizon, t.deadline if t.deadline is not None else p.horizon)
        hi -= d
        if p.objective == "makespan":
            hi = min(hi, self._makespan_ub - int(p.tails[i]))
        else:
            hi = min(hi, p.horizon - int(p.tails[i]))
        dom = sorted_interval_list.Domain(int(p.heads[i]), hi)
        if t.windows:
            allowed = [[a, b - d] for a, b in t.windows if b - a >= d]
            dom = dom.intersection_with(sorted_interval_list.Domain.from_intervals(allowed))
        if t.forbidden:
            # [s, s+d) meets [a, b) iff a - d < s < b; a point task may not start in [a, b).
            banned = [[a - d + 1 if d > 0 else a, b - 1] for a, b in t.forbidden if b > a]
            banned = [iv for iv in banned if iv[0] <= iv[1]]
            if banned:
                dom = dom.intersection_with(
                    sorted_interval_list.Domain.from_intervals(banned).complement()
                )
        return dom

    def _build_tasks(self) -> None:
        """Start variables on their cut domains and one (optional) interval per task."""
        p, m = self.problem, self.model
        self.starts: list[cp_model.IntVar] = []
        self.intervals: list[cp_model.IntervalVar] = []
        for i, t in enumerate(p.tasks):
            dom = self.start_domain(i)
            if dom.is_empty():
                if t.optional:
                    logger.debug("task %d (%s) has no feasible start: left out", i, t.name)
                    m.add(self.presence[i] == 0)
                else:
                    self.infeasible_reasons.append(
                        f"task {i} ({t.name!r}) has no start in its release/deadline/calendar"
                    )
                dom = sorted_interval_list.Domain(0, max(0, p.horizon - t.duration))
            s = m.new_int_var_from_domain(dom, f"S{i}")
            self.starts.append(s)
            if t.optional:
                iv = m.new_optional_fixed_size_interval_var(
                    s, t.duration, self.presence[i], f"I{i}"
                )
            else:
                iv = m.new_fixed_size_interval_var(s, t.duration, f"I{i}")
            self.intervals.append(iv)

    # -- constraints -------------------------------------------------------------------------
    def _add_precedences(self) -> None:
        """Finish-to-start lags between scheduled tasks; a successor needs its predecessor."""
        p, m = self.problem, self.model
        for prec in p.precedences:
            i, j = prec.pred, prec.succ
            xi, xj = self.presence[i], self.presence[j]
            both = list({id(v): v for v in (xi, xj) if not isinstance(v, int)}.values())
            if not isinstance(xi, int) and xi is not xj:
                if isinstance(xj, int):
                    m.add(xi == 1)  # a mandatory successor forces its predecessor
                else:
                    m.add_implication(xj, xi)
            end_i = self.starts[i] + p.durations[i]
            m.add(self.starts[j] >= end_i + prec.min_lag).only_enforce_if(both)
            if prec.max_lag is not None:
                m.add(self.starts[j] <= end_i + prec.max_lag).only_enforce_if(both)

    def _add_resources(self) -> None:
        """Renewable capacity: cumulative (no-overlap when unary), downtimes as fixed intervals."""
        p, m = self.problem, self.model
        for r, res in enumerate(p.resources):
            users = [i for i in range(p.n_tasks) if p.demands[i, r] > 0 and p.durations[i] > 0]
            for i in users:
                if p.demands[i, r] > res.capacity:
                    if p.tasks[i].optional:
                        m.add(self.presence[i] == 0)
                    else:
                        self.infeasible_reasons.append(
                            f"task {i} ({p.tasks[i].name!r}) needs {p.demands[i, r]} of "
                            f"resource {r} ({res.name!r}) whose capacity is {res.capacity}"
                        )
            fixed = [
                (dt.start, dt.end - dt.start, res.capacity if dt.amount is None else dt.amount)
                for dt in res.downtimes
                if dt.end > dt.start
            ]
            if not users:
                continue
            unary = res.capacity == 1
            ivs = [self.intervals[i] for i in users]
            dem = [int(p.demands[i, r]) for i in users]
            for k, (s, d, q) in enumerate(fixed):
                ivs.append(m.new_fixed_size_interval_var(s, d, f"down{r}_{k}"))
                dem.append(min(q, res.capacity))
            if unary:
                m.add_no_overlap(ivs)
            else:
                m.add_cumulative(ivs, dem, res.capacity)
            if res.budgets:
                self._add_budgets(r, res, users)

    def _add_budgets(self, r: int, res: Resource, users: list[int]) -> None:
        """A literal per task and budget its start may fall in; demands summed per budget."""
        p, m = self.problem, self.model
        spans = [(b.start, b.end - 1) for b in res.budgets]
        outside = sorted_interval_list.Domain.from_intervals(spans).complement()
        members: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in res.budgets]
        for i in users:
            dom = self.start_domain(i)
            if dom.is_empty():
                dom = sorted_interval_list.Domain(0, max(0, p.horizon - int(p.durations[i])))
            lits: list[cp_model.IntVar] = []
            for k, (a, b) in enumerate(spans):
                if dom.intersection_with(sorted_interval_list.Domain(a, b)).is_empty():
                    continue
                lit = m.new_bool_var(f"B{r}_{k}_{i}")
                m.add_linear_constraint(self.starts[i], a, b).only_enforce_if(lit)
                members[k].append((i, lit))
                self.budget_lits.append((i, a, b, lit))
                lits.append(lit)
            if not dom.intersection_with(outside).is_empty():
                lit = m.new_bool_var(f"B{r}_out_{i}")
                m.add_linear_expression_in_domain(self.starts[i], outside).only_enforce_if(lit)
                self.budget_lits.append((i, -1, -1, lit))
                lits.append(lit)
            m.add(sum(lits) == self.presence[i])
        for k, budget in enumerate(res.budgets):
            if members[k]:
                m.add(
                    sum(int(p.demands[i, r]) * lit for i, lit in members[k]) <= budget.amount
                )

    def _add_disjunctive_cliques(self) -> None:
        """Tasks that pairwise exceed a capacity cannot overlap: a no-overlap tightens the LP."""
        p = self.problem
        if len(p.resources) < 1 or p.n_tasks < 3:
            return
        dem, cap = p.demands, p.capacities
        # incompatible[i, j]: some resource cannot hold both at once.
        incompatible = ((dem[:, None, :] + dem[None, :, :]) > cap[None, None, :]).any(axis=2)
        active = (p.durations > 0) & (dem > 0).any(axis=1)
        incompatible &= active[:, None] & active[None, :]
        np.fill_diagonal(incompatible, False)
        # A greedy clique from each task, by decreasing duration; keep the distinct ones.
        order = np.argsort(-p.durations * incompatible.sum(axis=1), kind="stable")
        cliques: set[tuple[int, ...]] = set()
        for seed in order[: min(len(order), 10)]:
            if not active[seed]:
                continue
            clique = [int(seed)]
            for j in order:
                if j != seed and all(incompatible[j, k] for k in clique):
                    clique.append(int(j))
            if len(clique) >= 3:
                cliques.add(tuple(sorted(clique)))
        for members in cliques:
            self.model.add_no_overlap([self.intervals[i] for i in members])

    def _add_energy_delays(self) -> None:
        """Work forced between two tasks must fit between them: a redundant minimum delay."""
        p = self.problem
        for i, j, delay in p.energy_delays():
            xi, xj = self.presence[i], self.presence[j]
            lits = [v for v in (xi, xj) if not isinstance(v, int)]
            self.model.add(self.starts[j] >= self.starts[i] + delay).only_enforce_if(lits)

    def _set_objective(self) -> None:
        """Makespan, or value kept minus start-delay and lateness penalties."""
        p, m = self.problem, self.model
        if p.objective == "makespan":
            lb = p.makespan_lower_bound()
            self.makespan = m.new_int_var(lb, max(lb, self._makespan_ub), "makespan")
            has_succ = {prec.pred for prec in p.precedences if prec.min_lag >= 0}
            for i in range(p.n_tasks):
                if i not in has_succ:  # others end before a successor does
                    m.add(self.makespan >= self.starts[i] + p.durations[i])
            m.minimize(self.makespan)
            return
        terms: list[cp_model.LinearExprT] = []
        for i, t in enumerate(p.tasks):
            x = self.presence[i]
            terms.append(t.value * x)
            if t.start_weight > 0:
                delay = m.new_int_var(0, p.horizon, f"delay{i}")
                h = int(p.heads[i])
                lits = [] if isinstance(x, int) else [x]
                m.add(delay == self.starts[i] - h).only_enforce_if(lits)
                if lits:
                    m.add(delay == 0).only_enforce_if(~x)  # type: ignore[operator]
                terms.append(-t.start_weight * delay)
            if t.lateness_weight > 0 and t.due is not None:
                late = m.new_int_var(0, p.horizon, f"late{i}")
                lits = [] if isinstance(x, int) else [x]
                m.add(late >= self.starts[i] + t.duration - t.due).only_enforce_if(lits)
                terms.append(-t.lateness_weight * late)
        m.maximize(sum(terms))

    def _add_hint(self, starts: np.ndarray) -> None:
        """Warm start from a heuristic schedule (``-1`` = leave the task out)."""
        hinted: set[int] = set()  # tasks of a chain share one literal, hint it once
        for i, s in enumerate(starts):
            if s >= 0:
                self.model.add_hint(self.starts[i], int(s))
            x = self.presence[i]
            if not isinstance(x, int) and x.index not in hinted:
                hinted.add(x.index)
                self.model.add_hint(x, bool(s >= 0))
        inside: dict[int, bool] = {}
        for i, a, b, lit in self.budget_lits:
            if a >= 0:
                hit = bool(a <= starts[i] <= b)
                inside[i] = inside.get(i, False) or hit
                self.model.add_hint(lit, hit)
        for i, a, _, lit in self.budget_lits:
            if a < 0:
                self.model.add_hint(lit, bool(starts[i] >= 0 and not inside.get(i, False)))


# --------------------------------------------------------------------------------------------
# Solve
# --------------------------------------------------------------------------------------------
_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
}


def solve_schedule(
    problem: ScheduleProblem,
    time_limit_s: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    *,
    use_heuristic: bool = True,
    deterministic_time: float | None = None,
    log_search: bool = False,
    hint: np.ndarray | None = None,
) -> ScheduleResult:
    """Solve ``problem`` with CP-SAT and return a :class:`ScheduleResult`.

    Parameters
    ----------
    problem
        The data; times in the caller's integer unit.
    time_limit_s
        Wall-clock limit for the whole call (heuristic, model building and search). On a
        limit the best schedule found is returned with status ``FEASIBLE`` (or ``UNKNOWN`` if
        none was found).
    workers, seed
        CP-SAT ``num_workers`` and ``random_seed``. With several workers and a wall-clock limit
        the result may vary from run to run; pass ``deterministic_time`` (CP-SAT's
        ``max_deterministic_time``) and a generous wall limit, or ``workers=1``, to reproduce a run.
    use_heuristic
        Run a constructive heuristic first and give its schedule to CP-SAT as a hint: the
        serial schedule-generation scheme for ``"makespan"`` (its makespan also bounds the
        search), a greedy chain-by-chain placement for ``"value"``.
    log_search
        Forward CP-SAT's search log to the logger at DEBUG level.
    hint
        A start vector (``-1`` = task left out) computed by the caller, given to CP-SAT
        instead of the built-in heuristic's (which is then not run).

    Returns
    -------
    ScheduleResult
        A proven-infeasible problem returns status ``INFEASIBLE`` (never raises); the reasons
        found before the search are logged at WARNING level.
    """
    from allocate.schedule.sgs import best_serial_schedule, greedy_value_schedule

    t0 = time.perf_counter()
    ub = None
    if hint is None and use_heuristic and problem.objective == "makespan" and problem.n_tasks > 0:
        found = best_serial_schedule(problem, seed=seed)
        if found is not None:
            hint = found
            ub = int((found + problem.durations).max())
            lb = problem.makespan_lower_bound()
            logger.debug("serial SGS makespan %d, lower bound %d", ub, lb)
            if ub <= lb:
                return _result(problem, SolveStatus.OPTIMAL, hint, float(ub), float(ub), t0)
    if hint is None and use_heuristic and problem.objective == "value" and problem.n_tasks > 0:
        hint = greedy_value_schedule(problem)
    sm = SchedulingModel(problem, hint=hint, makespan_ub=ub)
    if sm.infeasible_reasons:
        for reason in sm.infeasible_reasons:
            logger.warning("infeasible: %s", reason)
        return _result(problem, SolveStatus.INFEASIBLE, None, None, None, t0)

    # the limit covers the heuristic and the model building too
    solver = new_solver(
        float(time_limit_s) - (time.perf_counter() - t0), workers, seed, deterministic_time
    )
    prm = solver.parameters
    if log_search:
        prm.log_search_progress = True
        solver.log_callback = logger.debug  # type: ignore[assignment]
    _tune_for_scheduling(prm)
    if problem.objective == "makespan":
        _tune_for_makespan_proof(prm, int(workers))
    code = solver.solve(sm.model)
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"invalid CP-SAT model: {sm.model.validate()}")
    status = _STATUS.get(code, SolveStatus.UNKNOWN)
    if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        starts = np.array([solver.value(s) for s in sm.starts], dtype=np.int64)
        present = np.array([bool(solver.value(x)) for x in sm.presence], dtype=bool)
        starts[~present] = -1
        return _result(
            problem, status, starts, solver.objective_value, solver.best_objective_bound, t0
        )
    if status is SolveStatus.INFEASIBLE:
        logger.warning("CP-SAT proved the schedule infeasible")
    return _result(problem, status, None, None, None, t0)


def _tune_for_scheduling(prm: object) -> None:
    """Parameters that help CP-SAT prove scheduling optima (see the RCPSP benchmark).

    Stronger cumulative reasoning (timetable edge finding, overload checker, precedences in
    the cumulative). The ``"makespan"`` objective changes the portfolio further, see
    :func:`_tune_for_makespan_proof`.
    """
    prm.use_timetable_edge_finding_in_cumulative = True  # type: ignore[attr-defined]
    prm.use_overload_checker_in_cumulative = True  # type: ignore[attr-defined]
    prm.use_hard_precedences_in_cumulative = True  # type: ignore[attr-defined]
    prm.exploit_all_precedences = True  # type: ignore[attr-defined]


def _tune_for_makespan_proof(prm: object, workers: int) -> None:
    """Search portfolio for ``"makespan"``: on hard instances good schedules come early and
    the time goes into proving that nothing shorter exists.

    The linear relaxation of the cumulatives adds nothing to the makespan bound (the LP of
    the default worker stays empty at level 1 and slows the search at level 2), and
    timetable edge finding costs more time than it saves here, so both are switched off. The
    first two workers then both run ``no_lp`` (conflict-driven search without LP, each with
    its own seed) instead of one LP worker plus large-neighbourhood search; workers beyond
    two run CP-SAT's large-neighbourhood search. (``core`` was tried as the second prover:
    CP-SAT drops it for this model, whose objective is one integer variable, and runs
    ``no_lp`` twice, as its log shows.) On the 20 hardest PSPLIB j30 instances (2 workers,
    10 s, busy machine) this proved 12 instead of 1, and the full j30 set went from 461 to
    472 proven within 10 s.
    """
    prm.linearization_level = 0  # type: ignore[attr-defined]
    prm.use_timetable_edge_finding_in_cumulative = False  # type: ignore[attr-defined]
    if workers >= 2:
        prm.num_full_subsolvers = 2  # type: ignore[attr-defined]
        prm.subsolvers.append("no_lp")  # type: ignore[attr-defined]


def _result(
    problem: ScheduleProblem,
    status: SolveStatus,
    starts: np.ndarray | None,
    objective: float | None,
    bound: float | None,
    t0: float,
) -> ScheduleResult:
    n = problem.n_tasks
    if starts is None:
        starts = np.full(n, -1, dtype=np.int64)
    present = starts >= 0
    if status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        present = np.zeros(n, dtype=bool)
    ends = np.where(present, starts + problem.durations, -1)
    chain_present = np.array(
        [bool(present[list(c)].all()) if c else True for c in problem.chains], dtype=bool
    )
    return ScheduleResult(
        status=status,
        objective=objective,
        best_bound=bound,
        wall_s=time.perf_counter() - t0,
        starts=_frozen(starts.astype(np.int64)),
        present=_frozen(present),
        chain_present=_frozen(chain_present),
        ends=_frozen(ends.astype(np.int64)),
    )


# --------------------------------------------------------------------------------------------
# Check
# --------------------------------------------------------------------------------------------
def check_schedule(
    problem: ScheduleProblem,
    starts: Sequence[int] | np.ndarray,
    present: Sequence[bool] | np.ndarray,
) -> list[str]:
    """Every rule a schedule breaks, as readable messages (empty list = valid).

    Checks presence of mandatory tasks and whole chains, the horizon, releases and deadlines,
    windows and forbidden intervals, precedences with their lags, and resource capacity net of
    downtimes at every time unit. Independent of the CP-SAT model, for tests and audits.
    """
    p = problem
    s = np.asarray(starts, dtype=np.int64)
    x = np.asarray(present, dtype=bool)
    d = p.durations
    errors: list[str] = []
    for i, t in enumerate(p.tasks):
        if not x[i]:
            if not t.optional:
                errors.append(f"mandatory task {i} is not scheduled")
            continue
        e = s[i] + d[i]
        if s[i] < t.release or e > p.horizon or (t.deadline is not None and e > t.deadline):
            errors.append(f"task {i} [{s[i]}, {e}) outside release/deadline/horizon")
        if t.windows and not any(a <= s[i] and e <= b for a, b in t.windows):
            errors.append(f"task {i} [{s[i]}, {e}) fits no allowed window")
        for a, b in t.forbidden:
            if b > a and (s[i] < b and a < e if d[i] > 0 else a <= s[i] < b):
                errors.append(f"task {i} [{s[i]}, {e}) meets forbidden [{a}, {b})")
    for k, chain in enumerate(p.chains):
        if 0 < int(x[list(chain)].sum()) < len(chain):
            errors.append(f"chain {k} is half-scheduled")
    for prec in p.precedences:
        i, j = prec.pred, prec.succ
        if x[j] and not x[i]:
            errors.append(f"task {j} scheduled without its predecessor {i}")
        if x[i] and x[j]:
            gap = s[j] - (s[i] + d[i])
            if gap < prec.min_lag or (prec.max_lag is not None and gap > prec.max_lag):
                errors.append(
                    f"precedence {i} -> {j}: lag {gap} not in [{prec.min_lag}, {prec.max_lag}]"
                )
    if p.resources and x.any():
        end = int(max(p.horizon, (s + d)[x].max()))
        for r, res in enumerate(p.resources):
            load = np.zeros(end + 1, dtype=np.int64)
            for dt in res.downtimes:
                load[max(dt.start, 0) : min(dt.end, end)] += (
                    res.capacity if dt.amount is None else dt.amount
                )
            busy = np.zeros(end + 1, dtype=np.int64)
            for u in np.flatnonzero(x & (p.demands[:, r] > 0)):
                busy[s[u] : s[u] + d[u]] += p.demands[u, r]
            over = np.flatnonzero(
                (busy > 0) & (busy + np.minimum(load, res.capacity) > res.capacity)
            )
            if over.size:
                errors.append(f"resource {r} over capacity at t={int(over[0])} ({over.size} units)")
            for bud in res.budgets:
                inside = x & (s >= bud.start) & (s < bud.end) & (d > 0)
                used = int(p.demands[inside, r].sum())
                if used > bud.amount:
                    errors.append(
                        f"resource {r} budget [{bud.start}, {bud.end}) used {used} > {bud.amount}"
                    )
    return errors
