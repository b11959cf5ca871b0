"""A small assignment problem whose optimum is known by hand."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.solvers.problem import AssignmentProblem


def three_items(capacity=(4.0, 4.0), **kw) -> AssignmentProblem:
    """Three items, two sellers, every item a candidate of both.

    ====  ======  ======  ====
    item  cost 0  cost 1  load
    ====  ======  ======  ====
    0     1       5       2
    1     1       4       2
    2     3       2       2
    ====  ======  ======  ====

    Capacity 4 per seller (by default): each takes two items at most. The optimum gives items 0
    and 1 to seller 0 and item 2 to seller 1: cost 1 + 1 + 2 = 4.
    """
    return AssignmentProblem(
        capacity=np.array(capacity, dtype=float),
        indptr=np.array([0, 2, 4, 6]),
        seller=np.array([0, 1, 0, 1, 0, 1]),
        cost=np.array([1.0, 5.0, 1.0, 4.0, 3.0, 2.0]),
        load=np.full(6, 2.0),
        **kw,
    )


@pytest.fixture()
def problem() -> AssignmentProblem:
    return three_items()
