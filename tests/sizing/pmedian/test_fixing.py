"""Reduced-cost fixing of the medians and of the client-median pairs."""

from __future__ import annotations

import itertools
import time

import numpy as np

from allocate.sizing.pmedian.fixing import median_fixing, reduced_cost_fixing
from allocate.sizing.pmedian.heuristic import interchange
from allocate.sizing.pmedian.lagrangian import lagrangian
from allocate.solvers.pmedian import assign, greedy


def test_median_fixing_by_hand() -> None:
    rho = np.array([-10.0, -8.0, -1.0, 5.0])
    # p = 2: the best two are 0 and 1 (rho_(2) = -8, rho_(3) = -1); bound 20, better below 23
    penalty, closed, fixed_open = median_fixing(rho, 2, 20.0, 23.0, incumbent=np.array([0, 1]))
    assert penalty.tolist() == [0.0, 0.0, 7.0, 13.0]
    assert closed.tolist() == [False, False, True, True]  # 20 + 7 > 23 and 20 + 13 > 23
    # closing 0 costs -1 - (-10) = 9 > 3, closing 1 costs 7 > 3: both stay open
    assert fixed_open.tolist() == [True, True, False, False]
    # the incumbent's medians are never closed, and only the incumbent's are fixed open
    _, closed, fixed_open = median_fixing(rho, 2, 20.0, 23.0, incumbent=np.array([0, 3]))
    assert closed.tolist() == [False, False, True, False]
    assert fixed_open.tolist() == [True, False, False, False]


def test_reduced_cost_fixing_keeps_every_optimal_solution() -> None:
    rng = np.random.default_rng(5)
    costs = rng.integers(1, 60, size=(10, 8)).astype(float)
    p = 3
    values = {s: assign(costs, np.array(s))[1] for s in itertools.combinations(range(8), p)}
    optimum = min(values.values())
    deadline = time.monotonic() + 10
    lag = lagrangian(costs, p, greedy(costs, p), deadline)
    medians = interchange(costs, lag.medians, deadline)
    assignment, upper = assign(costs, medians)
    # against upper + 1 an optimal solution is "strictly better" and must survive
    allowed, closed, fixed_open = reduced_cost_fixing(costs, p, lag, medians, assignment, upper + 1, True)
    for s, value in values.items():
        if value == optimum:
            assert not closed[list(s)].any()
            served, _ = assign(costs, np.array(s))
            assert allowed[np.arange(10), served].all()
    assert allowed[np.arange(10), assignment].all()  # the incumbent stays in the model
    assert not (closed & fixed_open).any()
