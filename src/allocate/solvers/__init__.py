"""Solvers of the general assignment problem (LP bound, heuristics, CP-SAT, LNS)."""

from .pipeline import AssignmentSolution, SolveParams, SolveStatus, solve_assignment
from .problem import AssignmentProblem, Balance, evaluate

__all__ = [
    "AssignmentProblem",
    "AssignmentSolution",
    "Balance",
    "SolveParams",
    "SolveStatus",
    "evaluate",
    "solve_assignment",
]
