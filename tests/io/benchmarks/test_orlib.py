"""OR-Library p-median readers on hand-written files."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.io.benchmarks.orlib import PMedianInstance, read_pmed, read_pmedcap

# 4 vertices, 5 edges, p = 2: a path 1-2-3-4 and an expensive shortcut 1-4
PMED = """4 5 2
1 2 5
2 3 4
3 4 1
1 4 20
2 1 7
"""


def test_read_pmed_shortest_paths(tmp_path):
    path = tmp_path / "pmed0.txt"
    path.write_text(PMED)
    inst = read_pmed(path)
    assert isinstance(inst, PMedianInstance)
    assert (inst.name, inst.p, inst.demand, inst.capacity, inst.best_known) == ("pmed0", 2, None, None, None)
    # the pair 1-2 is listed twice: the last cost (7) wins, not the smaller one (5)
    assert inst.cost.tolist() == [
        [0, 7, 11, 12],
        [7, 0, 4, 5],
        [11, 4, 0, 1],
        [12, 5, 1, 0],
    ]
    assert inst.cost.dtype == np.int64


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("3 2 1\n1 2 5\n", "header announces 2 edges, file holds 1"),
        ("3 2 1\n1 2 5\n2 4 1\n", "edge endpoint outside 1..3"),
        ("3 1 1\n1 2 5\n", "graph is not connected"),
        ("2 1 3\n1 2 5\n", "p=3 outside 1..2"),
    ],
)
def test_malformed_pmed(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        read_pmed(path)


def test_read_pmedcap_floor_distances(tmp_path):
    # problem 1, best known 9; 3 points, p = 1, capacity 20
    path = tmp_path / "cap1.txt"
    path.write_text("1 9\n3 1 20\n1 0 0 4\n2 3 4 5\n3 1 1 6\n")
    inst = read_pmedcap(path)
    # |(0,0)-(3,4)| = 5, |(0,0)-(1,1)| = 1.41 -> 1, |(3,4)-(1,1)| = 3.61 -> 3
    assert inst.cost.tolist() == [[0, 5, 1], [5, 0, 3], [1, 3, 0]]
    assert inst.demand.tolist() == [4, 5, 6]
    assert (inst.p, inst.capacity, inst.best_known, inst.name) == (1, 20, 9, "cap1")


def test_malformed_pmedcap(tmp_path):
    path = tmp_path / "cap.txt"
    path.write_text("1 9\n3 1 20\n1 0 0 4\n2 3 4 5\n")
    with pytest.raises(ValueError, match="expected 3 client rows"):
        read_pmedcap(path)


def test_instance_checks_its_shape():
    with pytest.raises(ValueError, match="cost must be square"):
        PMedianInstance(name="x", cost=np.zeros((2, 3), dtype=np.int64), p=1)
    with pytest.raises(ValueError, match="p=0 outside 1..2"):
        PMedianInstance(name="x", cost=np.zeros((2, 2), dtype=np.int64), p=0)


def test_pmed_reader_last_duplicate_edge_wins(tmp_path):
    path = tmp_path / "tiny.txt"
    # Edge 1-2 is listed twice: the second cost (7) must be used, not the minimum (2).
    path.write_text("3 3 1\n1 2 2\n2 3 1\n2 1 7\n")
    instance = read_pmed(path)
    assert instance.cost[0, 1] == 7
    assert instance.cost[0, 2] == 8
    assert instance.cost[2, 0] == 8
