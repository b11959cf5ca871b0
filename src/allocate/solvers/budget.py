"""Deterministic work budgets sized from a time limit, and the one wall-clock safety net.

Two promises meet here: a time limit is kept (the whole command within the limit + 10 %), and
the same seed gives the same alignment. Both hold when every stage of a solve stops on a
*deterministic* budget sized from the time limit (never from the time already spent, which
varies from run to run):

* CP-SAT: ``max_deterministic_time`` (:data:`CPSAT_DET_PER_S` units per second of the limit);
* GLOP: its own ``max_deterministic_time`` (:data:`GLOP_DET_PER_S`); PDLP: an iteration count
  proportional to the seconds and inverse to the matrix size (:data:`PDLP_ENTRY_ITERS_PER_S`);
* numpy/Python heuristics (shift search, repair, Lagrangian dual ascent, tabu, contiguous growing): counts
  of evaluations or iterations (:data:`EVALS_PER_S`); the contiguity repair: priced unit
  moves (:data:`REPAIR_TRIALS_PER_S`).

The rates are calibrated on the 2-core reference machine so that each budget normally runs
out *before* the wall clock also under a background load of 2-3 (about 2.5 times slower than a
quiet machine): a budget is worth a little less than half of its seconds on a quiet machine.
The wall clock stays as a safety net (:class:`Clock`): a stage it stops is recorded, and the
run then says ``deterministic: false`` and which stage the clock stopped.

Before the search the fixed costs of a solve (building the model, the LP matrix, the KPIs and
the files) are estimated from the model's size (:func:`overhead_s`, also a deterministic
quantity), so the search budgets fit in what the limit leaves once they are paid.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

#: CP-SAT deterministic time units per second of search. One unit is about 0.5-1 s of one
#: search thread on the quiet reference machine, up to 2.5 s under a load of 3 on 2 cores.
CPSAT_DET_PER_S = 0.2
#: GLOP deterministic time units per second of budget. Generous on purpose: a finished LP gives
#: the bound and the start that everything after builds on (fr-pme generalist: gap 62 % with
#: an LP stopped at 0.15 units per second, 2 % when it finishes).  GLOP's unit runs 0.3-1 s of wall.
GLOP_DET_PER_S = 2.0
#: PDLP iterations per second for one candidate entry (an iteration is two sparse products).
PDLP_ENTRY_ITERS_PER_S = 2.0e6
#: Elementary evaluations (one candidate priced) of the numpy/Python heuristics per second.
EVALS_PER_S = 5.0e4
#: Array elements that vectorized numpy passes (a few operations each) go through per second.
NUMPY_ELEMENTS_PER_S = 2.0e7
#: Fixed cost of a solve per candidate entry (model build, LP matrix, KPIs, writing): seconds.
OVERHEAD_S_PER_ENTRY = 6e-6
#: ... plus this many seconds whatever the size.
OVERHEAD_S = 0.4
#: Seconds kept after the searches (KPIs, files) per candidate entry, and whatever the size.
FINISH_S_PER_ENTRY = 6e-6
FINISH_S = 0.6


def overhead_s(nnz: int) -> float:
    """Estimated seconds a solve spends outside its searches, from the model size.

    Parameters
    ----------
    nnz
        Candidate entries of the assignment model.

    Returns
    -------
    float
        Seconds (a deterministic estimate, not a measurement).
    """
    return OVERHEAD_S + OVERHEAD_S_PER_ENTRY * max(0, int(nnz))


def finish_s(nnz: int) -> float:
    """Seconds kept after the searches for the KPIs and the files, from the model size."""
    return FINISH_S + FINISH_S_PER_ENTRY * max(0, int(nnz))


def seconds_left(time_limit_s: float, fixed_s: float) -> float:
    """Seconds of a limit left to the searches once ``fixed_s`` (estimated, deterministic) are
    paid, at least 10 % of the limit: the one rule of ``solve`` and ``schedule``.

    Parameters
    ----------
    time_limit_s
        The command's time limit.
    fixed_s
        Estimated seconds spent outside the searches.

    Returns
    -------
    float
        Seconds from which the deterministic budgets are sized.
    """
    return max(0.1 * time_limit_s, time_limit_s - fixed_s)


def search_seconds(time_limit_s: float, nnz: int) -> float:
    """Seconds of the limit left to the searches of a solve (:func:`seconds_left` of
    :func:`overhead_s`).

    Parameters
    ----------
    time_limit_s
        The solve's time limit.
    nnz
        Candidate entries of the assignment model.

    Returns
    -------
    float
        Seconds from which the deterministic budgets are sized.
    """
    return seconds_left(time_limit_s, overhead_s(nnz))


def cpsat_det(seconds: float) -> float:
    """CP-SAT deterministic time for ``seconds`` of search (at least 0.01)."""
    return max(0.01, CPSAT_DET_PER_S * seconds)


#: What one neighbourhood step costs beyond CP-SAT's own deterministic time (building the
#: sub-model, presolve, scoring), in seconds of the reference machine under a load of 2-3:
#: CP-SAT counts almost none of it on small sub-models (about 1e-4 units for 0.1 s of wall).
STEP_FIXED_S = 0.05
STEP_PER_FREE_S = 4e-4


def lns_step_det(n_free: int) -> float:
    """Deterministic time charged for one LNS step over ``n_free`` free items, whatever CP-SAT
    counts itself, so that an LNS's budget runs out before the wall clock."""
    return CPSAT_DET_PER_S * (STEP_FIXED_S + STEP_PER_FREE_S * n_free)


