"""Bands: zero exactly inside, growing outside."""

from __future__ import annotations

import numpy as np

from allocate.solvers.design.balance import Bands, deviations


def test_excess_zero_inside_and_positive_outside() -> None:
    b = Bands.of(np.array([[1.0, 10.0], [1.0, 30.0]]), 2, 0.1)  # means 1 and 20
    assert b.excess(np.array([1.1, 18.0])) == 0.0
    assert b.excess(np.array([1.2, 20.0])) > 0
    assert b.excess(np.array([[1.0, 20.0], [0.5, 20.0]])).tolist()[0] == 0.0
    assert np.allclose(deviations(np.array([[1.1, 18.0]]), b.mean), [[0.1, 0.1]])
