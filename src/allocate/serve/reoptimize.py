"""Re-optimize around hand edits: the solve workflow with every lock kept and a move cap.

The session's alignment becomes "today" for the solver (so the move term and the cap count
*further* moves), and its locked rows become the problem's fixed items. The model is rebuilt
with :func:`~allocate.organize.presets.build_model` on an instance whose accounts carry those
owners and locks (locked accounts are then their own bundles and their seller a candidate),
and each bundle's current and fixed seller is set from the session's rows. Then the usual
stages run: :func:`~allocate.solvers.pipeline.solve_assignment` and, for the geography model,
the :class:`~allocate.align.contiguity.ContiguityStage` (time limits of 10 s and more). When the
session's alignment already holds every rule and the model is small enough for CP-SAT whole,
CP-SAT starts from it instead of the pipeline's LP rounding (:func:`_from_current`). Around
a few hand edits on a larger model, only the *neighbourhood* of the edits is free
(:func:`edit_neighbourhood`: the unlocked items nearest to each edited account, at most
:data:`NEIGHBOURHOOD_ITEMS`); every other item keeps its seller and enters the CP-SAT model
as a constant. The model is then a fraction of the whole one (built in a fraction of the
time) and CP-SAT often proves the neighbourhood optimal well before the time limit. The
answer is a :class:`Proposal`: the rows whose seller would change, for the user to accept or
reject.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from allocate.align.contiguity import ContiguityStage
from allocate.align.solve import alignment_from_choice
from allocate.core.errors import InfeasibleError
from allocate.core.instance import Instance
from allocate.core.scenario import Scenario
from allocate.core.status import SolveStatus
from allocate.organize.items import ModelProblem
from allocate.organize.presets import build_model
from allocate.serve.live import LiveKpis
from allocate.serve.session import sellers_from_alignment
from allocate.solvers.budget import Clock
from allocate.solvers.cpsat import STOP, AssignmentModel, solve_model
from allocate.solvers.heuristics import repair
from allocate.solvers.pipeline import AssignmentSolution, SolveParams, solve_assignment
from allocate.solvers.problem import AssignmentProblem, evaluate
from allocate.solvers.scaling import Scales, scales_for, snap

#: Shortest time limit for which the geography model's contiguity stage runs after the solve.
CONTIGUITY_MIN_S = 10.0
#: Most items freed around the hand edits; a model with fewer candidate entries than
#: :data:`WHOLE_MODEL_ENTRIES` (or without edits) is re-optimized whole.
NEIGHBOURHOOD_ITEMS = 400
WHOLE_MODEL_ENTRIES = 6_000


class NoProposal(ValueError):
    """The solve found no alignment that keeps the locks, the move cap and the capacities."""


@dataclass(frozen=True)
class Proposal:
    """What the solver proposes: new sellers for some rows, and the indicators after.

    Attributes
    ----------
    rows, before, after
        The rows that change, their seller now and proposed.
    status
        The solve status.
    wall_s
        Seconds of the solve.
    totals
        :meth:`LiveKpis.totals` of the proposed alignment.
    locks_not_applied
        Account ids whose lock the model could not keep (their seller is not a candidate).
    interrupted
        True when the search was stopped early.
    free_items
        Items the solver could move (the neighbourhood of the edits); ``0`` when the
        whole model was free.
    """

    rows: NDArray[np.int64]
    before: NDArray[np.int64]
    after: NDArray[np.int64]
    status: str
    wall_s: float
    totals: dict[str, Any]
    locks_not_applied: tuple[str, ...]
    interrupted: bool
    free_items: int = 0


def locked_instance(instance: Instance, mp: ModelProblem, seller: NDArray[np.int64],
                    locked: NDArray[np.bool_]) -> Instance:
    """``instance`` with the session's owners as today's sellers and its locks.

    For whole-account models each account has one row: its seller becomes today's and its
    lock the account's. In split models (a row per role or product line) today's sellers
    stay and no account is locked here: locks are set per bundle by :func:`locked_problem`.

    Returns
    -------
    Instance
        A copy with new ``current_seller`` and ``locked`` arrays.
    """
    acc = instance.accounts
    rows = mp.rows
    if rows.key_kind:
        cur, lock = acc.current_seller, np.zeros(len(acc), dtype=bool)
    else:
        cur = np.array(acc.current_seller, dtype=np.int64)
        cur[rows.account] = seller
        lock = np.zeros(len(acc), dtype=bool)
        lock[rows.account] = locked
    return dataclasses.replace(instance, accounts=dataclasses.replace(acc, current_seller=cur, locked=lock))


def locked_problem(instance: Instance, mp: ModelProblem, seller: NDArray[np.int64],
                   locked: NDArray[np.bool_], max_moves: int | None) -> tuple[ModelProblem, tuple[str, ...]]:
    """The model problem with each bundle's current seller and lock from the session's rows.

    Parameters
    ----------
    instance
        The instance (from :func:`locked_instance`).
    mp
        Its model (rebuilt on that instance).
    seller, locked
        Seller and lock of each row of ``mp``.
    max_moves
        Most further moves (``None``: no cap).

    Returns
    -------
    ModelProblem, tuple of str
        The problem to solve, and the accounts whose lock cannot apply.
    """
    p, rows = mp.problem, mp.rows
    current = np.full(p.n_items, -1, dtype=np.int64)
    fixed = np.full(p.n_items, -1, dtype=np.int64)
    lost: list[str] = []
    for r in range(len(rows)):
        b, s = int(rows.bundle[r]), int(seller[r])
        ok = p.candidate_index(b, s) >= 0
        if current[b] < 0 and ok:
            current[b] = s
        if locked[r]:
            if ok and fixed[b] in (-1, s):
                fixed[b] = s
            else:
                lost.append(instance.accounts.ids[rows.account[r]])
    # a bundle with a locked row (a moved site of a multi-site group) is where its lock is
    current = np.where(fixed >= 0, fixed, current)
    # the moves are counted from this ``current`` again (stays and movable derived from it)
    empty = np.zeros(0, dtype=np.int64)
    problem = dataclasses.replace(p, fixed=fixed, current=current, max_moves=max_moves, stays=empty, movable=empty)
    return dataclasses.replace(mp, problem=problem), tuple(lost)


def reoptimize(
    instance: Instance,
    scenario: Scenario,
    mp: ModelProblem,
    seller: NDArray[np.int64],
    locked: NDArray[np.bool_],
    *,
    time_limit_s: float,
    max_moves: int | None,
    on_solution: Callable[[float, float], None] | None = None,
    edited: NDArray[np.bool_] | None = None,
) -> Proposal:
    """Solve again around the locked rows, from the session's alignment.

    Parameters
    ----------
    instance, scenario, mp
        The session's instance, scenario and model.
    seller, locked
        Seller and lock of each row of ``mp`` (a snapshot).
    time_limit_s
        Wall-clock limit of the solve.
    max_moves
        Most rows' accounts moved further (``None``: no cap beyond the scenario's weights).
    on_solution
        Called with (seconds, objective) at each improving solution.
    edited
        Rows changed by hand (a mask over the rows of ``mp``): their neighbourhood is what
        moves on a large model (``None`` or none edited: the whole model).

    Returns
    -------
    Proposal
        The rows that would change.

    Raises
    ------
    InfeasibleError
        When the locks, the cap and the capacities cannot all hold.
    """
    t0 = time.perf_counter()
    # an interactive proposal is bound by the wall clock (deterministic budgets stretch under
    # load): the user asked for an answer in ``time_limit_s``
    sc = scenario.model_copy(update={"time_limit_s": time_limit_s, "max_moves": max_moves,
                                     "max_moves_share": None, "deterministic": False})
    inst = locked_instance(instance, mp, seller, locked)
    mp2 = build_model(inst, sc, mp.name)
    with _cap_named(max_moves):
        mp2, lost = locked_problem(inst, mp2, _match(mp, mp2, seller), _match(mp, mp2, locked), max_moves)
    # the contiguity stage needs several seconds: only for longer re-optimizations
    stage = ContiguityStage.plan(inst, sc, mp2) if time_limit_s >= CONTIGUITY_MIN_S else None
    params = SolveParams(
        time_limit_s=max(0.5, time_limit_s - (time.perf_counter() - t0) - (stage.time_s() if stage else 0.0)),
        workers=sc.workers, seed=sc.seed, deterministic=sc.deterministic, on_solution=on_solution,
    )
    scales = scales_for(mp2.problem)
    snapped = snap(mp2.problem, scales)  # the data as CP-SAT sees it
    keeps = _current_choice(snapped)
    free = None
    if keeps is not None and edited is not None and mp2.problem.nnz > WHOLE_MODEL_ENTRIES:
        free = edit_neighbourhood(inst, mp2, _match(mp, mp2, edited), NEIGHBOURHOOD_ITEMS)
    with _cap_named(max_moves):
        if keeps is not None and (free is not None or mp2.problem.nnz <= params.full_model_max_entries):
            sol = _from_current(mp2.problem, snapped, scales, keeps, params, free=free,
                                deadline=t0 + time_limit_s - (stage.time_s() if stage else 0.0))
        else:
            sol = solve_assignment(mp2.problem, params)
    if not sol.status.has_solution and keeps is not None and not (keeps != _plain(mp2.problem)).any():
        # the search found nothing better than what is there, which already holds every rule
        return Proposal(rows=np.zeros(0, dtype=np.int64), before=np.zeros(0, dtype=np.int64),
                        after=np.zeros(0, dtype=np.int64), status="no better alignment found",
                        wall_s=time.perf_counter() - t0, totals=LiveKpis(instance, mp.rows, seller).totals(),
                        locks_not_applied=lost, interrupted=sol.interrupted,
                        free_items=0 if free is None else len(free))
    if not sol.status.has_solution:
        raise NoProposal(
            f"no alignment keeping the {int((mp2.problem.fixed >= 0).sum())} locked items, the move cap and "
            f"the capacities was found in {time.perf_counter() - t0:.1f} s: allow more time or more moves, "
            "or unlock some edits"
        )
    choice = sol.choice
    if stage is not None and not sol.interrupted:
        choice = stage.run(sol, Clock.after(time_limit_s, t0)).choice
    after = sellers_from_alignment(mp, alignment_from_choice(mp2, choice))
    changed = np.flatnonzero(after != seller)
    return Proposal(
        rows=changed, before=seller[changed], after=after[changed], status=sol.status.value,
        wall_s=time.perf_counter() - t0, totals=LiveKpis(instance, mp.rows, after).totals(),
        locks_not_applied=lost, interrupted=sol.interrupted, free_items=0 if free is None else len(free),
    )


@contextmanager
def _cap_named(max_moves: int | None) -> Iterator[None]:
    """Add the move cap to a proof of infeasibility: it is one of the constraints that cannot
    all hold, and the model's own advice (candidates, capacity, balance) does not name it."""
    try:
        yield
    except InfeasibleError as exc:
        if max_moves is None:
            raise
        raise dataclasses.replace(exc, reason=f"{exc.reason}; at most {max_moves} further move(s) were "
                                              "allowed: a larger move cap, or none, may make room") from exc


