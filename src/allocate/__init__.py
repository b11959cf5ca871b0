"""allocate: who should serve which account, and what each seller should do each week.

The public API, in the order data flows::

    read_instance -> solve -> compute_kpis -> write_run          (alignment)
                  -> plan_actions                                (weekly action plans)
                  -> compare / size_sales_force                  (decide)
    generate_instance -> write_instance                          (realistic test instances)
    design_territories(instance, DesignSpec(territories=K, ...))  (territory design)

>>> from allocate import read_instance, solve, Scenario
>>> inst = read_instance("instances/fr-pme")          # doctest: +SKIP
>>> res = solve(inst, Scenario(model="geography"))    # doctest: +SKIP

The package is layered (see the README's Layout): ``core`` (plain data), ``io`` and
``solvers``, ``organize`` and ``generate``, ``align``, ``schedule`` and ``sizing``,
``analysis``, ``publish``, then ``batch`` and ``cli``.
"""

from typing import TYPE_CHECKING

from allocate.core.lazy import lazy_attributes

if TYPE_CHECKING:  # the names as the type checkers see them; at run time each loads on first use
    from allocate.align.check import CheckReport, check_alignment
    from allocate.align.solve import solve
    from allocate.analysis.kpi import Kpis, alignment_kpis, compute_kpis
    from allocate.analysis.sizing import size_sales_force
    from allocate.core.errors import AllocateError, InfeasibleError, InputError, NoSolutionError
    from allocate.core.instance import Accounts, Instance, Sellers, TravelMatrix, Units
    from allocate.core.nomenclature import Nomenclature
    from allocate.core.result import Alignment, Result
    from allocate.core.scenario import Scenario
    from allocate.core.status import SolveStatus
    from allocate.design import Design, DesignSpec, design_territories
    from allocate.generate import generate_instance, write_instance
    from allocate.io.instance import check_instance, read_instance
    from allocate.io.runfolder import read_alignment, write_run
    from allocate.io.scenario import read_scenario
    from allocate.publish.comparison import compare_models as compare
    from allocate.schedule import PlanConfig, Schedule, plan_actions

_EXPORTS = {
    "Accounts": "allocate.core.instance",
    "Alignment": "allocate.core.result",
    "AllocateError": "allocate.core.errors",
    "CheckReport": "allocate.align.check",
    "Design": "allocate.design",
    "DesignSpec": "allocate.design",
    "InfeasibleError": "allocate.core.errors",
    "InputError": "allocate.core.errors",
    "Instance": "allocate.core.instance",
    "Kpis": "allocate.analysis.kpi",
    "NoSolutionError": "allocate.core.errors",
    "Nomenclature": "allocate.core.nomenclature",
    "PlanConfig": "allocate.schedule",
    "Result": "allocate.core.result",
    "Scenario": "allocate.core.scenario",
    "Schedule": "allocate.schedule",
    "Sellers": "allocate.core.instance",
    "SolveStatus": "allocate.core.status",
    "TravelMatrix": "allocate.core.instance",
    "Units": "allocate.core.instance",
    "alignment_kpis": "allocate.analysis.kpi",
    "check_alignment": "allocate.align.check",
    "check_instance": "allocate.io.instance",
    "compare": "allocate.publish.comparison:compare_models",
    "compute_kpis": "allocate.analysis.kpi",
    "design_territories": "allocate.design",
    "generate_instance": "allocate.generate",
    "plan_actions": "allocate.schedule",
    "read_alignment": "allocate.io.runfolder",
    "read_instance": "allocate.io.instance",
    "read_scenario": "allocate.io.scenario",
    "size_sales_force": "allocate.analysis.sizing",
    "solve": "allocate.align.solve",
    "write_instance": "allocate.generate",
    "write_run": "allocate.io.runfolder",
}
__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)

__version__ = "0.1.0"

__all__ = [
    "Accounts",
    "Alignment",
    "AllocateError",
    "CheckReport",
    "Design",
    "DesignSpec",
    "InfeasibleError",
    "InputError",
    "Instance",
    "Kpis",
    "NoSolutionError",
    "Nomenclature",
    "PlanConfig",
    "Result",
    "Scenario",
    "Schedule",
    "Sellers",
    "SolveStatus",
    "TravelMatrix",
    "Units",
    "alignment_kpis",
    "check_alignment",
    "check_instance",
    "compare",
    "compute_kpis",
    "design_territories",
    "generate_instance",
    "plan_actions",
    "read_alignment",
    "read_instance",
    "read_scenario",
    "size_sales_force",
    "solve",
    "write_instance",
    "write_run",
]
