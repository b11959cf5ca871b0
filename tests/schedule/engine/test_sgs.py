"""Constructive heuristics of the engine: serial SGS with priority rules, greedy by value."""

from __future__ import annotations

import numpy as np

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
from allocate.schedule.engine.sgs import (
    best_serial_schedule,
    greedy_value_schedule,
    priority_rules,
)
from allocate.schedule.engine.solve import solve_schedule


def _solve(problem: ScheduleProblem):
    result = solve_schedule(problem, time_limit_s=5, workers=1, seed=0)
    assert result.status is SolveStatus.OPTIMAL
    return result


def test_greedy_value_schedule_is_valid_and_drops_whole_chains():
    # One unary resource, each chain of 3 needs 9 units inside a horizon of 20: two fit.
    tasks, prec, chains = [], [], []
    for c in range(3):
        ids = [3 * c + k for k in range(3)]
        tasks += [Task(3, (1,), optional=True, value=10 + c) for _ in ids]
        prec += [Precedence(ids[0], ids[1], max_lag=5), Precedence(ids[1], ids[2], max_lag=5)]
        chains.append(tuple(ids))
    problem = ScheduleProblem(
        tuple(tasks),
        (Resource(1),),
        tuple(prec),
        horizon=20,
        chains=tuple(chains),
        objective="value",
    )
    starts = greedy_value_schedule(problem)
    assert starts is not None
    present = starts >= 0
    assert check_schedule(problem, starts, present) == []
    assert present.sum() == 6
    result = _solve(problem)
    assert result.objective == 3 * (11 + 12)  # the two most valuable chains


def test_priority_rules_of_a_small_network() -> None:
    # 0 -> 1 -> 3 and 0 -> 2; durations 1, 2, 5, 3
    tasks = (Task(1), Task(2), Task(5), Task(3))
    prec = (Precedence(0, 1), Precedence(1, 3), Precedence(0, 2))
    rules = priority_rules(ScheduleProblem(tasks, (), prec, horizon=20))
    # tails: 3 -> 3, 2 -> 5, 1 -> 2 + 3 = 5, 0 -> 1 + max(5, 5) = 6
    assert rules["LST"].tolist() == [-6, -5, -5, -3]
    assert rules["LFT"].tolist() == [-5, -3, 0, 0]
    assert rules["MTS"].tolist() == [-3, -1, 0, 0]  # transitive successors
    assert rules["GRPW"].tolist() == [-8, -5, -5, -3]  # own + immediate successors' durations
    assert rules["SPT"].tolist() == [1, 2, 5, 3]


def test_serial_schedule_packs_a_unary_resource_and_keeps_the_chain() -> None:
    # a chain 0 -> 1 and a lone task 2, all on one unary resource: 2 + 3 + 4 back to back
    tasks = (Task(2, (1,)), Task(3, (1,)), Task(4, (1,)))
    problem = ScheduleProblem(tasks, (Resource(1),), (Precedence(0, 1),), horizon=20)
    starts = best_serial_schedule(problem)
    assert starts is not None
    assert check_schedule(problem, starts, np.ones(3, bool)) == []
    assert int((starts + problem.durations).max()) == 9
    assert starts[1] >= starts[0] + 2


def test_serial_schedule_needs_mandatory_tasks() -> None:
    problem = ScheduleProblem((Task(1, optional=True),), (), horizon=5, objective="value")
    assert best_serial_schedule(problem) is None


def test_greedy_returns_none_when_a_mandatory_task_cannot_fit() -> None:
    problem = ScheduleProblem((Task(3, deadline=3, release=0),), (), horizon=2, objective="value")
    assert greedy_value_schedule(problem) is None


def test_earliest_fit_at_once_agrees_with_the_walk() -> None:
    # the vectorized search (issue 14: schedule within its limit) finds the same starts
    from allocate.schedule.engine import sgs

    rng = np.random.default_rng(11)
    for _ in range(40):
        horizon = int(rng.integers(5, 30))
        tasks = tuple(
            Task(
                duration=int(rng.integers(0, 4)),
                demands=(int(rng.integers(0, 4)),),
                release=int(rng.integers(0, 5)),
                forbidden=((2, 4),) if rng.random() < 0.5 else (),
                optional=True,
                value=1,
            )
            for _ in range(8)
        )
        budgets = (Budget(0, 7, 6),) if rng.random() < 0.5 else ()
        problem = ScheduleProblem(
            tasks=tasks,
            resources=(Resource(4, (Downtime(5, 6, 2),), budgets=budgets),),
            horizon=horizon + 4,
            objective="value",
        )
        a = sgs._Arrays(problem)
        avail = a.avail.copy()
        for i in range(len(tasks)):
            for t in range(0, horizon + 6):
                fast = sgs._earliest_fit(a, avail, i, t)
                assert fast == sgs._earliest_fit_walk(a, avail, i, t), (i, t)
            found = sgs._earliest_fit(a, avail, i, int(a.release[i]))
            if found is not None:
                sgs._book(a, avail, i, found)


def test_greedy_under_a_work_limit_marks_the_chains_it_did_not_try() -> None:
    from allocate.schedule.engine.stop import WorkLimit

    tasks = tuple(Task(duration=1, demands=(1,), optional=True, value=10 - k) for k in range(6))
    problem = ScheduleProblem(
        tasks=tasks, resources=(Resource(1),), horizon=10, objective="value"
    )
    limit = WorkLimit(units=3)
    starts = greedy_value_schedule(problem, limit)
    assert starts is not None
    assert (starts[:3] >= 0).all() and (starts[3:] == -2).all()
    assert limit.stopped_by == "budget"
