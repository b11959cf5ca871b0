"""Solving engine problems with CP-SAT: hand-checked cases (times in abstract integer units)."""

from __future__ import annotations

import numpy as np
import pytest

from allocate import SolveStatus
from allocate.schedule.engine.check import check_schedule
from allocate.schedule.engine.problem import (
    Budget,
    Downtime,
    Precedence,
    Resource,
    ScheduleProblem,
    Task,
)
from allocate.schedule.engine.sgs import best_serial_schedule, greedy_value_schedule
from allocate.schedule.engine.solve import solve_schedule


def _solve(problem: ScheduleProblem, **kw):
    result = solve_schedule(problem, time_limit_s=5, workers=1, seed=0, **kw)
    assert result.status is SolveStatus.OPTIMAL
    assert check_schedule(problem, result.starts, result.present) == []
    return result


def test_chain_of_three_makespan_is_sum_of_durations():
    tasks = (Task(2), Task(3), Task(4))
    prec = (Precedence(0, 1), Precedence(1, 2))
    result = _solve(ScheduleProblem(tasks, (), prec, horizon=20))
    assert result.objective == 9
    assert result.starts.tolist() == [0, 2, 5]


@pytest.mark.parametrize(
    ("capacity", "makespan"),
    [
        (1, 8),  # the two tasks must run one after the other: 3 + 5
        (2, 5),  # enough capacity to run both at once: max(3, 5)
    ],
)
def test_two_task_resource_conflict(capacity, makespan):
    tasks = (Task(3, (1,)), Task(5, (1,)))
    result = _solve(ScheduleProblem(tasks, (Resource(capacity),), horizon=20))
    assert result.makespan == makespan


def test_min_lag_is_respected():
    tasks = (Task(2), Task(1))
    result = _solve(ScheduleProblem(tasks, (), (Precedence(0, 1, min_lag=4),), horizon=20))
    assert result.starts[1] - (result.starts[0] + 2) == 4
    assert result.objective == 7


def test_chain_whose_max_lag_cannot_hold_is_dropped_whole():
    # A must end by 3, B cannot start before 10, but B may start at most 1 after A ends.
    tasks = (
        Task(2, optional=True, value=10, deadline=3, name="A"),
        Task(2, optional=True, value=10, release=10, name="B"),
        Task(1, optional=True, value=4, name="C"),
    )
    problem = ScheduleProblem(
        tasks,
        (),
        (Precedence(0, 1, max_lag=1),),
        horizon=20,
        chains=((0, 1),),
        objective="value",
    )
    result = _solve(problem)
    assert result.present.tolist() == [False, False, True]
    assert result.dropped_chains == (0,)
    assert result.objective == 4


def test_chain_is_kept_when_its_lags_hold():
    tasks = (
        Task(2, optional=True, value=10, name="A"),
        Task(2, optional=True, value=10, release=4, name="B"),
    )
    problem = ScheduleProblem(
        tasks, (), (Precedence(0, 1, max_lag=1),), horizon=20, chains=((0, 1),), objective="value"
    )
    result = _solve(problem)
    assert result.present.all() and result.dropped_chains == ()
    assert 0 <= result.starts[1] - result.ends[0] <= 1


def test_forbidden_interval_and_start_weight():
    # Earlier is better, but [0, 5) is a day off: the task starts at 5.
    task = Task(3, optional=True, value=100, start_weight=1, forbidden=((0, 5),))
    result = _solve(ScheduleProblem((task,), (), horizon=20, objective="value"))
    assert result.starts[0] == 5
    assert result.objective == 100 - 5


def test_task_fits_inside_one_allowed_window():
    task = Task(3, windows=((0, 2), (4, 10)))
    result = _solve(ScheduleProblem((task,), (), horizon=20))
    assert result.starts[0] == 4


def test_resource_downtime_blocks_work():
    # Capacity is gone over [2, 6): a 3-unit task cannot fit before it, so it starts at 6.
    problem = ScheduleProblem((Task(3, (1,)),), (Resource(1, (Downtime(2, 6),)),), horizon=20)
    assert _solve(problem).starts[0] == 6


def test_lateness_penalty_drops_a_task_not_worth_it():
    # Due at 2 but cannot start before 5: ending at 8 is 6 late, 6 * 2 = 12 > value 10.
    task = Task(3, optional=True, value=10, release=5, due=2, lateness_weight=2)
    result = _solve(ScheduleProblem((task,), (), horizon=20, objective="value"))
    assert not result.present[0] and result.objective == 0


def test_mandatory_successor_forces_its_optional_predecessor():
    tasks = (Task(2, optional=True, value=-5), Task(1))
    problem = ScheduleProblem(tasks, (), (Precedence(0, 1),), horizon=10, objective="value")
    assert _solve(problem).present.tolist() == [True, True]


def test_infeasible_is_reported_not_raised():
    tasks = (Task(5, (2,)),)
    result = solve_schedule(ScheduleProblem(tasks, (Resource(1),), horizon=10))
    assert result.status is SolveStatus.INFEASIBLE and not result.has_solution


