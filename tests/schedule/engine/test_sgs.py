"""Constructive heuristics of the engine: serial SGS with priority rules, greedy by value."""

from __future__ import annotations

import numpy as np

from allocate import SolveStatus
from allocate.schedule.engine.check import check_schedule
from allocate.schedule.engine.problem import Precedence, Resource, ScheduleProblem, Task
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
