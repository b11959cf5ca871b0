"""The one outcome of every solve in allocate: alignment, action plan, p-median, contiguity.

What a status says must be true:

- ``OPTIMAL``: the solution is proven optimal (the bound meets the objective);
- ``FEASIBLE``: a solution that meets every hard rule, not proven optimal (a limit stopped the
  proof);
- ``INFEASIBLE``: proven that no solution exists;
- ``UNKNOWN``: no solution was found and nothing was proven.
"""

from __future__ import annotations

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
