"""``allocate.align.solve``: organization model → assignment problem → pipeline → :class:`Result`."""

from __future__ import annotations

import logging
import time

import numpy as np

from allocate.core.instance import Instance
from allocate.core.result import Alignment, Result
from allocate.core.scenario import Scenario
from allocate.organize.items import ModelProblem
from allocate.organize.presets import build_model
from allocate.solvers.contiguity.exact import EXACT_MAX_UNITS, solve_contiguous_outcome
from allocate.solvers.contiguity.lns import contiguous_lns
from allocate.solvers.contiguity.repair import bundle_units, repair_contiguity
from allocate.solvers.pipeline import SolveParams, solve_assignment
from allocate.solvers.problem import evaluate

log = logging.getLogger(__name__)


def solve(
    instance: Instance, scenario: Scenario | None = None, *, model: str | None = None
) -> Result:
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
    t0 = time.perf_counter()
    contiguity = _contiguity_mode(instance, scenario, mp)
    exact = contiguity == "exact"
    # the contiguous model (exact, or by neighbourhoods above EXACT_MAX_UNITS) gets
    # max(5 s, half the time limit) after the pipeline
    t_exact = (
        min(max(5.0, 0.5 * scenario.time_limit_s), 0.8 * scenario.time_limit_s)
        if contiguity
        else 0.0
    )
    params = SolveParams(
        time_limit_s=scenario.time_limit_s - t_exact,
        workers=scenario.workers,
        seed=scenario.seed,
        deterministic=scenario.deterministic,
    )
    sol = solve_assignment(mp.problem, params)
    choice = sol.choice
    status = sol.status
    best_bound = sol.best_bound
    if (
        scenario.model == "geography"
        and instance.units is not None
        and scenario.contiguity is not False
    ):
        repaired = repair_contiguity(instance, mp, choice, budget=scenario.contiguity_budget)
        contiguous = None
        if exact:
            left = max(1.0, scenario.time_limit_s - (time.perf_counter() - t0))
            contiguous = solve_contiguous_outcome(
                instance,
                mp,
                repaired,
                left,
                scenario.workers,
                scenario.seed,
                deterministic=scenario.deterministic,
                lower_bound=sol.best_bound,
            )
        elif contiguity == "lns" and not sol.interrupted:
            left = max(1.0, scenario.time_limit_s - (time.perf_counter() - t0))
            repaired = contiguous_lns(
                instance, mp, repaired, left, scenario.seed, deterministic=scenario.deterministic
            )
        if contiguous is not None and contiguous.choice is not None:
            choice = contiguous.choice
            from allocate.core.status import SolveStatus

            status = SolveStatus.OPTIMAL if contiguous.optimal else SolveStatus.FEASIBLE
            best_bound = max(best_bound, contiguous.bound)
        elif not np.array_equal(repaired, choice):
            choice = repaired
            if status.value == "optimal":
                from allocate.core.status import SolveStatus

                status = SolveStatus.FEASIBLE  # contiguity moved items: optimality no longer proven
    ev = evaluate(mp.problem, choice)
    alignment = alignment_from_choice(mp, choice)
    return Result(
        status=status,
        objective=ev.objective,
        best_bound=min(best_bound, ev.objective),
        lp_bound=min(sol.lp_bound, ev.objective),
        wall_s=max(sol.wall_s, time.perf_counter() - t0),
        alignment=alignment,
        scenario=scenario,
        deterministic=sol.deterministic,
        solver_objective=sol.solver_objective
        if np.array_equal(choice, sol.choice)
        else ev.objective,
        interrupted=sol.interrupted,
    )


def _contiguity_mode(instance: Instance, scenario: Scenario, mp: ModelProblem) -> str | None:
    """How territories are made contiguous: ``"exact"`` (the flow model over every seller,
    up to EXACT_MAX_UNITS units), ``"lns"`` (the flow model a few sellers at a time, above),
    or ``None`` (not the geography model, no units, or contiguity switched off)."""
    if scenario.model != "geography" or instance.units is None or scenario.contiguity is False:
        return None
    b_unit = bundle_units(instance, mp)
    n_units = len(set(b_unit[b_unit >= 0].tolist()))
    if n_units == 0:
        return None
    if n_units > EXACT_MAX_UNITS:
        log.info(
            "%d units hold accounts (> %d): contiguity by neighbourhoods", n_units, EXACT_MAX_UNITS
        )
        return "lns"
    return "exact"


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
