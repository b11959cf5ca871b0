"""``allocate.solve``: organization model → assignment problem → pipeline → :class:`Result`."""

from __future__ import annotations

import logging

import numpy as np

from .domain import Instance
from .organize.contiguity import repair_contiguity
from .organize.items import ModelProblem
from .organize.presets import build_model
from .result import Alignment, Result
from .scenario import Scenario
from .solvers.pipeline import SolveParams, solve_assignment
from .solvers.problem import evaluate

log = logging.getLogger(__name__)


def solve(instance: Instance, scenario: Scenario | None = None, *, model: str | None = None) -> Result:
    """Align the accounts of ``instance`` under ``scenario``.

    Parameters
    ----------
    instance
        The instance (see :func:`allocate.io.read_instance`).
    scenario
        Options; defaults to :class:`Scenario()` (geography, soft balance).
    model
        Overrides ``scenario.model``.

    Raises
    ------
    InfeasibleError
        When the capacity check or the solver proves that no alignment exists, with the
        groups that are short.
    """
    scenario = scenario or Scenario()
    if model is not None and model != scenario.model:
        scenario = scenario.model_copy(update={"model": model})
    mp = build_model(instance, scenario)
    params = SolveParams(
        time_limit_s=scenario.time_limit_s,
        workers=scenario.workers,
        seed=scenario.seed,
        deterministic=scenario.deterministic,
    )
    sol = solve_assignment(mp.problem, params)
    choice = sol.choice
    status = sol.status
    if scenario.model == "geography" and instance.units is not None and scenario.contiguity is not False:
        repaired = repair_contiguity(instance, mp, choice, budget=scenario.contiguity_budget)
        if not np.array_equal(repaired, choice):
            choice = repaired
            if status.value == "optimal":
                from .solvers.pipeline import SolveStatus

                status = SolveStatus.FEASIBLE  # contiguity moved items: optimality no longer proven
    ev = evaluate(mp.problem, choice)
    alignment = alignment_from_choice(mp, choice)
    return Result(
        status=status,
        objective=ev.objective,
        best_bound=min(sol.best_bound, ev.objective),
        lp_bound=min(sol.lp_bound, ev.objective),
        wall_s=sol.wall_s,
        alignment=alignment,
        scenario=scenario,
        deterministic=sol.deterministic,
        solver_objective=sol.solver_objective if np.array_equal(choice, sol.choice) else ev.objective,
        interrupted=sol.interrupted,
    )


def alignment_from_choice(mp: ModelProblem, choice: np.ndarray) -> Alignment:
    seller_of_bundle = mp.problem.seller[choice]
    rows = mp.rows
    return Alignment(
        model=mp.name,
        account=rows.account,
        seller=mp.sellers[seller_of_bundle[rows.bundle]],
        key=rows.key,
        key_kind=rows.key_kind,
    )
