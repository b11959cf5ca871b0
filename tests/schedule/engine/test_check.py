"""The independent schedule checker: each broken rule is reported, valid schedules pass."""

from __future__ import annotations

import numpy as np

from allocate.schedule.engine.check import check_schedule
from allocate.schedule.engine.problem import Budget, Precedence, Resource, ScheduleProblem, Task


def _budget_problem(budgets: tuple[Budget, ...]) -> ScheduleProblem:
    # six one-day tasks of 5 units on a resource of 10 units a day, over four days
    tasks = tuple(Task(1, (5,), optional=True, value=10, name=f"t{i}") for i in range(6))
    return ScheduleProblem(
        tasks=tasks,
        resources=(Resource(10, budgets=budgets),),
        horizon=4,
        objective="value",
    )


def test_check_schedule_reports_a_budget_overrun() -> None:
    prob = _budget_problem((Budget(0, 2, 5),))
    starts = np.array([0, 1, -1, -1, -1, -1])
    errors = check_schedule(prob, starts, starts >= 0)
    assert len(errors) == 1 and "budget [0, 2) used 10 > 5" in errors[0]


def test_a_valid_schedule_passes() -> None:
    tasks = (Task(2, (1,)), Task(3, (1,)))
    problem = ScheduleProblem(tasks, (Resource(1),), (Precedence(0, 1, 1, 2),), horizon=10)
    assert check_schedule(problem, [0, 3], [True, True]) == []


def test_each_broken_rule_is_named() -> None:
    tasks = (Task(2, (1,)), Task(3, (1,)), Task(1, optional=True), Task(1, optional=True))
    problem = ScheduleProblem(
        tasks,
        (Resource(1),),
        (Precedence(0, 1, 1, 2),),
        horizon=10,
        chains=((2, 3),),
        objective="value",
    )
    # task 1 starts right at the end of task 0 (lag 0 < 1), the chain keeps only task 2
    errors = check_schedule(problem, [0, 2, 5, -1], [True, True, True, False])
    assert errors == ["chain 0 is half-scheduled", "precedence 0 -> 1: lag 0 not in [1, 2]"]
    # both at 0 on a unary resource: over capacity; task 0 missing although mandatory
    errors = check_schedule(problem, [0, 0, 5, 6], [False, True, True, True])
    assert "mandatory task 0 is not scheduled" in errors
    assert "task 1 scheduled without its predecessor 0" in errors


def test_capacity_net_of_downtimes_is_checked() -> None:
    from allocate.schedule.engine.problem import Downtime

    problem = ScheduleProblem((Task(2, (1,)),), (Resource(1, (Downtime(1, 3),)),), horizon=10)
    errors = check_schedule(problem, np.array([0]), np.array([True]))
    assert errors == ["resource 0 over capacity at t=1 (1 units)"]
    assert check_schedule(problem, np.array([3]), np.array([True])) == []


def test_windows_forbidden_spans_and_the_horizon() -> None:
    tasks = (Task(2, windows=((0, 3),)), Task(1, forbidden=((4, 6),)), Task(3))
    problem = ScheduleProblem(tasks, (), horizon=8)
    errors = check_schedule(problem, [2, 5, 6], [True, True, True])
    assert errors == [
        "task 0 [2, 4) fits no allowed window",
        "task 1 [5, 6) meets forbidden [4, 6)",
        "task 2 [6, 9) outside release/deadline/horizon",
    ]
