"""The Lagrangian bound of the uncapacitated p-median and the polish from its dual solution."""

from __future__ import annotations

import time

import numpy as np
import pytest

from allocate.sizing.pmedian.lagrangian import lagrangian, polish_from_dual
from allocate.solvers.pmedian import assign, greedy
from tests.sizing.pmedian.cases import brute_force


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_bound_is_valid_and_the_incumbent_real(seed) -> None:
    rng = np.random.default_rng(seed)
    costs = rng.integers(1, 100, size=(12, 9)).astype(float)
    optimum = brute_force(costs, 3)
    lag = lagrangian(costs, 3, greedy(costs, 3), time.monotonic() + 10)
    assert lag.bound <= optimum + 1e-6
    # at least the trivial bound: every client at its cheapest candidate
    assert lag.bound >= costs.min(axis=1).sum() - 1e-6
    assert lag.upper == assign(costs, lag.medians)[1] >= optimum
    better = polish_from_dual(costs, 3, lag, time.monotonic() + 10)
    assert assign(costs, better)[1] <= lag.upper


def test_a_tight_instance_is_closed_by_the_bound() -> None:
    # two far clusters of two: the LP bound is integral and meets the optimum (2)
    line = np.abs(np.subtract.outer([0.0, 1.0, 10.0, 11.0], [0.0, 1.0, 10.0, 11.0]))
    lag = lagrangian(line, 2, np.array([0, 1]), time.monotonic() + 10)
    assert np.ceil(lag.bound - 1e-6) == 2.0
    assert lag.upper == 19.0  # both medians in one cluster: the bound alone does not repair it
    # the polish from the dual solution at the best multipliers does: one median per cluster
    polished = polish_from_dual(line, 2, lag, time.monotonic() + 10)
    assert assign(line, polished)[1] == 2.0


def test_closed_candidates_are_never_chosen() -> None:
    line = np.abs(np.subtract.outer([0.0, 1.0, 10.0, 11.0], [0.0, 1.0, 10.0, 11.0]))
    closed = np.array([False, False, True, True])
    lag = lagrangian(line, 2, np.array([0, 1]), time.monotonic() + 10, closed=closed)
    # only 0 and 1 may open: the far clients pay 9 + 10 at least
    assert lag.bound >= 1e-6 + 0 + 0 + 9 + 10 - 1e-5
