"""The process pool mapper: results in input order, in-process for one worker, same plan."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.schedule import PlanConfig, plan_actions
from allocate.schedule.parallel import pool_map, problem_size
from tests.schedule.mapper_instance import MONDAY, by_base, small_instance


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return small_instance(tmp_path_factory)


class _Problem:
    def __init__(self, n: int) -> None:
        self.n = n


def _square(x: int) -> int:
    return x * x


def test_pool_returns_results_in_input_order() -> None:
    items = [3, 1, 4, 1, 5, 9, 2, 6]
    assert pool_map(2)(_square, items) == [x * x for x in items]
    assert pool_map(1)(_square, items) == [x * x for x in items]  # in-process
    assert pool_map(4)(_square, []) == []


def test_problem_size_orders_big_problems_first() -> None:
    assert problem_size(_Problem(7)) == 7 and problem_size(object()) == 0


def test_one_worker_and_a_pool_give_the_same_plan(small) -> None:  # type: ignore[no-untyped-def]
    folder, inst = small
    cfg = PlanConfig(weeks=1, start=MONDAY, time_limit_s=20, workers=2, seed=3)
    one = plan_actions(inst, by_base(inst), cfg, instance_dir=folder, mapper=pool_map(1))
    two = plan_actions(inst, by_base(inst), cfg, instance_dir=folder, mapper=pool_map(2))
    assert one.seller_status == two.seller_status == ("optimal",) * 3
    assert np.array_equal(one.day, two.day) and np.array_equal(one.start_min, two.start_min)
