"""Readers of the OR-Library p-median files."""

from __future__ import annotations

from allocate.io.benchmarks.orlib import read_pmed, read_pmedcap


def test_pmed_reader_last_duplicate_edge_wins(tmp_path):
    path = tmp_path / "tiny.txt"
    # Edge 1-2 is listed twice: the second cost (7) must be used, not the minimum (2).
    path.write_text("3 3 1\n1 2 2\n2 3 1\n2 1 7\n")
    instance = read_pmed(path)
    assert instance.cost[0, 1] == 7
    assert instance.cost[0, 2] == 8
    assert instance.cost[2, 0] == 8


def test_pmedcap_reader_floors_euclidean(tmp_path):
    path = tmp_path / "cap.txt"
    path.write_text("1 10\n3 1 20\n1 0 0 5\n2 3 4 6\n3 1 1 7\n")
    instance = read_pmedcap(path)
    assert instance.cost[0, 1] == 5
    assert instance.cost[0, 2] == 1  # floor(sqrt(2))
    assert instance.capacity == 20
    assert instance.demand is not None
    assert instance.demand.tolist() == [5, 6, 7]
