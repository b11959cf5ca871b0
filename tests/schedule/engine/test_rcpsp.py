"""The RCPSP as an engine problem: a hand-built instance, and the public j30 optima."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from allocate import SolveStatus
from allocate.io.benchmarks.psplib import RcpspInstance, read_psplib
from allocate.schedule.engine.check import check_schedule
from allocate.schedule.engine.rcpsp import to_schedule_problem
from allocate.schedule.engine.solve import solve_schedule

RCPSP = Path("/work/shared/bench-data/rcpsp")
needs_j30 = pytest.mark.skipif(not (RCPSP / "j30").is_dir(), reason="PSPLIB j30 not available")


def _known() -> dict[str, int]:
    with (RCPSP / "known_values.csv").open(newline="") as fh:
        return {row["instance"]: int(row["best_known"]) for row in csv.DictReader(fh)}


def test_jobs_arcs_and_resources_become_tasks_precedences_and_resources() -> None:
    inst = RcpspInstance(
        name="tiny",
        durations=(0, 3, 2, 0),
        demands=((0,), (1,), (1,), (0,)),
        successors=((1, 2), (3,), (3,), ()),
        capacities=(1,),
        horizon=4,
    )
    p = to_schedule_problem(inst)
    assert [t.name for t in p.tasks] == ["job1", "job2", "job3", "job4"]
    assert [(t.duration, t.demands, t.optional) for t in p.tasks][1] == (3, (1,), False)
    assert [(q.pred, q.succ, q.min_lag, q.max_lag) for q in p.precedences] == [
        (0, 1, 0, None),
        (0, 2, 0, None),
        (1, 3, 0, None),
        (2, 3, 0, None),
    ]
    assert [(r.capacity, r.name) for r in p.resources] == [(1, "R1")]
    assert p.objective == "makespan"
    assert p.horizon == 5  # the file's 4 is below the sum of durations


# j309_10: the SGS misses the optimum by one and the old portfolio left it unproven at 10 s.
@needs_j30
@pytest.mark.parametrize("name", ["j301_1", "j302_3", "j3010_1", "j309_10"])
def test_j30_solved_to_known_optimum(name):
    problem = to_schedule_problem(read_psplib(RCPSP / "j30" / f"{name}.sm"))
    result = solve_schedule(problem, time_limit_s=10, workers=2, seed=0)
    assert result.status is SolveStatus.OPTIMAL
    assert result.makespan == _known()[name]
    assert check_schedule(problem, result.starts, result.present) == []
