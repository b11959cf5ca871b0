"""Integer scaling for CP-SAT: loads rounded up, capacities down, objective to the nearest unit."""

from __future__ import annotations

import numpy as np

from allocate.solvers.problem import AssignmentProblem
from allocate.solvers.scaling import (
    LOAD_SCALE,
    OBJ_SCALE,
    POTENTIAL_SCALE,
    Scales,
    scales_for,
    snap,
)


def test_integer_data_keep_unit_scales() -> None:
    s = Scales.for_data(np.array([1.0, 2.0]), np.array([3.0]), np.array([4.0, 5.0]))
    assert (s.load, s.obj, s.potential) == (1.0, 1.0, POTENTIAL_SCALE)
    s = Scales.for_data(np.array([1.5]), np.array([3.0]), np.array([4.0]))
    assert (s.load, s.obj) == (LOAD_SCALE, OBJ_SCALE)


def test_rounding_keeps_integer_plans_feasible_in_hours() -> None:
    s = Scales(1000.0, 1000.0, POTENTIAL_SCALE)
    assert s.loads(np.array([0.0014, 0.002])).tolist() == [2, 2]  # up (0.002 exactly stays)
    assert s.capacities(np.array([0.0019, 0.002])).tolist() == [1, 2]  # down
    assert s.objective(np.array([0.0014, 0.0016])).tolist() == [1, 2]  # nearest


def test_snap_gives_the_data_as_cp_sat_sees_it() -> None:
    p = AssignmentProblem(
        capacity=np.array([1.0019]),
        indptr=np.array([0, 1]),
        seller=np.array([0]),
        cost=np.array([0.12345]),
        load=np.array([0.5001]),
    )
    sc = scales_for(p)
    q = snap(p, sc)
    assert q.load.tolist() == [0.501] and q.capacity.tolist() == [1.001]
    assert q.cost.tolist() == [0.123]
    assert q.seller is p.seller  # what is not rounded is shared
