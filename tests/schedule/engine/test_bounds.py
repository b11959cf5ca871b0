"""Bounds computed from the data alone: makespan lower bound, energy delays, transitive reach."""

from __future__ import annotations

from allocate.schedule.engine.bounds import (
    energy_delays,
    makespan_lower_bound,
    transitive_successors,
)
from allocate.schedule.engine.problem import Precedence, Resource, ScheduleProblem, Task


def _diamond(min_lag: int = 0) -> ScheduleProblem:
    # 0 -> {1, 2} -> 3; tasks 1 and 2 (3 units long) share a unary resource
    tasks = (Task(1), Task(3, (1,)), Task(3, (1,)), Task(1))
    prec = (
        Precedence(0, 1, min_lag),
        Precedence(0, 2, min_lag),
        Precedence(1, 3),
        Precedence(2, 3),
    )
    return ScheduleProblem(tasks, (Resource(1),), prec, horizon=30)


def test_lower_bound_is_the_critical_path_or_the_energy() -> None:
    chain = ScheduleProblem(
        (Task(2), Task(3), Task(4)), (), (Precedence(0, 1), Precedence(1, 2)), horizon=20
    )
    assert makespan_lower_bound(chain) == 9
    # three independent 4-unit tasks on a unary resource: 12 units of energy
    spread = ScheduleProblem(tuple(Task(4, (1,)) for _ in range(3)), (Resource(1),), horizon=20)
    assert makespan_lower_bound(spread) == 12
    # the diamond: path 1 + 3 + 1 = 5, energy 6
    assert makespan_lower_bound(_diamond()) == 6


def test_lower_bound_without_mandatory_tasks_is_zero() -> None:
    p = ScheduleProblem((Task(5, optional=True),), (), horizon=10, objective="value")
    assert makespan_lower_bound(p) == 0


def test_energy_delay_between_the_ends_of_a_diamond() -> None:
    # from start 0 to start 3: task 0 (1) and then 6 units of forced work on the resource,
    # longer than the path 0 -> 1 -> 3 (1 + 3 = 4)
    assert energy_delays(_diamond()) == [(0, 3, 7)]


def test_energy_delays_are_skipped_for_negative_lags_or_large_problems() -> None:
    assert energy_delays(_diamond(min_lag=-1)) == []
    assert energy_delays(_diamond(), max_tasks=3) == []


def test_transitive_successors() -> None:
    reach = transitive_successors(_diamond())
    assert reach.tolist() == [
        [False, True, True, True],
        [False, False, False, True],
        [False, False, False, True],
        [False, False, False, False],
    ]
