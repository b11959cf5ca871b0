"""Local search of one seller's days: relocation fill, consolidation, CP-SAT skipped when starved."""

from __future__ import annotations

import datetime as dt

import numpy as np
from tests.schedule.test_plan import _random_instance, whole

from allocate.core.travel import TravelModel
from allocate.schedule import PlanConfig, plan_actions
from allocate.schedule.plan import SellerProblem, _DayBook


def desk_problem(
    durations: list[int],
    groups: list[int],
    day_cap: list[int],
    lags: tuple[tuple[int, int, int, int], ...] = (),
) -> SellerProblem:
    """A seller with desk work only (no travel): actions of ``durations`` in ``groups``."""
    n = len(durations)
    rank = [groups[:k].count(g) for k, g in enumerate(groups)]
    return SellerProblem(
        seller=0,
        day_cap=np.array(day_cap, dtype=np.int64),
        free_cap=np.array(day_cap, dtype=np.int64),
        duration=np.array(durations, dtype=np.int64),
        is_visit=np.zeros(n, dtype=bool),
        release=np.zeros(n, dtype=np.int64),
        due=np.full(n, -1, dtype=np.int64),
        group=np.array(groups, dtype=np.int64),
        chain_rank=np.array(rank, dtype=np.int64),
        value=np.ones(n),
        lags=lags,
        base_min=np.zeros(n),
        lat=np.full(n, 45.0),
        lon=np.full(n, 5.0),
        travel=TravelModel(),
        budget_s=1.0,
        seed=0,
    )


def free(book: _DayBook) -> list[float]:
    return [float(book.p.day_cap[d] - book.load(d)) for d in range(len(book.p.day_cap))]


def test_relocation_makes_room_for_a_long_action() -> None:
    # two half-full days of 60 minutes; the 60-minute action fits once a 30 moves over
    p = desk_problem([30, 30, 60], [0, 1, 2], [60, 60])
    book = _DayBook(p, np.array([0, 1, -1]), max_evals=1000)
    assert book.relocate_fill([[0], [1], [2]]) == 1
    assert book.day.tolist() == [1, 1, 0]  # nothing left the plan
    assert free(book) == [0.0, 0.0]


def test_relocation_keeps_the_lags_of_planned_chains() -> None:
    # a chain 0 -> 1 exactly one day apart holds days 0 and 1; action 2 needs a whole day
    p = desk_problem([30, 30, 60], [0, 0, 1], [60, 60], lags=((0, 1, 1, 1),))
    book = _DayBook(p, np.array([0, 1, -1]), max_evals=1000)
    assert book.relocate_fill([[0, 1], [2]]) == 0
    assert book.day.tolist() == [0, 1, -1]  # every day put back as it was


def test_relocation_stops_at_its_evaluation_budget() -> None:
    p = desk_problem([30, 30, 60], [0, 1, 2], [60, 60])
    book = _DayBook(p, np.array([0, 1, -1]), max_evals=0)
    assert book.relocate_fill([[0], [1], [2]]) == 0 and book.day[2] == -1


def test_consolidation_gathers_free_time_into_one_day() -> None:
    # three 20-minute actions spread over three 60-minute days: 40 free minutes each
    p = desk_problem([20, 20, 20], [0, 1, 2], [60, 60, 60])
    book = _DayBook(p, np.array([0, 1, 2]), max_evals=1000)
    assert book.consolidate() > 0
    assert sorted(free(book)) == [0.0, 60.0, 60.0]
    assert (book.day >= 0).all()
    # a swap: no action fits elsewhere, but the 40 and the 35 trade days (5 minutes move)
    p = desk_problem([40, 35, 15], [0, 1, 2], [60, 60])
    book = _DayBook(p, np.array([0, 1, 1]), max_evals=1000)
    assert free(book) == [20.0, 10.0]
    assert book.consolidate() == 1
    assert book.day.tolist() == [1, 0, 1] and free(book) == [25.0, 5.0]


def test_cpsat_is_skipped_when_its_share_of_time_is_too_small() -> None:
    inst = _random_instance(n=10, seed=9)
    monday = dt.date(2027, 1, 4)
    starved = PlanConfig(weeks=1, start=monday, time_limit_s=0.2, workers=1, seed=1)
    plan = plan_actions(inst, whole(inst), starved)
    assert plan.seller_status == ("greedy",)
    roomy = PlanConfig(weeks=1, start=monday, time_limit_s=20, workers=1, seed=1)
    assert plan_actions(inst, whole(inst), roomy).seller_status == ("optimal",)
