"""allocate: who should serve which account, and what each seller should do each week.

>>> from allocate import read_instance, solve, Scenario
>>> inst = read_instance("instances/fr-pme")          # doctest: +SKIP
>>> res = solve(inst, Scenario(model="geography"))    # doctest: +SKIP
"""

from .domain import Accounts, Instance, Sellers, Units
from .errors import AllocateError, InfeasibleError, InputError
from .io import check_instance, read_instance
from .kpi import alignment_kpis, compute_kpis
from .result import Alignment, Result
from .scenario import Scenario, read_scenario
from .solve import solve
from .solvers.pipeline import SolveStatus

__version__ = "0.1.0"

__all__ = [
    "Accounts",
    "Alignment",
    "AllocateError",
    "InfeasibleError",
    "InputError",
    "Instance",
    "Result",
    "Scenario",
    "Sellers",
    "SolveStatus",
    "Units",
    "alignment_kpis",
    "check_instance",
    "compute_kpis",
    "read_instance",
    "read_scenario",
    "solve",
]
