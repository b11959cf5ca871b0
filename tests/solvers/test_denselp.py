"""The bundle method's small LPs on GLOP: optimum, equality rows, and no answer without a proof."""

from __future__ import annotations

import itertools

import numpy as np

from allocate.solvers.denselp import minimize


def test_optimum_matches_the_best_vertex() -> None:
    # min -x - 2y, x + y <= 4, x + 3y <= 6, 0 <= x, y <= 3: vertices checked by hand below
    c = np.array([-1.0, -2.0])
    a = np.array([[1.0, 1.0], [1.0, 3.0]])
    b = np.array([4.0, 6.0])
    got = minimize(c, a, b, np.zeros(2), np.full(2, 3.0))
    assert got is not None
    grid = [np.array(p) for p in itertools.product(np.linspace(0, 3, 61), repeat=2)]
    best = min(float(c @ p) for p in grid if np.all(a @ p <= b + 1e-9))
    assert abs(got[1] - best) < 1e-6 and abs(got[1] - float(c @ got[0])) < 1e-9
    assert np.all(a @ got[0] <= b + 1e-7)


def test_equality_rows_and_free_variables() -> None:
    # min |y - 2| written as y = 2 + u - w, min u + w: optimum 0 at y = 2
    got = minimize(
        np.array([0.0, 1.0, 1.0]), np.zeros((1, 3)), np.zeros(1),
        np.array([-np.inf, 0.0, 0.0]), np.full(3, np.inf),
        np.array([[1.0, -1.0, 1.0]]), np.array([2.0]),
    )
    assert got is not None and abs(got[1]) < 1e-9 and abs(got[0][0] - 2.0) < 1e-9


def test_infeasible_gives_none() -> None:
    assert minimize(np.ones(1), np.array([[1.0]]), np.array([-1.0]), np.zeros(1), np.ones(1)) is None
