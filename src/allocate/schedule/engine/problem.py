"""The data of the scheduling engine: tasks, precedences, resources, the problem and a result.

Plain frozen dataclasses checked on construction, plus the array views of a problem that the
model, the bounds and the heuristics read (built once: durations, demands, the precedence order,
heads and tails). All times are integers in the caller's unit (see :mod:`allocate.schedule.engine`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np

from allocate.core.instance import read_only
from allocate.core.status import SolveStatus

Objective = Literal["makespan", "value"]
Window = tuple[int, int]


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

    Parameters
    ----------
    pred, succ
        Indices of the predecessor and the successor in the problem's tasks.
    min_lag
        Least time from the end of ``pred`` to the start of ``succ``.
    max_lag
        Most time from the end of ``pred`` to the start of ``succ`` (``None``: no limit).
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
    """Capacity removed from a resource over ``[start, end)``.

    Parameters
    ----------
    start, end
        The half-open span, in the caller's time unit.
    amount
        Units of capacity removed; ``None`` removes all of it.
    """

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

    Parameters
    ----------
    start, end
        The half-open span of start times it covers (non-empty).
    amount
        Most units of the resource that the tasks starting in the span may demand in all.
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

    Parameters
    ----------
    capacity
        Units available at every time, before the downtimes.
    downtimes
        Spans of reduced capacity.
    name
        Free label, for logs and messages.
    budgets
        Caps on the demand of the tasks starting in given spans (not overlapping).
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
        ``"makespan"`` or ``"value"`` (see :mod:`allocate.schedule.engine`).
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
        """Number of tasks."""
        return len(self.tasks)

    @cached_property
    def durations(self) -> np.ndarray:
        """Duration of each task."""
        return read_only(np.array([t.duration for t in self.tasks], dtype=np.int64))

    @cached_property
    def demands(self) -> np.ndarray:
        """``(n_tasks, n_resources)`` demand matrix."""
        d = np.zeros((len(self.tasks), len(self.resources)), dtype=np.int64)
        for i, t in enumerate(self.tasks):
            d[i, : len(t.demands)] = t.demands
        return read_only(d)

    @cached_property
    def capacities(self) -> np.ndarray:
        """Capacity of each resource."""
        return read_only(np.array([r.capacity for r in self.resources], dtype=np.int64))

    @cached_property
    def chain_of(self) -> np.ndarray:
        """Chain index of each task, ``-1`` when it is in none."""
        c = np.full(len(self.tasks), -1, dtype=np.int64)
        for k, chain in enumerate(self.chains):
            c[list(chain)] = k
        return read_only(c)

    @cached_property
    def topological_order(self) -> tuple[int, ...]:
        """Tasks in an order compatible with the precedences (raises on a cycle)."""
        n = len(self.tasks)
        indeg = np.array([len(arcs) for arcs in self.predecessors], dtype=np.int64)
        stack = [i for i in range(n) if indeg[i] == 0]
        order: list[int] = []
        while stack:
            i = stack.pop()
            order.append(i)
            for j in (p.succ for p in self.successors[i]):
                indeg[j] -= 1
                if indeg[j] == 0:
                    stack.append(j)
        if len(order) < n:
            raise ValueError("the precedences contain a cycle")
        return tuple(order)

    def always_together(self, pred: int, succ: int) -> bool:
        """Whether scheduling ``pred`` forces ``succ`` (so ``succ``'s tail bounds ``pred``).

        Parameters
        ----------
        pred, succ
            Task indices joined by a precedence.

        Returns
        -------
        bool
            True when ``succ`` is mandatory or both tasks are in the same chain.
        """
        if not self.tasks[succ].optional:
            return True
        c = self.chain_of
        return bool(c[pred] >= 0 and c[pred] == c[succ])

    @cached_property
    def heads(self) -> np.ndarray:
        """Earliest start of each task from releases and minimum lags (critical path)."""
        head = np.array([t.release for t in self.tasks], dtype=np.int64)
        for j in self.topological_order:
            for p in self.predecessors[j]:
                head[j] = max(head[j], head[p.pred] + self.durations[p.pred] + p.min_lag)
        return read_only(head)

    @cached_property
    def tails(self) -> np.ndarray:
        """Time from each task's start to the end of the forced work after it (critical path)."""
        tail = self.durations.copy()
        for i in reversed(self.topological_order):
            for p in self.successors[i]:
                if self.always_together(i, p.succ):
                    tail[i] = max(tail[i], self.durations[i] + p.min_lag + tail[p.succ])
        return read_only(tail)

    @cached_property
    def successors(self) -> tuple[tuple[Precedence, ...], ...]:
        """The precedences out of each task, in the order of ``precedences``."""
        return _arcs_by_task(len(self.tasks), self.precedences, into=False)

    @cached_property
    def predecessors(self) -> tuple[tuple[Precedence, ...], ...]:
        """The precedences into each task, in the order of ``precedences``."""
        return _arcs_by_task(len(self.tasks), self.precedences, into=True)


def _arcs_by_task(
    n: int, precedences: tuple[Precedence, ...], into: bool
) -> tuple[tuple[Precedence, ...], ...]:
    """The precedences grouped by the task they leave (or enter), in their given order.

    Parameters
    ----------
    n
        Number of tasks.
    precedences
        The precedences between tasks ``0 .. n - 1``.
    into
        Group by successor (the arcs into each task) rather than by predecessor.

    Returns
    -------
    tuple of tuple of Precedence
        ``n`` entries: entry ``i`` holds the precedences whose ``succ`` (``into``) or ``pred``
        is ``i``.
    """
    by_task: list[list[Precedence]] = [[] for _ in range(n)]
    for p in precedences:
        by_task[p.succ if into else p.pred].append(p)
    return tuple(tuple(arcs) for arcs in by_task)


@dataclass(frozen=True)
class ScheduleResult:
    """A solved schedule: status, objective, bound and the (read-only) starts.

    ``starts[i]`` is the start of task ``i`` in the caller's time unit, or ``-1`` when the task
    is not scheduled (``present[i]`` is ``False``), or when no solution was found.
    ``chain_present[k]`` says whether chain ``k`` was kept. For ``"makespan"`` ``objective`` is
    the makespan; for ``"value"`` it is the value kept minus the penalties.

    Parameters
    ----------
    status
        How the search ended.
    objective, best_bound
        Objective of the schedule and the best bound proven (``None`` without a solution).
    wall_s
        Seconds spent, heuristic and model building included.
    starts, present, chain_present, ends
        Read-only arrays: start, presence and end (``-1`` when absent) of each task, and
        whether each chain was kept.
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
        """Whether a schedule was found (optimal or feasible)."""
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
        """End of the last scheduled task (0 when none is), ``None`` without a solution."""
        if not self.has_solution:
            return None
        return int(self.ends[self.present].max()) if self.present.any() else 0

    @property
    def dropped_chains(self) -> tuple[int, ...]:
        """Indices of the chains left out."""
        return tuple(int(k) for k in np.flatnonzero(~self.chain_present))
