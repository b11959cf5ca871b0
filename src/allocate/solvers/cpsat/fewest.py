"""CP-SAT on the fewest moves under capacity, account limits and locks, as a proof on real data.

The searches' CP-SAT models round loads *up* and capacities *down* to 0.001 h
(:mod:`allocate.solvers.scaling`): every alignment they accept fits the real hours, but
their bound and their "infeasible" hold for the rounded data only. This model rounds the
other way, loads *down* and capacities *up*, on a scale a thousand times finer
(:data:`FLOOR_LOAD_SCALE`): every alignment that fits the real hours fits it, so it is a
relaxation of the real rules and its bound on the moves is a proof for the real data. Its
alignments may exceed a real capacity by the rounding (at most a millionth of an hour per
item): the caller checks them on the real data before using them as witnesses.

The hard balance bands are left out (the model relaxes them), as in the LP floor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from allocate.solvers.cpsat.setup import STOP, new_solver
from allocate.solvers.problem import AssignmentProblem

log = logging.getLogger(__name__)

#: Units per hour of the model's loads and capacities (1 unit = 3.6 ms): on ``fr-pme``
#: geography the 0.001 h scale of the searches, rounded this way, proves only 522 moves
#: where 523 are needed (its relaxation admits an alignment of 522 that the real hours do
#: not); at this scale it proves 523 and its 523-move alignment fits the real hours.
FLOOR_LOAD_SCALE = 1.0e6
#: Largest scaled capacity (keeps every sum of scaled loads far inside 64 bits).
MAX_UNITS = 2.0**50


@dataclass(frozen=True)
class FewestMoves:
    """What CP-SAT proved and found on the fewest moves.

    Attributes
    ----------
    bound
        Moves that every alignment meeting capacity, account limits and locks needs on the
        real data (``0`` when CP-SAT proved nothing; ``inf`` when it proved none exists).
    choice
        The alignment of fewest moves found on the relaxed data (``None`` without one); it
        is a witness only once checked on the real data.
    optimal
        CP-SAT proved ``choice`` to have the fewest moves of the relaxed data.
    clock_stopped
        The wall clock, not the deterministic budget or a proof, ended the search.
    """

    bound: float
    choice: NDArray[np.int64] | None
    optimal: bool
    clock_stopped: bool


def fewest_moves(
    p: AssignmentProblem, det: float, wall_s: float, seed: int, hint: NDArray[np.int64] | None = None,
    enough: Callable[[NDArray[np.int64]], bool] | None = None,
) -> FewestMoves:
    """Minimize the accounts moved under ``p``'s capacity, account limits and locks.

    One single-threaded search with a deterministic budget (reproducible), with CP-SAT's
    cuts on (``linearization_level`` 2: the knapsack and MIR cuts that raise the bound above
    the LP's) and the light presolve of the pipeline's models.

    Parameters
    ----------
    p
        The assignment problem on the real data (its cap, balances and objective are ignored).
    det
        CP-SAT's deterministic-time budget.
    wall_s
        Wall-clock limit, the safety net.
    seed
        CP-SAT's random seed.
    hint
        An alignment to start from (candidate entry per item), e.g. the LP's rounding.
    enough
        Called with each improving alignment: when it says yes (e.g. within a cap and
        checked on the real data) the search stops there, without proving that fewer
        moves are impossible (a stop at a solution of a single-threaded search: reproducible).

    Returns
    -------
    FewestMoves
        The bound proven for the real data and the best alignment of the relaxed data.
    """
    n = p.nnz
    scale = load_scale(p)
    load = np.floor(np.asarray(p.load) * scale).astype(np.int64)  # down: a relaxation
    cap = np.ceil(np.asarray(p.capacity) * scale).astype(np.int64)  # up: a relaxation
    item_of = p.item_of
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{e}") for e in range(n)]
    for i in range(p.n_items):
        model.add_exactly_one(x[p.indptr[i]:p.indptr[i + 1]])
    by_seller = [np.flatnonzero(p.seller == s) for s in range(p.n_sellers)]
    for s, ks in enumerate(by_seller):
        xs = [x[k] for k in ks]
        model.add(cp_model.LinearExpr.weighted_sum(xs, [int(v) for v in load[ks]]) <= int(cap[s]))
        if p.max_items[s] >= 0:
            counts = [int(v) for v in p.count[item_of[ks]]]
            model.add(cp_model.LinearExpr.weighted_sum(xs, counts) <= int(p.max_items[s]))
    locked = p.fixed[item_of]
    for k in np.flatnonzero((locked >= 0) & (p.seller != locked)):
        model.add(x[k] == 0)
    moves = p.entry_moves
    moved = np.flatnonzero(moves)
    model.minimize(cp_model.LinearExpr.weighted_sum([x[k] for k in moved], [int(v) for v in moves[moved]]))
    if hint is not None:
        chosen = np.zeros(n, dtype=bool)
        chosen[np.asarray(hint, dtype=np.int64)] = True
        for e in range(n):
            model.add_hint(x[e], bool(chosen[e]))
    solver = new_solver(wall_s, 1, seed, max(0.01, det))
    prm = solver.parameters
    prm.linearization_level = 2
    prm.max_presolve_iterations = 1
    prm.symmetry_level = 0
    prm.cp_model_probing_level = 0  # on fr-pme geography: 523 proven at 1.3 det instead of 1.5
    if STOP.is_set():
        prm.max_time_in_seconds = 0.001
    stopped = _Enough(x, p, enough)
    status = solver.solve(model, stopped)
    log.info("CP-SAT on the fewest moves: %s, bound %.0f, %.2f det (budget %.2f), %.2f s",
             solver.status_name(status), solver.best_objective_bound, solver.deterministic_time, det, solver.wall_time)
    proven = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE) or stopped.done
    clock_stopped = not (proven or solver.deterministic_time >= 0.999 * max(0.01, det) or STOP.is_set())
    if status == cp_model.INFEASIBLE:
        return FewestMoves(float("inf"), None, False, clock_stopped)
    bound = float(solver.best_objective_bound)
    bound = max(0.0, bound) if np.isfinite(bound) else 0.0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return FewestMoves(bound, None, False, clock_stopped)
    choice = _choice(p, np.array([solver.boolean_value(v) for v in x], dtype=bool))
    return FewestMoves(bound, choice, status == cp_model.OPTIMAL, clock_stopped)


def load_scale(p: AssignmentProblem) -> float:
    """Units per hour of a fine integer model of ``p``'s loads: :data:`FLOOR_LOAD_SCALE`, or
    the largest power of ten that keeps every sum of scaled loads within :data:`MAX_UNITS`."""
    top = float(np.max(p.capacity, initial=0.0)) + float(np.abs(p.load).sum())
    if top * FLOOR_LOAD_SCALE <= MAX_UNITS:
        return FLOOR_LOAD_SCALE
    return float(10.0 ** np.floor(np.log10(MAX_UNITS / max(top, 1.0))))


def _choice(p: AssignmentProblem, value: NDArray[np.bool_]) -> NDArray[np.int64]:
    """The candidate entry chosen for each item from the values of the entries' literals."""
    starts = p.indptr[:-1]
    chosen = np.flatnonzero(value)
    out = starts.copy()
    out[p.item_of[chosen]] = chosen
    return out


class _Enough(cp_model.CpSolverSolutionCallback):
    """Stops the search at the first solution that ``enough`` accepts (and on a Ctrl-C)."""

    def __init__(self, x: list[cp_model.IntVar], p: AssignmentProblem, enough: Callable[[NDArray[np.int64]], bool] | None) -> None:
        super().__init__()
        self.x, self.p, self.enough = x, p, enough
        self.done = False

    def on_solution_callback(self) -> None:
        if STOP.is_set():
            self.stop_search()
            return
        if self.enough is None:
            return
        choice = _choice(self.p, np.array([self.boolean_value(v) for v in self.x], dtype=bool))
        if self.enough(choice):
            self.done = True
            self.stop_search()
