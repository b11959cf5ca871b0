"""The engine's data: validation on construction and the array views of a problem."""

from __future__ import annotations

import numpy as np
import pytest

from allocate import SolveStatus
from allocate.schedule.engine.problem import (
    Budget,
    Precedence,
    Resource,
    ScheduleProblem,
    ScheduleResult,
    Task,
)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Task(-1),  # negative duration
        lambda: Task(2, release=5, deadline=6),  # deadline before release + duration
        lambda: Precedence(1, 1),  # self-loop
        lambda: Precedence(0, 1, min_lag=3, max_lag=2),  # max lag below min lag
        lambda: ScheduleProblem((Task(1),), (), (Precedence(0, 3),), horizon=5),  # unknown task
        lambda: ScheduleProblem((Task(1, optional=True),), (), horizon=5),  # optional + makespan
        lambda: ScheduleProblem(
            (Task(1), Task(1)), (), (Precedence(0, 1), Precedence(1, 0)), horizon=5
        ),  # cycle
        lambda: ScheduleProblem(
            (Task(1),), (), horizon=5, chains=((0,),), objective="value"
        ),  # mandatory task in a chain
    ],
)
def test_invalid_inputs_raise(build):
    with pytest.raises(ValueError):
        build()


def test_budgets_may_not_overlap() -> None:
    with pytest.raises(ValueError, match="overlap"):
        Resource(10, budgets=(Budget(0, 3, 5), Budget(2, 4, 5)))


def test_views_of_a_small_problem() -> None:
    # 0 -> 1 (lag 2) and 0 -> 2; task 1 needs 2 units of resource 0, task 2 one of resource 1
    tasks = (
        Task(1, release=3),
        Task(2, (2,), optional=True, value=1),
        Task(4, (0, 1), optional=True, value=1),
    )
    prec = (Precedence(0, 1, min_lag=2), Precedence(0, 2))
    p = ScheduleProblem(
        tasks, (Resource(3), Resource(1)), prec, horizon=20, chains=((1, 2),), objective="value"
    )
    assert p.n_tasks == 3
    assert p.durations.tolist() == [1, 2, 4]
    assert p.demands.tolist() == [[0, 0], [2, 0], [0, 1]]  # missing demands are zero
    assert p.capacities.tolist() == [3, 1]
    assert p.chain_of.tolist() == [-1, 0, 0]
    assert p.topological_order[0] == 0
    assert p.heads.tolist() == [3, 6, 4]  # release 3, then 3 + 1 + 2 and 3 + 1
    # optional successors do not lengthen their predecessor's tail
    assert p.tails.tolist() == [1, 2, 4]
    assert not p.always_together(0, 1) and p.always_together(1, 2)  # same chain


def test_successors_and_predecessors_group_the_precedences_by_task() -> None:
    prec = (Precedence(0, 2), Precedence(1, 2, min_lag=1), Precedence(0, 1))
    p = ScheduleProblem((Task(1), Task(1), Task(1)), (), prec, horizon=10)
    assert p.successors == ((prec[0], prec[2]), (prec[1],), ())  # in the given order
    assert p.predecessors == ((), (prec[2],), (prec[0], prec[1]))
    assert ScheduleProblem((), (), horizon=1).successors == ()


def test_a_mandatory_successor_lengthens_the_tail() -> None:
    p = ScheduleProblem((Task(1), Task(2)), (), (Precedence(0, 1, min_lag=3),), horizon=20)
    assert p.always_together(0, 1)
    assert p.tails.tolist() == [1 + 3 + 2, 2]


def test_views_are_read_only() -> None:
    p = ScheduleProblem((Task(1),), (), horizon=5)
    with pytest.raises(ValueError):
        p.durations[0] = 2


def _result(status: SolveStatus, objective: float | None, bound: float | None) -> ScheduleResult:
    starts = np.array([0, -1, 2])
    present = starts >= 0
    return ScheduleResult(
        status=status,
        objective=objective,
        best_bound=bound,
        wall_s=0.0,
        starts=starts,
        present=present,
        chain_present=np.array([True, False]),
        ends=np.array([3, -1, 7]),
    )


def test_result_properties() -> None:
    r = _result(SolveStatus.FEASIBLE, 10.0, 12.0)
    assert r.has_solution and r.makespan == 7 and r.dropped_chains == (1,)
    assert r.gap == pytest.approx(0.2)
    assert _result(SolveStatus.OPTIMAL, 10.0, 12.0).gap == 0.0
    unknown = _result(SolveStatus.UNKNOWN, None, None)
    assert not unknown.has_solution and unknown.makespan is None and unknown.gap is None
