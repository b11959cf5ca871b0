"""Reader for the OR-Library generalized assignment (GAP) format.

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

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from allocate.core.errors import InputError


@dataclass(frozen=True)
class GapInstance:
    """One GAP instance (agents are sellers, jobs are items).

    Parameters
    ----------
    cost
        ``(agents, jobs)``: cost of job ``j`` on agent ``i``.
    load
        ``(agents, jobs)``: resource that job ``j`` uses on agent ``i``.
    capacity
        ``(agents,)``: capacity of agent ``i``.
    """

    cost: NDArray[np.int64]
    load: NDArray[np.int64]
    capacity: NDArray[np.int64]


def read_gap(path: str | Path) -> GapInstance:
    """Read one OR-Library GAP file.

    Parameters
    ----------
    path
        The file (``gap1.txt`` holds several instances in the OR-Library; the files of
        ``bench-data/gap`` hold one each).

    Returns
    -------
    GapInstance
        The cost, load and capacity arrays; :func:`allocate.solvers.problem.dense_problem`
        turns them into an assignment problem.

    Raises
    ------
    InputError
        When the file is not in the GAP format (the file is named).
    """
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
    return GapInstance(
        cost=values[2 : 2 + m * n].reshape(m, n),
        load=values[2 + m * n : 2 + 2 * m * n].reshape(m, n),
        capacity=values[2 + 2 * m * n : need],
    )
