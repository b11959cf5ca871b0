"""The solve workflow: organization model → pipeline (LP → heuristics → CP-SAT) → contiguity.

:func:`solve` builds the organization model (:func:`~allocate.organize.presets.build_model`),
runs the solver pipeline (:func:`~allocate.solvers.pipeline.solve_assignment`) on it, then
the contiguity stage of the geography model (:mod:`allocate.align.contiguity`), and reports
the alignment as a :class:`~allocate.core.result.Result`.
"""

from __future__ import annotations

import time

import numpy as np

from allocate.align.contiguity import ContiguityStage
from allocate.core.instance import Instance
from allocate.core.result import Alignment, Result
from allocate.core.scenario import Scenario
from allocate.organize.items import ModelProblem
from allocate.organize.presets import build_model
from allocate.solvers.budget import Clock, finish_s
from allocate.solvers.pipeline import SolveParams, solve_assignment
from allocate.solvers.problem import evaluate


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
        The alignment, its status, objective and bounds.

    Raises
    ------
    InfeasibleError
        When the capacity check or the solver proves that no alignment exists, with the
        groups that are short.
    """
    scenario = scenario or Scenario()
    if model is not None and model != scenario.model:
        scenario = scenario.model_copy(update={"model": model})
    t0 = time.perf_counter()
    clock = clock or Clock.after(scenario.time_limit_s, t0)
    mp = build_model(instance, scenario)
    # the searches end early enough for the KPIs and the files (same record of stops)
    # (at most a quarter of the limit: a tiny limit on a small model still gets its searches)
    reserve = min(finish_s(mp.problem.nnz), 0.25 * scenario.time_limit_s)
    work = Clock(clock.deadline - reserve, clock.stopped)
    stage = ContiguityStage.plan(instance, scenario, mp)
    # the contiguity stage gets its share of the time limit after the pipeline, in budgets
    # and on the safety net's clock
    stage_s = stage.time_s() if stage else 0.0
    params = SolveParams(
        time_limit_s=scenario.time_limit_s - stage_s,
        workers=scenario.workers,
        seed=scenario.seed,
        deterministic=scenario.deterministic,
        clock=Clock(work.deadline - stage_s, work.stopped),
    )
    sol = solve_assignment(mp.problem, params)
    choice, status, best_bound = sol.choice, sol.status, sol.best_bound
    if stage is not None:
        kept = stage.run(sol, work)
        choice, status, best_bound = kept.choice, kept.status, kept.best_bound
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
        deterministic=sol.deterministic and work.deterministic,
        solver_objective=sol.solver_objective
        if np.array_equal(choice, sol.choice)
        else ev.objective,
        interrupted=sol.interrupted,
        clock_stopped=tuple(work.stopped),
    )


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
