"""The iterated location-allocation local search of the capacitated p-median."""

from __future__ import annotations

import time

import numpy as np
import pytest

from allocate.sizing.capacitated.allocation import regret_allocation
from allocate.sizing.capacitated.search import LocationAllocationSearch
from tests.sizing.capacitated.cases import assert_feasible, brute_force, planar


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_local_search_alone_reaches_brute_force_optimum(seed):
    problem = planar(9, seed, 3, 1)
    search = LocationAllocationSearch(problem, time.monotonic() + 10, seed=0, rounds=10)
    found = search.run([np.array([0, 1, 2])])
    assert found is not None
    assert found.cost == brute_force(problem)
    assert found.cost == problem.cost_of(found.assignment)
    assert_feasible(problem, found.medians, found.assignment)


def test_local_search_respects_capacity_and_self_service_on_a_larger_instance():
    problem = planar(60, 5, 6, 2)
    search = LocationAllocationSearch(problem, time.monotonic() + 8, seed=0, rounds=5)
    start = np.arange(6)
    first = regret_allocation(problem, start)
    found = search.run([start])
    assert found is not None
    assert_feasible(problem, found.medians, found.assignment)
    assert found.cost == problem.cost_of(found.assignment)
    if first is not None:  # the search never ends worse than its greedy start
        assert found.cost <= problem.cost_of(first)


def test_local_search_is_deterministic_for_a_seed():
    problem = planar(40, 6, 4, 2)
    runs = [
        LocationAllocationSearch(problem, time.monotonic() + 30, seed=7, rounds=5).run(
            [np.arange(4)]
        )
        for _ in range(2)
    ]
    assert runs[0] is not None and runs[1] is not None
    assert runs[0].medians.tolist() == runs[1].medians.tolist()
    assert runs[0].assignment.tolist() == runs[1].assignment.tolist()
