"""Day tours: nearest neighbour + 2-opt against brute force on small days."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.core.travel import TravelModel
from allocate.schedule.plan.tours import (
    brute_force_tour,
    cheapest_insertion,
    estimate_tour,
    tour_length,
    travel_matrix_min,
)


def test_points_on_a_line_exact() -> None:
    # base at 0, stops at 1, 2, 3 (minutes on a line): the tour is 0-1-2-3-0 = 6
    x = np.array([0.0, 3.0, 1.0, 2.0])
    dist = np.abs(x[:, None] - x[None, :])
    order, length = estimate_tour(dist)
    assert length == pytest.approx(6.0)
    assert order in ([2, 3, 1], [1, 3, 2])


@pytest.mark.parametrize("seed", range(30))
def test_estimate_close_to_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 8))  # up to 7 stops
    lat, lon = 45 + rng.normal(0, 0.3, k + 1), 5 + rng.normal(0, 0.4, k + 1)
    dist = travel_matrix_min(lat, lon, TravelModel())
    order, length = estimate_tour(dist)
    best_order, best = brute_force_tour(dist)
    assert sorted(order) == list(range(1, k + 1))
    assert length == pytest.approx(tour_length(dist, order))
    assert best - 1e-9 <= length <= 1.05 * best  # 2-opt on <= 7 stops: within 5 % here


def test_cheapest_insertion_never_shorter_than_optimum() -> None:
    rng = np.random.default_rng(1)
    lat, lon = 45 + rng.normal(0, 0.3, 6), 5 + rng.normal(0, 0.4, 6)
    dist = travel_matrix_min(lat, lon, TravelModel())
    order, _ = estimate_tour(dist[:5, :5])
    new, length = cheapest_insertion(dist, order, 5)
    assert sorted(new) == [1, 2, 3, 4, 5]
    assert length >= brute_force_tour(dist)[1] - 1e-9
