"""The CP-SAT day model of one seller: travel shares, the engine problem it builds, its solve."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from allocate.schedule.plan.daymodel import (
    VALUE_SCALE,
    DayPlanModel,
    _runs,
    visit_travel_share,
)
from tests.schedule.plan.builders import desk_problem


def test_travel_share_of_a_lone_visit_is_its_round_trip() -> None:
    p = desk_problem([30, 20], [0, 1], [60, 60])
    assert visit_travel_share(p).tolist() == [0.0, 0.0]  # desk work drives nowhere
    p = replace(p, is_visit=np.array([True, False]), base_min=np.array([20.0, 0.0]))
    # one visit over two working days: 1 visit per tour, no other place nearby
    assert visit_travel_share(p).tolist() == [40.0, 0.0]


def test_days_off_are_forbidden_runs() -> None:
    assert _runs([1, 2, 5]) == [(1, 3), (5, 6)]
    p = desk_problem([30], [0], [60, 0, 0, 60])
    model = DayPlanModel(p, [[0]], np.zeros(1))
    assert model.problem.tasks[0].forbidden == ((1, 3),)


def test_the_engine_problem_and_its_objective() -> None:
    p = desk_problem([30, 30, 60], [0, 1, 2], [60, 60])
    model = DayPlanModel(p, [[0], [1], [2]], np.zeros(3))
    prob = model.problem
    assert prob.horizon == 2 and prob.objective == "value"
    assert [t.demands for t in prob.tasks] == [(30,), (30,), (60,)]
    assert prob.resources[0].capacity == 60
    weight = int(0.05 * VALUE_SCALE / 2)
    assert [t.start_weight for t in prob.tasks] == [weight] * 3
    assert model.objective(np.array([0, 0, 1])) == 3 * VALUE_SCALE - weight
    assert model.objective(np.array([-1, 0, 0])) == 2 * VALUE_SCALE


def test_solve_keeps_everything_as_early_as_possible() -> None:
    # the two 30s share day 0 and the 60 takes day 1 (one day of delay rather than two)
    p = desk_problem([30, 30, 60], [0, 1, 2], [60, 60])
    day, status = DayPlanModel(p, [[0], [1], [2]], np.zeros(3)).solve()
    assert day.tolist() == [0, 0, 1] and status == "optimal"
    greedy, how = DayPlanModel(replace(p, use_cpsat=False), [[0], [1], [2]], np.zeros(3)).solve()
    assert how == "greedy" and (greedy >= 0).all()
