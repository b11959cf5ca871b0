"""The RCPSP (read by :mod:`allocate.io.benchmarks.psplib`) as a problem of the scheduling engine."""

from __future__ import annotations

from allocate.io.benchmarks.psplib import RcpspInstance
from allocate.schedule.engine.problem import Precedence, Resource, ScheduleProblem, Task


def to_schedule_problem(instance: RcpspInstance) -> ScheduleProblem:
    """The RCPSP as a :class:`ScheduleProblem` with objective ``"makespan"``.

    Each job becomes a mandatory task, each arc a zero-lag precedence, each resource a
    renewable resource; the horizon is the file's (or the sum of durations if larger).

    Parameters
    ----------
    instance
        The RCPSP as read from a PSPLIB file.

    Returns
    -------
    ScheduleProblem
        The same project for :func:`~allocate.schedule.engine.solve.solve_schedule`.
    """
    tasks = tuple(
        Task(duration=d, demands=q, name=f"job{j + 1}")
        for j, (d, q) in enumerate(zip(instance.durations, instance.demands, strict=True))
    )
    precedences = tuple(
        Precedence(j, s) for j, succ in enumerate(instance.successors) for s in succ
    )
    resources = tuple(Resource(c, name=f"R{r + 1}") for r, c in enumerate(instance.capacities))
    horizon = max(instance.horizon, sum(instance.durations))
    return ScheduleProblem(
        tasks=tasks,
        resources=resources,
        precedences=precedences,
        horizon=horizon,
        objective="makespan",
    )
