"""Solvers of the general assignment problem (LP bound, heuristics, CP-SAT, LNS)."""

from allocate.solvers.pipeline import AssignmentSolution, SolveParams, solve_assignment
from allocate.solvers.problem import AssignmentProblem, Balance, evaluate

__all__ = [
    "AssignmentProblem",
    "AssignmentSolution",
    "Balance",
    "SolveParams",
    "evaluate",
    "solve_assignment",
]
