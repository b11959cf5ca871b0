"""The one outcome of every solve in allocate: alignment, action plan, p-median, contiguity.

What a status says must be true:

- ``OPTIMAL``: the solution is proven optimal (the bound meets the objective);
- ``FEASIBLE``: a solution that meets every hard rule, not proven optimal (a limit stopped the
  proof);
- ``INFEASIBLE``: proven that no solution exists;
- ``UNKNOWN``: no solution was found and nothing was proven.
"""

from __future__ import annotations

import math
from enum import StrEnum


class SolveStatus(StrEnum):
    """Outcome of a solve (a string enum: ``SolveStatus.OPTIMAL == "optimal"``).

    Attributes
    ----------
    OPTIMAL
        Proven optimal.
    FEASIBLE
        Meets every hard rule, not proven optimal.
    INFEASIBLE
        Proven that no solution exists.
    UNKNOWN
        No solution found, nothing proven.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"

    @property
    def has_solution(self) -> bool:
        """True when a solution came with the status (optimal or feasible)."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


def relative_gap(objective: float, best_bound: float) -> float:
    """The relative optimality gap ``(objective - best_bound) / |objective|``, at least 0.

    Parameters
    ----------
    objective
        The value of the solution (minimisation).
    best_bound
        The best proven lower bound.

    Returns
    -------
    float
        The gap (0 when proven optimal); NaN when either value is not finite (no bound, or no
        solution). The denominator is at least 1e-9, so an objective of 0 gives no division by 0.
    """
    if not math.isfinite(best_bound) or not math.isfinite(objective):
        return float("nan")
    return max(0.0, (objective - best_bound) / max(abs(objective), 1e-9))
