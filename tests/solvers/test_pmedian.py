"""Nearest-median assignment and greedy addition (the shared p-median helpers)."""

from __future__ import annotations

import numpy as np

from allocate.solvers.pmedian import assign, greedy

#: four clients on a line at 0, 1, 10, 11; candidates at the same places
LINE = np.abs(np.subtract.outer([0.0, 1.0, 10.0, 11.0], [0.0, 1.0, 10.0, 11.0]))


def test_assign_serves_every_client_from_its_nearest_median() -> None:
    served, total = assign(LINE, np.array([1, 3]))
    assert served.tolist() == [1, 1, 3, 3]
    assert total == 1 + 0 + 1 + 0


def test_greedy_opens_the_best_single_median_first() -> None:
    # alone, candidate 1 costs 1 + 0 + 9 + 10 = 20 (candidate 2: 10 + 9 + 0 + 1 = 20, later)
    chosen = greedy(LINE, 2)
    assert chosen[0] == 1
    assert chosen.tolist() == [1, 2]  # then the far pair's nearer end
