"""The sellers' solves on Dask: same plan as the process pool, cancelled on Ctrl-C; the client and
the scheduler address check."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.batch import dask as batch_dask
from allocate.batch.dask import check_scheduler, dask_map
from allocate.core.errors import InputError
from allocate.schedule import PlanConfig, plan_actions
from allocate.schedule.parallel import pool_map
from tests.schedule.mapper_instance import MONDAY, by_base, small_instance


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return small_instance(tmp_path_factory)


def test_dask_local_cluster_gives_the_pool_plan(small) -> None:  # type: ignore[no-untyped-def]
    from distributed import Client, LocalCluster

    folder, inst = small
    # small enough for CP-SAT to prove every seller's plan optimal well within its share of
    # the limit, so that no wall-clock cut-off can make the two runs differ
    cfg = PlanConfig(weeks=1, start=MONDAY, time_limit_s=20, workers=2, seed=3)
    pool = plan_actions(inst, by_base(inst), cfg, instance_dir=folder, mapper=pool_map(2))
    assert pool.seller_status == ("optimal",) * 3
    assert 0 < pool.placed.sum() < len(pool.actions)  # capacity binds: the plan is not trivial
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        dask = plan_actions(inst, by_base(inst), cfg, instance_dir=folder, mapper=dask_map(client))
    assert dask.seller_status == pool.seller_status
    assert np.array_equal(dask.day, pool.day) and np.array_equal(dask.start_min, pool.start_min)
    assert np.array_equal(dask.travel_min, pool.travel_min) and dask.reason == pool.reason


class _Pending:
    """A Dask future that never finishes."""

    status = "pending"

    def done(self) -> bool:
        return False


class _Client:
    """Records what is submitted and cancelled."""

    def __init__(self) -> None:
        self.submitted: list[_Pending] = []
        self.cancelled: list[_Pending] = []

    def submit(self, fn, x, key: str, priority: int, pure: bool) -> _Pending:  # type: ignore[no-untyped-def]
        self.submitted.append(_Pending())
        return self.submitted[-1]

    def cancel(self, futures: list[_Pending], force: bool) -> None:
        assert force
        self.cancelled += futures


def test_ctrl_c_cancels_the_dask_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    def ctrl_c(seconds: float) -> None:
        raise KeyboardInterrupt  # arrives while the mapper waits for the tasks

    monkeypatch.setattr(batch_dask.time, "sleep", ctrl_c)
    client = _Client()
    with pytest.raises(KeyboardInterrupt):
        dask_map(client)(abs, [-1, -2, -3])
    assert len(client.submitted) == 3 and client.cancelled == client.submitted




def test_dask_map_keeps_the_input_order_and_prioritizes_big_problems() -> None:
    class Done:
        status = "finished"

        def __init__(self, value: int) -> None:
            self.value = value

        def done(self) -> bool:
            return True

    class Client:
        def __init__(self) -> None:
            self.keys: list[str] = []
            self.priorities: list[int] = []

        def submit(self, fn, x, key: str, priority: int, pure: bool) -> Done:  # type: ignore[no-untyped-def]
            assert not pure
            self.keys.append(key)
            self.priorities.append(priority)
            return Done(fn(x))

        def gather(self, futures: list[Done]) -> list[int]:
            return [f.value for f in futures]

    client = Client()
    assert dask_map(client)(abs, [-3, 2, -1]) == [3, 2, 1]
    assert len(set(client.keys)) == 3 and client.priorities == [0, 0, 0]
    assert dask_map(client)(abs, []) == []


@pytest.mark.parametrize("address", [None, "tcp://HOST:8786", "tls://h:1", "inproc://x"])
def test_scheduler_addresses_accepted(address: str | None) -> None:
    check_scheduler(address)


@pytest.mark.parametrize("address", ["localhost:8786", "http://h:8786", ""])
def test_scheduler_addresses_refused(address: str) -> None:
    with pytest.raises(InputError, match="tcp://HOST:8786"):
        check_scheduler(address)
