"""The solve workflow: organization model → pipeline (LP → heuristics → CP-SAT) → contiguity.

:func:`solve` builds the organization model (:func:`~allocate.organize.presets.build_model`),
runs the solver pipeline (:func:`~allocate.solvers.pipeline.solve_assignment`) on it, then
the contiguity stage of the geography model (:mod:`allocate.align.contiguity`), and reports
the alignment as a :class:`~allocate.core.result.Result`.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from allocate.align.check import check_alignment
from allocate.align.contiguity import BOUND_ROUNDING, ContiguityStage
from allocate.core.instance import Instance
from allocate.core.result import Alignment, Result
from allocate.core.scenario import Scenario, resolved, scenario_instance
from allocate.core.status import SolveStatus
from allocate.organize.items import ModelProblem
from allocate.organize.presets import build_model
from allocate.solvers.budget import Clock, finish_s, search_seconds
from allocate.solvers.pipeline import FEASIBLE_GRACE, FEASIBLE_SHARE, SolveParams, solve_assignment
from allocate.solvers.problem import evaluate

log = logging.getLogger(__name__)


def solve(
    instance: Instance,
    scenario: Scenario | None = None,
    *,
    model: str | None = None,
    clock: Clock | None = None,
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
    clock
        The command's wall-clock deadline (default: the time limit from now). The solve
        keeps time for the KPIs and the files before it (:func:`~allocate.solvers.budget.finish_s`);
        its stages stop on deterministic budgets sized from the limit, the deadline being
        the safety net (a stage it stops makes the result non-deterministic, and says so).

    Returns
    -------
    Result
        The alignment, its status, objective and bounds. Every hard rule of the alignment is
        checked by :func:`~allocate.align.check.check_alignment`; when one is broken, the
        status is ``unknown`` (no valid solution found) and ``breaches`` says which: such a
        result is never written as a run (:func:`allocate.io.runfolder.write_run` refuses it).

    Raises
    ------
    InfeasibleError
        When the capacity check or the solver proves that no alignment exists, with the
        groups that are short.
    """
    scenario = scenario or Scenario()
    if model is not None and model != scenario.model:
        scenario = scenario.model_copy(update={"model": model})
    # the model's defaults written out: the run records the weights it was solved with
    scenario = resolved(scenario)
    instance = scenario_instance(instance, scenario)
    t0 = time.perf_counter()
    clock = clock or Clock.after(scenario.time_limit_s, t0)
    mp = build_model(instance, scenario)
    # the searches end early enough for the KPIs and the files (same record of stops)
    # (at most a quarter of the limit: a tiny limit on a small model still gets its searches)
    reserve = min(finish_s(mp.problem.nnz), 0.25 * scenario.time_limit_s)
    work = Clock(clock.deadline - reserve, clock.stopped)
    stage = ContiguityStage.plan(instance, scenario, mp)
    # the contiguity stage gets its share of the time limit after the pipeline in budgets,
    # and the wall seconds those take on the safety net's clock (the pipeline's may run into
    # the rest)
    stage_s = stage.time_s() if stage else 0.0
    stage_wall_s = stage.wall_s() if stage else 0.0
    params = SolveParams(
        # the budgets are sized from what the clock gives: less the contiguity stage and the
        # seconds kept for the KPIs and the files (both deterministic estimates)
        time_limit_s=max(0.1 * scenario.time_limit_s, scenario.time_limit_s - stage_s - reserve),
        workers=scenario.workers,
        seed=scenario.seed,
        deterministic=scenario.deterministic,
        clock=Clock(work.deadline - stage_wall_s, work.stopped),
        # feasibility first: its budget is sized from the whole limit, and it may run into
        # the contiguity stage's time (which is worth nothing without a valid start)
        feasible_s=FEASIBLE_SHARE * search_seconds(scenario.time_limit_s, mp.problem.nnz),
        feasible_grace_s=stage_wall_s + FEASIBLE_GRACE * scenario.time_limit_s,
        # before the contiguity stage the pipeline's last seconds go to its LNS, not to the
        # ejection chains: measured on geography (deterministic budgets, quiet machine), the
        # chains cost fr-pme at 20 s 492.95 against 490.23, a generated 20k x 100 at 30 s
        # 3,277.23 against 3,248.83 and fr-national at 60 s 3,318.57 against 3,304.04, where
        # they gain on the models without the stage (fr-pme at 20 s: size 348.76 -> 345.45,
        # hybrid 383.05 -> 380.80, generalist 349.56 -> 348.61, value_proposition 456.57 -> 454.63)
        chains=False if stage is not None else None,
    )
    sol = solve_assignment(mp.problem, params)
    choice, status, best_bound = sol.choice, sol.status, sol.best_bound
    if stage is not None:
        kept = stage.run(sol, work)
        choice, status, best_bound = kept.choice, kept.status, kept.best_bound
    ev = evaluate(mp.problem, choice)
    alignment = alignment_from_choice(mp, choice)
    # the truth: every hard rule recomputed from the alignment, independently of the solver
    report = check_alignment(instance, alignment, scenario)
    if not report.ok:
        log.info("the best alignment found breaks %d hard rule(s): no valid solution", len(report.breaches))
        for line in report.breaches:
            log.info("  %s", line)
        status = SolveStatus.UNKNOWN
    elif status is SolveStatus.UNKNOWN:
        status = SolveStatus.FEASIBLE  # the solver's own model was stricter; every rule holds
    return Result(
        status=status,
        objective=ev.objective,
        best_bound=honest_bound(best_bound, ev.objective),
        lp_bound=honest_bound(sol.lp_bound, ev.objective),
        wall_s=max(sol.wall_s, time.perf_counter() - t0),
        alignment=alignment,
        scenario=scenario,
        deterministic=sol.deterministic and work.deterministic,
        solver_objective=sol.solver_objective
        if np.array_equal(choice, sol.choice)
        else ev.objective,
        interrupted=sol.interrupted,
        breaches=report.breaches,
        clock_stopped=tuple(work.stopped),
    )


def honest_bound(bound: float, objective: float) -> float:
    """The bound to report with ``objective``: never one that makes the gap look smaller.

    The solver's bounds are proven on the data as CP-SAT sees them (rounded to its integer
    scale). A bound above the objective by no more than :data:`BOUND_ROUNDING` of it is that
    rounding, and meets the objective (gap 0); further above, it is no bound of the real
    objective at all, and the gap is unknown (NaN) rather than shown as 0.

    Parameters
    ----------
    bound
        The solver's best bound.
    objective
        The objective recomputed from the alignment.

    Returns
    -------
    float
        ``bound`` when it is below the objective, the objective when above by rounding
        only, else NaN.
    """
    if not np.isfinite(bound) or not np.isfinite(objective) or bound <= objective:
        return bound
    if bound - objective <= BOUND_ROUNDING * max(1.0, abs(objective)):
        return objective
    log.warning("the bound %.6g is above the objective %.6g: not valid for the real data, gap unknown", bound, objective)
    return float("nan")


def alignment_from_choice(mp: ModelProblem, choice: np.ndarray) -> Alignment:
    """The alignment of the model's rows under a bundle choice.

    Parameters
    ----------
    mp
        The organization model.
    choice
        Candidate entry of each bundle.

    Returns
    -------
    Alignment
        The seller (instance index) of each row of ``mp``.
    """
    seller_of_bundle = mp.problem.seller[choice]
    rows = mp.rows
    return Alignment(
        model=mp.name,
        account=rows.account,
        seller=mp.sellers[seller_of_bundle[rows.bundle]],
        key=rows.key,
        key_kind=rows.key_kind,
    )
