"""CP-SAT: the one solver setup (:mod:`.setup`) and the assignment model (:mod:`.model`)."""

from allocate.solvers.cpsat.model import AssignmentModel, CpSatOutcome
from allocate.solvers.cpsat.setup import STOP, clear_stop, new_solver, request_stop

__all__ = ["STOP", "AssignmentModel", "CpSatOutcome", "clear_stop", "new_solver", "request_stop"]