def edit_neighbourhood(instance: Instance, mp: ModelProblem, edited: NDArray[np.bool_],
                       size: int) -> NDArray[np.int64] | None:
    """The unlocked items nearest to the edited rows: what a re-optimization around the edits
    may move.

    Each edited item (bundle) in turn takes its nearest unlocked item not taken yet
    (straight-line distance between the items' mean positions; an unlocked edited item is its
    own nearest), until ``size`` items: the territories around each edit may rebalance with
    their neighbours. Locked items are fixed whatever the neighbourhood, so none is spent on
    them; with more edited items than ``size``, every k-th one is a seed.

    Parameters
    ----------
    instance
        The instance (account positions).
    mp
        The model problem (its ``fixed`` items are the locked ones).
    edited
        Mask over the rows of ``mp``.
    size
        Most items freed.

    Returns
    -------
    numpy.ndarray or None
        Sorted item indices; ``None`` when nothing is edited or when every unlocked item fits
        in ``size`` (the whole model is then re-optimized).
    """
    rows, p = mp.rows, mp.problem
    seeds = np.unique(rows.bundle[np.asarray(edited, dtype=bool)])
    movable = np.flatnonzero(p.fixed < 0)
    if len(seeds) == 0 or len(movable) <= size:
        return None
    acc = instance.accounts
    lat, lon = acc.lat[rows.account], acc.lon[rows.account]
    n = np.bincount(rows.bundle, minlength=p.n_items).clip(1)
    y = np.bincount(rows.bundle, weights=lat, minlength=p.n_items) / n
    x = np.bincount(rows.bundle, weights=lon, minlength=p.n_items) / n * np.cos(np.radians(np.mean(y)))
    seeds = seeds[:: -(-len(seeds) // size)]
    from scipy.spatial import cKDTree

    k = min(len(movable), 3 * -(-size // len(seeds)))  # neighbours overlap: ask for more
    _, near = cKDTree(np.c_[x[movable], y[movable]]).query(np.c_[x[seeds], y[seeds]], k=k)
    order = movable[np.asarray(near).reshape(len(seeds), -1).T.ravel()]  # round-robin, nearest first
    _, first = np.unique(order, return_index=True)
    return np.sort(order[np.sort(first)][:size])


def _current_choice(p: AssignmentProblem) -> NDArray[np.int64] | None:
    """Each bundle's current seller as a candidate entry, repaired for capacity if need be
    (:func:`allocate.solvers.heuristics.repair`), when that is a feasible answer."""
    choice = _plain(p)
    if not bool((choice >= 0).all()):
        return None
    if not evaluate(p, choice).feasible:
        choice = repair(p, choice, rounds=6)
    return choice if evaluate(p, choice).feasible else None


def _plain(p: AssignmentProblem) -> NDArray[np.int64]:
    """Each bundle's current seller as a candidate entry (``-1`` where it is not one)."""
    return np.array([p.candidate_index(b, int(p.current[b])) if p.current[b] >= 0 else -1
                     for b in range(p.n_items)], dtype=np.int64)


def _from_current(problem: AssignmentProblem, snapped: AssignmentProblem, scales: Scales,
                  start: NDArray[np.int64], params: SolveParams, deadline: float,
                  free: NDArray[np.int64] | None = None) -> AssignmentSolution:
    """CP-SAT from the session's (feasible) alignment as its hint, on the whole model or on
    the ``free`` items only (the others keep their seller).

    Around a few edits the session's alignment is a far better start than the pipeline's LP
    rounding, and it skips the LP and the start heuristics, whose time grows with the model:
    the answer comes within the time limit. CP-SAT keeps the hint when it finds nothing better.
    On a neighbourhood, CP-SAT's "optimal" and "infeasible" are the neighbourhood's only:
    the answer is then "feasible" (the start is feasible, so it stands), with no bound.
    """
    t0 = time.perf_counter()
    model = AssignmentModel(snapped, scales, free=free, base=start)
    report = params.on_solution
    cb = (lambda obj: report(time.perf_counter() - t0, obj)) if report is not None else None
    # what is left of the user's limit once the model is built (a little kept to answer)
    left = max(0.3, deadline - time.perf_counter() - 0.2)
    out = solve_model(model, left, params.workers, params.seed, None, False, cb)
    whole = free is None
    if out.status == cp_model.INFEASIBLE and whole:
        raise InfeasibleError("CP-SAT proved that the locks, the move cap and the balance cannot all hold")
    choice = start if out.choice is None else out.choice
    ev = evaluate(problem, choice)
    if not ev.feasible:  # never propose worse than the feasible start
        choice, ev = start, evaluate(problem, start)
    status = SolveStatus.OPTIMAL if out.status == cp_model.OPTIMAL and whole else SolveStatus.FEASIBLE
    bound = min(out.bound, ev.objective) if whole else float("nan")
    return AssignmentSolution(status, choice, ev.objective, bound, float("nan"),
                              time.perf_counter() - t0, False, out.objective, STOP.is_set())


def _match(mp: ModelProblem, mp2: ModelProblem, values: NDArray[Any]) -> NDArray[Any]:
    """``values`` per row of ``mp``, reordered to the rows of ``mp2`` (same account and key)."""
    a, b = mp.rows, mp2.rows
    if np.array_equal(a.account, b.account) and a.key == b.key:
        return values
    pos = {(int(x), k): r for r, (x, k) in enumerate(zip(a.account, a.key, strict=True))}
    return values[np.array([pos[(int(x), k)] for x, k in zip(b.account, b.key, strict=True)], dtype=np.int64)]