def _random_problem(rng: np.random.Generator, n: int = 10) -> ScheduleProblem:
    tasks = tuple(
        Task(int(rng.integers(1, 6)), tuple(int(q) for q in rng.integers(0, 3, size=2)))
        for _ in range(n)
    )
    prec = []
    for j in range(1, n):
        for i in rng.choice(j, size=min(j, 2), replace=False):
            if rng.random() < 0.4:
                lag = int(rng.integers(0, 3))
                prec.append(Precedence(int(i), j, lag, lag + int(rng.integers(2, 30))))
    return ScheduleProblem(tasks, (Resource(3), Resource(2)), tuple(prec), horizon=100)


@pytest.mark.parametrize("seed", range(5))
def test_random_schedules_respect_lags_and_capacity(seed):
    problem = _random_problem(np.random.default_rng(seed))
    result = solve_schedule(problem, time_limit_s=5, workers=1, seed=0)
    assert result.has_solution
    assert check_schedule(problem, result.starts, result.present) == []
    # the checker does fail on a broken schedule: put every task at 0
    assert check_schedule(problem, np.zeros(problem.n_tasks, int), result.present) != []
    heuristic = best_serial_schedule(problem)
    if heuristic is not None:
        assert check_schedule(problem, heuristic, np.ones(problem.n_tasks, bool)) == []
        assert (heuristic + problem.durations).max() >= result.makespan


def test_same_seed_same_schedule():
    problem = _random_problem(np.random.default_rng(7), n=12)
    a = solve_schedule(problem, time_limit_s=5, workers=1, seed=3)
    b = solve_schedule(problem, time_limit_s=5, workers=1, seed=3)
    assert a.starts.tolist() == b.starts.tolist()


def test_result_arrays_are_read_only():
    result = _solve(ScheduleProblem((Task(1),), (), horizon=5))
    with pytest.raises(ValueError):
        result.starts[0] = 3


@pytest.mark.parametrize("objective", ["makespan", "value"])
def test_makespan_portfolio_only_for_makespan(monkeypatch, objective):
    # The proof-oriented portfolio must not change how action plans ("value") are searched.
    from allocate.schedule.engine import solve as engine

    calls: list[int] = []
    monkeypatch.setattr(engine, "_tune_for_makespan_proof", lambda prm, w: calls.append(w))
    tasks = (Task(2, (1,), value=3), Task(3, (1,), value=4))
    problem = ScheduleProblem(tasks, (Resource(1),), horizon=10, objective=objective)
    result = solve_schedule(problem, time_limit_s=5, workers=2, use_heuristic=False)
    assert result.status is SolveStatus.OPTIMAL
    assert calls == ([2] if objective == "makespan" else [])


@pytest.mark.parametrize(("workers", "subsolvers"), [(1, []), (2, ["no_lp"])])
def test_makespan_portfolio_runs_two_provers(workers, subsolvers):
    from ortools.sat.python import cp_model

    from allocate.schedule.engine.solve import _tune_for_makespan_proof

    prm = cp_model.CpSolver().parameters
    _tune_for_makespan_proof(prm, workers)
    assert list(prm.subsolvers) == subsolvers
    assert prm.linearization_level == 0


def _budget_problem(budgets: tuple[Budget, ...]) -> ScheduleProblem:
    # six one-day tasks of 5 units on a resource of 10 units a day, over four days
    tasks = tuple(Task(1, (5,), optional=True, value=10, name=f"t{i}") for i in range(6))
    return ScheduleProblem(
        tasks=tasks,
        resources=(Resource(10, budgets=budgets),),
        horizon=4,
        objective="value",
    )


def test_budgets_cap_the_tasks_that_start_in_them() -> None:
    # days 0-1 hold at most 5 units in all, days 2-3 at most 10: three tasks, not six
    prob = _budget_problem((Budget(0, 2, 5), Budget(2, 4, 10)))
    res = solve_schedule(prob, time_limit_s=10, workers=1)
    assert res.status is SolveStatus.OPTIMAL
    starts = np.asarray(res.starts)
    assert (starts >= 0).sum() == 3 and ((starts >= 0) & (starts < 2)).sum() == 1
    assert check_schedule(prob, starts, starts >= 0) == []
    greedy = greedy_value_schedule(prob)
    assert greedy is not None and (greedy >= 0).sum() == 3
    assert check_schedule(prob, greedy, greedy >= 0) == []
    # without the budgets the days alone hold all six
    free = solve_schedule(_budget_problem(()), time_limit_s=10, workers=1)
    assert (np.asarray(free.starts) >= 0).sum() == 6


def test_a_heuristic_at_the_lower_bound_ends_the_search_before_cp_sat() -> None:
    # a chain 2 -> 3 -> 4: the serial SGS reaches the critical path 9, which proves it optimal
    tasks = (Task(2), Task(3), Task(4))
    prec = (Precedence(0, 1), Precedence(1, 2))
    result = solve_schedule(ScheduleProblem(tasks, (), prec, horizon=20), time_limit_s=5, workers=1)
    assert result.status is SolveStatus.OPTIMAL and result.objective == result.best_bound == 9.0


def test_a_given_hint_replaces_the_heuristic() -> None:
    # the hint leaves task 1 out; CP-SAT still finds that keeping both is worth more
    tasks = (Task(2, (1,), optional=True, value=5), Task(2, (1,), optional=True, value=4))
    problem = ScheduleProblem(tasks, (Resource(1),), horizon=4, objective="value")
    result = solve_schedule(problem, time_limit_s=5, workers=1, hint=np.array([0, -1]))
    assert result.status is SolveStatus.OPTIMAL and result.objective == 9
