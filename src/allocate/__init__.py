"""allocate: who should serve which account, and what each seller should do each week.

>>> from allocate import read_instance, solve, Scenario
>>> inst = read_instance("instances/fr-pme")          # doctest: +SKIP
>>> res = solve(inst, Scenario(model="geography"))    # doctest: +SKIP
"""

from allocate.align.solve import solve
from allocate.analysis.kpi import alignment_kpis, compute_kpis
from allocate.core.errors import AllocateError, InfeasibleError, InputError
from allocate.core.instance import Accounts, Instance, Sellers, Units
from allocate.core.result import Alignment, Result
from allocate.core.scenario import Scenario
from allocate.core.status import SolveStatus
from allocate.io import check_instance, read_instance
from allocate.io.scenario import read_scenario

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
