"""The LP relaxation and the Lagrangian bound on the hand-checked three-item case."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.solvers.lp import lagrangian_bound, lp_relaxation
from tests.solvers.cpsat.conftest import three_items


def test_lp_bound_when_capacity_does_not_bind() -> None:
    lp = lp_relaxation(three_items())
    assert lp.feasible and lp.optimal
    assert lp.bound == pytest.approx(4.0)  # everyone at its cheapest seller: the integer optimum


def test_lp_splits_an_item_on_a_tight_capacity() -> None:
    # seller 0 carries 3 h: item 0 (saves 4) whole and half of item 1 (saves 3):
    # 1 + (0.5 * 1 + 0.5 * 4) + 2 = 5.5, below the integer optimum 7
    lp = lp_relaxation(three_items(capacity=(3.0, 4.0)))
    assert lp.bound == pytest.approx(5.5)
    assert lp.x[:4] == pytest.approx([1.0, 0.0, 0.5, 0.5])
    assert lp.overflow == pytest.approx([0.0, 0.0])


def test_lp_overflow_when_capacity_is_short() -> None:
    lp = lp_relaxation(three_items(capacity=(2.0, 2.0)))  # 6 h on 4
    assert not lp.feasible
    assert float(np.sum(lp.overflow)) == pytest.approx(2.0)


def test_lagrangian_bound_by_hand() -> None:
    p = three_items(capacity=(3.0, 4.0))
    assert lagrangian_bound(p, np.zeros(2)) == pytest.approx(4.0)
    # λ = (1, 0): item costs at seller 0 rise by their 2 h: min(3, 5) + min(3, 4) + min(5, 2) - 3
    assert lagrangian_bound(p, np.array([1.0, 0.0])) == pytest.approx(5.0)
