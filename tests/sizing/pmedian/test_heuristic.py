"""The interchange's swap estimate and the interchange."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from allocate.sizing.pmedian.heuristic import interchange, polish, swap_deltas
from allocate.solvers.pmedian import assign
from tests.sizing.pmedian.cases import brute_force

#: four clients on a line at 0, 1, 10, 11; candidates at the same places
LINE = np.abs(np.subtract.outer([0.0, 1.0, 10.0, 11.0], [0.0, 1.0, 10.0, 11.0]))


def test_swap_deltas_equal_the_recomputed_change_of_every_swap() -> None:
    rng = np.random.default_rng(3)
    costs = rng.integers(1, 50, size=(12, 7)).astype(float)
    medians = np.array([0, 4, 5])
    sub = costs[:, medians]
    order = np.argsort(sub, axis=1, kind="stable")
    rows = np.arange(12)
    delta = swap_deltas(costs, medians, medians[order[:, 0]], sub[rows, order[:, 0]], sub[rows, order[:, 1]])
    base = assign(costs, medians)[1]
    for r, j in itertools.product(range(3), range(7)):
        if j in medians:
            assert delta[r, j] == np.inf
            continue
        swapped = medians.copy()
        swapped[r] = j
        assert delta[r, j] == pytest.approx(assign(costs, swapped)[1] - base)


def test_interchange_is_swap_optimal_and_finds_small_optima() -> None:
    for seed in range(4):
        rng = np.random.default_rng(seed)
        costs = rng.integers(1, 100, size=(10, 8)).astype(float)
        found = interchange(costs, np.array([0, 1, 2]), time.monotonic() + 10)
        value = assign(costs, found)[1]
        for r, j in itertools.product(range(3), range(8)):
            if j not in found:
                swapped = found.copy()
                swapped[r] = j
                assert assign(costs, swapped)[1] >= value - 1e-9
        assert value >= brute_force(costs, 3)
    # the line: two clusters, one median in each
    assert sorted(interchange(LINE, np.array([0, 1]), time.monotonic() + 10).tolist()) in ([0, 2], [0, 3], [1, 2], [1, 3])


def test_polish_interchanges_only_below_the_incumbent() -> None:
    deadline = time.monotonic() + 10
    start = np.array([0, 1])
    value = assign(LINE, start)[1]
    # no better than the incumbent: returned as it is, with its cost
    same, v = polish(LINE, start, value, deadline)
    assert same is start and v == value
    # better: interchanged, with the cost of the result
    better, v = polish(LINE, start, value + 1.0, deadline)
    assert sorted(better.tolist()) == sorted(interchange(LINE, start, deadline).tolist())
    assert v == assign(LINE, better)[1] <= value
