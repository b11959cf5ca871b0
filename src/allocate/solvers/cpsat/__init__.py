"""CP-SAT: the one solver setup (:mod:`.setup`), the assignment model (:mod:`.model`) and its
solve (:mod:`.solve`)."""

from allocate.solvers.cpsat.model import AssignmentModel
from allocate.solvers.cpsat.setup import STOP, clear_stop, new_solver, request_stop
from allocate.solvers.cpsat.solve import CpSatOutcome, solve_model

__all__ = [
    "STOP",
    "AssignmentModel",
    "CpSatOutcome",
    "clear_stop",
    "new_solver",
    "request_stop",
    "solve_model",
]
