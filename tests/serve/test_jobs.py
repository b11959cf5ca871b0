"""Background jobs: one at a time, progress, failures reported, cancel."""

from __future__ import annotations

import time

import numpy as np
import pytest

from allocate.core.errors import InfeasibleError
from allocate.serve.jobs import Busy, JobRunner, job_json
from allocate.serve.reoptimize import Proposal


def _proposal() -> Proposal:
    z = np.zeros(0, dtype=np.int64)
    return Proposal(z, z, z, "optimal", 0.1, {}, (), False)


def test_one_job_at_a_time_and_results() -> None:
    runner = JobRunner()

    def slow(cb):
        cb(0.1, 12.0)
        time.sleep(0.3)
        return _proposal()

    job = runner.start("optimize", 1, 1.0, slow)
    with pytest.raises(Busy):
        runner.start("optimize", 1, 1.0, slow)
    assert 0 <= job.progress() < 1
    runner.wait(job.id, 10)
    out = job_json(job, lambda p: {"moves": 0})
    assert out["status"] == "done" and out["proposal"] == {"moves": 0} and out["trace"] == [(0.1, 12.0)]


def test_failures_are_reported_not_raised() -> None:
    runner = JobRunner()

    def infeasible(cb):
        raise InfeasibleError("not enough capacity")

    def broken(cb):
        raise RuntimeError("boom")

    j1 = runner.wait(runner.start("optimize", 1, 1.0, infeasible).id, 10)
    assert j1.status == "failed" and "not enough capacity" in j1.message
    j2 = runner.wait(runner.start("optimize", 1, 1.0, broken).id, 10)
    assert j2.status == "failed" and j2.message.startswith("internal error: RuntimeError")


def test_cancel_drops_the_proposal() -> None:
    runner = JobRunner()
    job = runner.start("optimize", 1, 5.0, lambda cb: (time.sleep(0.3), _proposal())[1])
    runner.cancel(job.id)
    runner.wait(job.id, 10)
    assert job.status == "cancelled" and "proposal" not in job_json(job, lambda p: {})
