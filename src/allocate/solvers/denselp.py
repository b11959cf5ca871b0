"""Small dense linear programs with OR-Tools GLOP (the bundle method's two LPs per step).

The solver of the project's LPs is GLOP (:mod:`allocate.solvers.lp`); HiGHS stays out of the
processes that run OR-Tools (it is a peer, run in its own process by the benchmarks).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from ortools.linear_solver.python import model_builder_helper as mbh
from scipy.sparse import csr_matrix


def minimize(
    c: NDArray[np.float64],
    a_ub: NDArray[np.float64],
    b_ub: NDArray[np.float64],
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
    a_eq: NDArray[np.float64] | None = None,
    b_eq: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], float] | None:
    """``min c x`` subject to ``a_ub x <= b_ub``, ``a_eq x = b_eq``, ``lower <= x <= upper``.

    Parameters
    ----------
    c
        Objective, one value per variable.
    a_ub, b_ub
        Inequality rows (dense) and their right-hand sides.
    lower, upper
        Variable bounds (``-inf`` / ``inf`` for none).
    a_eq, b_eq
        Equality rows and right-hand sides, if any.

    Returns
    -------
    tuple or None
        The optimal point and value, or None when GLOP did not prove an optimum.
    """
    rows = [np.atleast_2d(a_ub)]
    lo = [np.full(len(b_ub), -np.inf)]
    hi = [np.asarray(b_ub, dtype=float)]
    if a_eq is not None and b_eq is not None:
        rows.append(np.atleast_2d(a_eq))
        lo.append(np.asarray(b_eq, dtype=float))
        hi.append(np.asarray(b_eq, dtype=float))
    model = mbh.ModelBuilderHelper()
    data = (
        np.asarray(lower, dtype=float), np.asarray(upper, dtype=float), np.asarray(c, dtype=float),
        np.concatenate(lo), np.concatenate(hi), csr_matrix(np.vstack(rows)),
    )
    model.fill_model_from_sparse_data(*data)  # type: ignore[arg-type]  # numpy/ortools stubs
    solver = mbh.ModelSolverHelper("glop")
    solver.solve(model)
    if solver.status() != mbh.SolveStatus.OPTIMAL or not solver.has_solution():
        return None
    return np.asarray(solver.variable_values()), float(solver.objective_value())