#: Seconds to build a CP-SAT assignment model per candidate entry of its free items (Python
#: objects for every variable and term), on the reference machine under a load of 2-3:
#: fr-national's 58,710 entries took 7.6 s under a load of 6.5.
BUILD_S_PER_ENTRY = 8e-5


def cpsat_build_s(n_entries: int) -> float:
    """Estimated seconds to build a CP-SAT model over ``n_entries`` candidate entries."""
    return BUILD_S_PER_ENTRY * max(0, int(n_entries))


def glop_det(seconds: float) -> float:
    """GLOP deterministic time for ``seconds`` (at least 0.05)."""
    return max(0.05, GLOP_DET_PER_S * seconds)


def pdlp_iterations(seconds: float, nnz: int) -> int:
    """PDLP iterations for ``seconds`` on a matrix of ``nnz`` entries (at least 100)."""
    return max(100, int(PDLP_ENTRY_ITERS_PER_S * seconds / max(1, nnz)))


def evaluations(seconds: float) -> int:
    """Heuristic evaluations (candidates priced) for ``seconds`` (at least 1,000)."""
    return max(1000, int(EVALS_PER_S * seconds))


#: Unit moves the contiguity repair prices per second (each one a few dictionary look-ups and a
#: numpy pass over the sellers' balance groups: about 100-250 µs on a quiet reference machine).
REPAIR_TRIALS_PER_S = 3.0e3


def repair_trials(seconds: float) -> int:
    """Unit moves the contiguity repair may price in ``seconds`` (at least 200)."""
    return max(200, int(REPAIR_TRIALS_PER_S * seconds))


#: Border moves the contiguity annealing prices per second (a price, a Metropolis draw and, when
#: made, a connectivity search in the giver's units): about 14,000 under a load of 4-5 on the
#: reference machine, counted at less than half that.
ANNEAL_TRIALS_PER_S = 6.0e3


def anneal_trials(seconds: float) -> int:
    """Border moves the contiguity annealing may price in ``seconds`` (at least 0)."""
    return max(0, int(ANNEAL_TRIALS_PER_S * seconds))


#: Seconds one round of the contiguity cuts takes per candidate entry (a GLOP solve and a
#: separation): 1.5-2.5 s on fr-pme's 15,636 entries under a load of 6-9 on the reference
#: machine, counted at 1.1 s (its safety net is twice its seconds).
CUT_ROUND_S_PER_ENTRY = 7.0e-5


def cut_rounds(seconds: float, nnz: int) -> int:
    """LP solves of the contiguity-cut bound that fit in ``seconds`` on ``nnz`` entries."""
    return max(0, int(seconds / (CUT_ROUND_S_PER_ENTRY * max(1, nnz))))


def numpy_passes(seconds: float, size: int, least: int = 1) -> int:
    """Vectorized passes over ``size`` elements for ``seconds`` (at least ``least``)."""
    return max(least, int(NUMPY_ELEMENTS_PER_S * seconds / max(1, size)))


@dataclass
class Clock:
    """The wall-clock deadline of one solve and the stages it had to stop.

    Stages stop on their deterministic budgets; each also checks the deadline (the safety
    net) and calls :meth:`fired` when the deadline, not its budget, stopped it.

    Attributes
    ----------
    deadline
        ``time.perf_counter()`` value by which the solve must be done.
    stopped
        Names of the stages the deadline stopped, in order (no repeats).
    """

    deadline: float
    stopped: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def after(cls, seconds: float, start: float | None = None) -> Clock:
        """A clock whose deadline is ``seconds`` after ``start`` (default: now).

        Parameters
        ----------
        seconds
            Seconds until the deadline.
        start
            ``time.perf_counter()`` value the seconds count from.

        Returns
        -------
        Clock
            A clock with no stage stopped yet.
        """
        return cls((time.perf_counter() if start is None else start) + seconds)

    def left(self) -> float:
        """Seconds until the deadline (negative once passed)."""
        return self.deadline - time.perf_counter()

    def expired(self, margin: float = 0.0) -> bool:
        """Whether the deadline (less ``margin`` seconds) has passed."""
        return time.perf_counter() >= self.deadline - margin

    def fired(self, stage: str) -> None:
        """Record that the deadline, not its deterministic budget, stopped ``stage``."""
        with self._lock:
            if stage not in self.stopped:
                self.stopped.append(stage)

    @property
    def deterministic(self) -> bool:
        """True while no stage was stopped by the deadline."""
        return not self.stopped

    def reason(self) -> str:
        """Why the run is not reproducible ('' when it is)."""
        if not self.stopped:
            return ""
        return "the wall-clock safety net stopped: " + ", ".join(self.stopped)
