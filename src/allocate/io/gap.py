"""Reader for the OR-Library generalized assignment (GAP) format, mapped onto the alignment engine.

Format (whitespace-separated integers; line breaks carry no meaning)::

    m n
    c[0][0..n-1] ... c[m-1][0..n-1]    cost of job j on agent i
    a[0][0..n-1] ... a[m-1][0..n-1]    resource of job j on agent i
    b[0..m-1]                          capacity of agent i

Jobs become items and agents become sellers: ``a[i][j]`` is the seller-specific workload,
``b[i]`` the capacity and ``c[i][j]`` the assignment cost (the same input path as a
user-supplied travel matrix). Every agent is a candidate for every job.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError
from ..solvers.problem import AssignmentProblem


def read_gap(path: str | Path) -> AssignmentProblem:
    """Read one OR-Library GAP file as an :class:`AssignmentProblem` (minimisation)."""
    path = Path(path)
    try:
        values = np.array(path.read_text().split(), dtype=np.int64)
    except ValueError:
        raise InputError.single(str(path), "not a GAP file: non-integer token") from None
    if len(values) < 2:
        raise InputError.single(str(path), "not a GAP file: too short")
    m, n = int(values[0]), int(values[1])
    need = 2 + 2 * m * n + m
    if len(values) < need:
        raise InputError.single(str(path), f"GAP file has {len(values)} numbers, expected {need}")
    c = values[2 : 2 + m * n].reshape(m, n)
    a = values[2 + m * n : 2 + 2 * m * n].reshape(m, n)
    b = values[2 + 2 * m * n : need]
    # item-major candidate lists: job j -> all agents
    indptr = np.arange(0, (n + 1) * m, m, dtype=np.int64)
    seller = np.tile(np.arange(m, dtype=np.int64), n)
    return AssignmentProblem(
        capacity=b.astype(float),
        indptr=indptr,
        seller=seller,
        cost=c.T.reshape(-1).astype(float),
        load=a.T.reshape(-1).astype(float),
        labels=tuple("all jobs" for _ in range(n)),
        seller_labels=tuple(f"agent {i}" for i in range(m)),
    )
