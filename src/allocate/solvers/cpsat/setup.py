"""The one place where a CP-SAT solver is created: limits, workers, seed, and Ctrl-C.

Every CP-SAT search of allocate (alignment, contiguity, p-median, schedules) starts from
:func:`new_solver`, then adds the tuning of its own model family next to that model.

Ctrl-C is allocate's, not CP-SAT's: CP-SAT's SIGINT handler aborts the process when several
searches run in threads, so it is switched off and the CLI sets :data:`STOP` instead
(:func:`request_stop`); the searches check the flag in their callbacks and return their best
solution.
"""

from __future__ import annotations

import threading

from ortools.sat.python import cp_model

#: Set by :func:`request_stop` (Ctrl-C): running searches stop and keep their best solution.
STOP = threading.Event()


def request_stop() -> None:
    """Ask every running CP-SAT search to stop; callers then return their best solution.

    The stop is taken from inside each search (its solution and bound callbacks check the
    flag and stop there): CP-SAT's ``stop_search`` called from another thread can race with
    the start or the end of a search and abort the process, so it is never called that way.
    """
    STOP.set()


def clear_stop() -> None:
    """Reset :data:`STOP` so the next searches run (done when a solving command starts)."""
    STOP.clear()


def new_solver(
    time_limit_s: float, workers: int, seed: int, deterministic_time: float | None = None
) -> cp_model.CpSolver:
    """A CP-SAT solver with allocate's common parameters.

    Parameters
    ----------
    time_limit_s
        Wall-clock limit in seconds (at least 0.01).
    workers
        Number of search workers.
    seed
        Random seed of the search.
    deterministic_time
        CP-SAT's deterministic-time budget; ``None`` for none. With it (and one worker) a
        search is reproducible.

    Returns
    -------
    cp_model.CpSolver
        A solver whose ``parameters`` the caller may tune further.
    """
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.max_time_in_seconds = max(0.01, float(time_limit_s))
    if deterministic_time is not None:
        prm.max_deterministic_time = float(deterministic_time)
    prm.num_workers = int(workers)
    prm.random_seed = int(seed)
    prm.catch_sigint_signal = False
    return solver
