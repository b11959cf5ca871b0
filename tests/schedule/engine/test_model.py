"""The CP-SAT model of an engine problem: start domains, reasons of infeasibility, budgets."""

from __future__ import annotations

from allocate.schedule.engine.model import SchedulingModel
from allocate.schedule.engine.problem import Budget, Resource, ScheduleProblem, Task


def _domain(model: SchedulingModel, i: int) -> list[list[int]]:
    flat = list(model.start_domain(i).flattened_intervals())  # [a0, b0, a1, b1, ...]
    return [flat[k : k + 2] for k in range(0, len(flat), 2)]


def test_start_domain_is_cut_by_release_windows_and_forbidden_spans() -> None:
    tasks = (
        Task(2, release=3, optional=True),
        Task(3, windows=((0, 2), (4, 10)), optional=True),
        Task(2, forbidden=((5, 8),), optional=True),
    )
    m = SchedulingModel(ScheduleProblem(tasks, (), horizon=12, objective="value"))
    assert _domain(m, 0) == [[3, 10]]  # release 3, ends by 12
    assert _domain(m, 1) == [[4, 7]]  # only the second window is long enough
    assert _domain(m, 2) == [[0, 3], [8, 10]]  # [s, s + 2) may not meet [5, 8)


def test_reasons_of_an_infeasible_mandatory_task() -> None:
    tasks = (Task(4, (2,)), Task(3, release=8))
    m = SchedulingModel(ScheduleProblem(tasks, (Resource(1),), horizon=10))
    assert m.infeasible_reasons == [
        "task 1 ('') has no start in its release/deadline/calendar",
        "task 0 ('') needs 2 of resource 0 ('') whose capacity is 1",
    ]
    # the same tasks, optional, are simply left out
    optional = tuple(Task(t.duration, t.demands, release=t.release, optional=True) for t in tasks)
    m = SchedulingModel(ScheduleProblem(optional, (Resource(1),), horizon=10, objective="value"))
    assert m.infeasible_reasons == []


def test_one_presence_literal_per_chain() -> None:
    tasks = tuple(Task(1, optional=True) for _ in range(3))
    p = ScheduleProblem(tasks, (), horizon=5, chains=((0, 2),), objective="value")
    m = SchedulingModel(p)
    assert m.presence[0] is m.presence[2] and m.presence[1] is not m.presence[0]
    assert SchedulingModel(ScheduleProblem((Task(1),), (), horizon=5)).presence == [1]


def test_a_budget_literal_for_each_span_a_start_may_fall_in() -> None:
    # starts 0..4; budgets cover [0, 2) and [2, 3): two spans and the outside [3, 4]
    task = Task(1, (1,), optional=True, value=1)
    res = Resource(1, budgets=(Budget(0, 2, 1), Budget(2, 3, 1)))
    m = SchedulingModel(ScheduleProblem((task,), (res,), horizon=5, objective="value"))
    assert [(i, a, b) for i, a, b, _ in m.budget_lits] == [(0, 0, 1), (0, 2, 2), (0, -1, -1)]
