"""The Lagrangian branch-and-bound proves small uncapacitated optima."""

from __future__ import annotations

import time

import numpy as np
import pytest

from allocate.sizing.pmedian.branch import branch_and_bound
from allocate.sizing.pmedian.lagrangian import lagrangian
from allocate.solvers.pmedian import assign, greedy
from tests.sizing.pmedian.cases import brute_force


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_branch_and_bound_from_a_greedy_start_reaches_the_optimum(seed) -> None:
    rng = np.random.default_rng(seed)
    costs = rng.integers(1, 100, size=(14, 10)).astype(float)
    p = 3
    start = greedy(costs, p)
    lag = lagrangian(costs, p, start, time.monotonic())  # out of time: trivial multipliers
    _, upper = assign(costs, start)
    allowed = np.ones(costs.shape, dtype=bool)
    closed = np.zeros(10, dtype=bool)
    found = branch_and_bound(costs, p, allowed, closed, start, upper, lag.multipliers, time.monotonic() + 20)
    assert found.proven and found.nodes >= 1
    assert found.upper == assign(costs, found.medians)[1] == brute_force(costs, p)


def test_out_of_time_returns_the_incumbent_unproven() -> None:
    costs = np.random.default_rng(9).integers(1, 100, size=(14, 10)).astype(float)
    start = greedy(costs, 3)
    _, upper = assign(costs, start)
    found = branch_and_bound(
        costs, 3, np.ones(costs.shape, bool), np.zeros(10, bool), start, upper, costs.min(axis=1), time.monotonic() - 1
    )
    assert not found.proven and found.upper == upper and found.medians.tolist() == start.tolist()
