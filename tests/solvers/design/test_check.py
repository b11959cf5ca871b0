"""The independent checker, on hand-made partitions."""

from __future__ import annotations

import pytest

from allocate.solvers.design.check import check_design

# path 0-1-2-3 with lengths 1, 2, 3
EDGES = [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 3.0)]


def test_feasible_partition_and_values() -> None:
    c = check_design(4, EDGES, [[1], [1], [1], [1]], 0.0, 2, [0, 0, 1, 1])
    assert c.feasible and c.connected == 2 and c.max_dev == 0
    assert c.dispersion == 3.0  # {2, 3}
    assert c.median == 1.0 + 3.0


def test_split_territory_is_reported() -> None:
    c = check_design(4, EDGES, [[1], [1], [1], [1]], 0.0, 2, [0, 1, 0, 1])
    assert not c.feasible and c.connected == 0
    assert any("not connected" in p for p in c.problems)


def test_band_checked_on_raw_values() -> None:
    # mean 2.0005: 2.001 deviates 0.025%, just over a 0.02% tolerance
    w = [[1.0], [1.001], [1.0], [1.0]]
    assert not check_design(4, EDGES, w, 0.0002, 2, [0, 0, 1, 1]).feasible
    assert check_design(4, EDGES, w, 0.0003, 2, [0, 0, 1, 1]).feasible


def test_dispersion_uses_paths_through_other_territories() -> None:
    # square 0-1-2-3-0 with a long edge 0-3: 0 and 3 in one territory are 1+1+1 = 3 apart
    edges = [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (0, 3, 10.0)]
    c = check_design(4, edges, [[1]] * 4, 0.0, 2, [0, 1, 1, 0])
    assert c.feasible and c.dispersion == pytest.approx(3.0)


def test_bad_labels_and_empty_territory() -> None:
    c = check_design(4, EDGES, [[1]] * 4, 1.0, 3, [0, 0, 1, 1])
    assert not c.feasible and any("empty" in p for p in c.problems)
    c = check_design(4, EDGES, [[1]] * 4, 1.0, 2, [0, 0, 1, 5])
    assert not c.feasible and any("not in" in p for p in c.problems)
