"""Solving a built :class:`~allocate.solvers.cpsat.model.AssignmentModel` with CP-SAT.

Building the model (:mod:`allocate.solvers.cpsat.model`) and solving it are separate: every
search of the assignment model (the pipeline's full model and LNS steps, the contiguity
models) goes through :func:`solve_model`, which takes its solver from
:func:`~allocate.solvers.cpsat.setup.new_solver` and honours :data:`~allocate.solvers.cpsat.setup.STOP`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from allocate.solvers.cpsat.model import AssignmentModel
from allocate.solvers.cpsat.setup import STOP, new_solver


@dataclass(frozen=True)
class CpSatOutcome:
    """What one CP-SAT solve of an :class:`AssignmentModel` returns.

    Attributes
    ----------
    status
        CP-SAT's status code (``cp_model.OPTIMAL``, ``FEASIBLE``, ...).
    choice
        Candidate entry of every item (fixed items copied from the model's base), or ``None``
        when no solution was found.
    objective, bound
        Objective and best bound, scaled back to objective units (fixed items included).
    det_time, wall_s
        CP-SAT's deterministic time and wall time.
    clock_stopped
        True when the wall-clock limit (not the deterministic budget, a proof or a stop
        request) ended the search: the result may then differ from run to run.
    """

    status: int
    choice: NDArray[np.int64] | None
    objective: float
    bound: float
    det_time: float
    wall_s: float
    clock_stopped: bool = False


def solve_model(
    model: AssignmentModel,
    time_limit_s: float,
    workers: int,
    seed: int,
    deterministic_time: float | None = None,
    log_search: bool = False,
    on_solution: Callable[[float], None] | None = None,
    light_presolve: bool = False,
) -> CpSatOutcome:
    """Solve ``model``; ``on_solution(objective)`` is called at each improving solution.

    With a ``deterministic_time`` budget, the run is reproducible: ``workers``
    single-threaded CP-SAT searches with seeds ``seed, seed + 1, ...`` run side by side
    (threads; CP-SAT releases the GIL) and the best result wins, ties going to the lowest
    seed. Each single-threaded search is deterministic, so the winner is too. (CP-SAT's
    own interleaved mode is also reproducible, but on these models it proved optimality
    five times slower.) Without a deterministic budget, CP-SAT's parallel portfolio runs.

    Parameters
    ----------
    model
        The built assignment model.
    time_limit_s, workers, seed
        Wall-clock limit, number of workers and random seed.
    deterministic_time
        Deterministic-time budget of each search, or ``None``.
    log_search
        Print CP-SAT's search log (of the first search).
    on_solution
        Called with the objective of each improving solution.
    light_presolve
        Skip the presolve's inclusion detection and probing: on the neighbourhoods of a large
        model they cost seconds of wall time that neither the deterministic budget nor the
        time limit stops (3.5 s for 2,000 free items of fr-national under load), for nothing
        a hinted neighbourhood needs.

    Returns
    -------
    CpSatOutcome
        The best solution found (of the portfolio, when one runs).
    """
    # Searches run in threads and the main thread waits in short slices, so that a
    # Ctrl-C handler gets to run and can stop them (see request_stop).
    portfolio = deterministic_time is not None and workers > 1
    runs = (
        [(1, seed + k, log_search and k == 0) for k in range(workers)]
        if portfolio
        else [(workers, seed, log_search)]
    )
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        futures = [
            pool.submit(
                _solve_once,
                model,
                time_limit_s,
                w,
                sd,
                deterministic_time,
                lg,
                _Progress(on_solution, model.sc.obj, model.offset()) if on_solution else None,
                light_presolve,
            )
            for w, sd, lg in runs
        ]
        while wait(futures, timeout=0.2).not_done:
            pass
        outs = [f.result() for f in futures]
    if not portfolio:
        return outs[0]
    return _best_of(outs)


def _best_of(outs: list[CpSatOutcome]) -> CpSatOutcome:
    """The portfolio's result: the best solution (an optimal one first, then the lowest
    objective, ties to the lowest seed) with the best bound of every search."""
    solved = [o for o in outs if o.choice is not None]
    bound = max(o.bound for o in outs)
    if not solved:
        status = (
            cp_model.INFEASIBLE
            if any(o.status == cp_model.INFEASIBLE for o in outs)
            else outs[0].status
        )
        return CpSatOutcome(
            int(status),
            None,
            float("nan"),
            bound,
            max(o.det_time for o in outs),
            max(o.wall_s for o in outs),
            any(o.clock_stopped for o in outs),
        )
    best = min(solved, key=lambda o: (o.status != cp_model.OPTIMAL, o.objective))
    status = cp_model.OPTIMAL if any(o.status == cp_model.OPTIMAL for o in outs) else best.status
    return CpSatOutcome(
        int(status),
        best.choice,
        best.objective,
        max(bound, min(best.objective, bound))
        if status != cp_model.OPTIMAL
        else best.objective,  # type: ignore[arg-type]  # numpy/ortools stubs
        max(o.det_time for o in outs),
        max(o.wall_s for o in outs),
        any(o.clock_stopped for o in outs),
    )


def _solve_once(
    model: AssignmentModel,
    time_limit_s: float,
    workers: int,
    seed: int,
    deterministic_time: float | None,
    log_search: bool,
    callback: _Progress | None,
    light_presolve: bool = False,
) -> CpSatOutcome:
    """One CP-SAT search of ``model`` (one thread of the portfolio)."""
    solver = new_solver(
        time_limit_s,
        max(1, int(workers)),
        seed,
        None if deterministic_time is None else max(0.01, float(deterministic_time)),
    )
    prm = solver.parameters
    # Presolve loops and symmetry detection cost seconds on these models and find little:
    # candidates are already sparse and the hint is feasible.
    prm.max_presolve_iterations = 1
    prm.symmetry_level = 0
    if light_presolve:
        prm.presolve_inclusion_work_limit = 0
        prm.cp_model_probing_level = 0
    # Progress logs arrive from inside the search: their callback is
    # where a Ctrl-C (STOP) is honoured when no new solution or bound comes for a while.
    prm.log_search_progress = True
    prm.log_to_stdout = False
    if STOP.is_set():
        prm.max_time_in_seconds = 0.001
    if callback is None:
        callback = _Progress(None, model.sc.obj, 0.0)

    def on_bound(_bound: float) -> None:
        if STOP.is_set():
            solver.stop_search()

    def on_log(line: str) -> None:
        if log_search:
            print(line, flush=True)
        if STOP.is_set():
            solver.stop_search()

    solver.best_bound_callback = on_bound
    solver.log_callback = on_log
    status = solver.solve(model.model, callback)
    choice = None
    objective = float("nan")
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        choice = (
            np.array(model.base, dtype=np.int64, copy=True)
            if model.base is not None
            else np.full(model.p.n_items, -1, dtype=np.int64)
        )
        vals = np.array([solver.boolean_value(v) for v in model.x], dtype=bool)
        choice[model.entry_item[vals]] = model.entries[vals]
        objective = solver.objective_value / model.sc.obj
    offset = model.offset()
    proven = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID)
    budget_spent = (
        deterministic_time is not None
        and solver.deterministic_time >= 0.999 * max(0.01, float(deterministic_time))
    )
    return CpSatOutcome(
        status=int(status),
        choice=choice,
        objective=objective + offset if choice is not None else objective,
        bound=solver.best_objective_bound / model.sc.obj + offset,
        det_time=solver.deterministic_time,
        wall_s=solver.wall_time,
        clock_stopped=not (proven or budget_spent or STOP.is_set()),
    )


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports each improving objective (in objective units) and honours :data:`STOP`."""

    def __init__(self, fn: Callable[[float], None] | None, scale: float, offset: float) -> None:
        super().__init__()
        self._fn = fn
        self._scale = scale
        self._offset = offset

    def on_solution_callback(self) -> None:
        if self._fn is not None:
            self._fn(self.objective_value / self._scale + self._offset)
        if STOP.is_set():
            self.stop_search()
