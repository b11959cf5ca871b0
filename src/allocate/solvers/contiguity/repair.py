"""The enclave repair: territories made contiguous by handing detached pieces over, whole or unit by unit.

A territory is *contiguous* when the units of its (non-key-account) bundles form one
connected set in the unit adjacency graph (:mod:`allocate.solvers.contiguity.graph`); a
territory spanning several components of that graph (an island, a patch of units cut off by
units without accounts) is contiguous when it holds one piece per component it spans.
The contiguity stage of :func:`allocate.align.solve.solve` (:mod:`allocate.align.contiguity`)
runs this repair first, then the exact flow model (up to
:data:`~allocate.solvers.contiguity.exact.EXACT_MAX_UNITS` units holding accounts) or its
neighbourhood search (:mod:`allocate.solvers.contiguity.lns`) from its result.

The repair, on the incremental totals of :class:`~allocate.solvers.contiguity.territories.Territories`:

1. **Pieces.** For each seller and each component of the unit graph, the *core* is the piece
   with the most workload; every other piece is an *enclave*. Enclaves are handled smallest
   (workload) first, in rounds, until a round moves none.
2. **Whole hand-over.** The enclave goes, whole, to the seller owning an adjacent unit that
   may serve all its items, worsens no hard rule (capacity, account limit, move cap, hard
   balance band) and raises the objective least. Giving a piece to an adjacent territory keeps
   that territory connected, so every hand-over removes a piece.
3. **Ejection.** When every adjacent seller is full, one of them makes room: it hands some of
   its own border units (whose loss keeps it connected, away from the enclave) to its other
   neighbours, cheapest first, then takes the enclave; a full neighbour of it may itself hand
   a unit on first (a chain of :data:`CHAIN_DEPTH`); undone when the room is not found.
4. **Dissolution.** Else the units of an enclave (of at most :data:`MAX_DISSOLVE` units) go
   one at a time to adjacent sellers (each such move keeps the receiver connected); undone
   when a unit finds no taker. A territory in two pieces whose enclave finds no taker may
   give its core away instead, by the same steps.
5. **Polish.** Border units then move to a neighbouring territory when that lowers the
   objective, keeps both territories connected and worsens no hard rule.
6. **Rebalance.** The bundles outside the unit graph that are not locked (multi-site groups)
   belong to no territory's map: the shift search of
   :func:`~allocate.solvers.heuristics.improve` moves them, every unit held where it is, to
   mend the balance that the hand-overs broke. On a generated 100k x 500 instance (1,396
   such bundles) the repaired alignment went from 17,212 to 16,419 (imbalance 1,950 -> 1,108;
   a second polish then 16,216, left to the border annealing that follows in the stage); on
   20k x 100 (293 of them) from 3,334 to 3,330.

Every step is priced incrementally and counted; the repair stops after ``trials`` priced moves
(a deterministic budget sized by the caller from the time limit,
:func:`~allocate.solvers.budget.evaluations`), the ``clock`` being the wall-clock safety net.
The steps 2-4 may raise the objective by at most ``budget`` (the scenario's
``contiguity_budget``) of its absolute value in total. Key-account bundles (multi-site groups)
and locked accounts are outside the unit graph and never move in steps 1-5. Enclaves that cannot move
without breaking a hard rule stay, and are counted in the KPI ``non_contiguous_territories``:
a split is reported, a rule is never broken.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.budget import EVALS_PER_S, REPAIR_TRIALS_PER_S, Clock
from allocate.solvers.contiguity.graph import UnitGraph
from allocate.solvers.contiguity.territories import EPS, Territories
from allocate.solvers.heuristics import improve
from allocate.solvers.problem import AssignmentProblem

log = logging.getLogger(__name__)

#: Border units a full neighbour may hand on to make room for an enclave.
MAX_EJECTIONS = 6
#: Length of an ejection chain: a full neighbour's unit may go to a neighbour that first hands
#: on one of its own (2), and how many such chains are tried per ejection.
CHAIN_DEPTH = 2
CHAIN_TRIES = 3
#: Largest enclave (units) dissolved unit by unit: each unit of a larger one would price the
#: whole border again.
MAX_DISSOLVE = 40
#: Priced moves between two looks at the wall clock.
CLOCK_EVERY = 256
#: Default trial budget (priced moves) when the caller gives none.
DEFAULT_TRIALS = 200_000
#: Shifts priced by the rebalancing (step 6) per priced unit move of the budget: both are
#: counts calibrated against the same seconds (:mod:`allocate.solvers.budget`).
SHIFTS_PER_TRIAL = EVALS_PER_S / REPAIR_TRIALS_PER_S


class _OutOfBudget(Exception):
    """The trial budget or the wall clock ran out."""


class _Repair:
    """One run of the repair (see the module docstring)."""

    def __init__(
        self,
        problem: AssignmentProblem,
        graph: UnitGraph,
        choice: NDArray[np.int64],
        trials: int,
        budget: float,
        clock: Clock | None,
    ) -> None:
        self.t = Territories(problem, graph, choice)
        self.max_trials = trials
        self.clock = clock
        start = self.t.objective()
        self.limit = start + budget * abs(start)
        self.stopped_by_clock = False
        #: whole hand-overs only (no ejection, no dissolution): the capped pass before an
        #: uncapped one
        self.whole_only = False

    def _tick(self) -> None:
        t = self.t
        if t.trials >= self.max_trials:
            raise _OutOfBudget
        if self.clock is not None and t.trials % CLOCK_EVERY == 0 and self.clock.expired():
            self.stopped_by_clock = True
            raise _OutOfBudget

    # -- hand-overs ---------------------------------------------------------------------------

    def _best_receiver(self, piece: set[int], s: int, spend: bool) -> tuple[int, float] | None:
        """The cheapest adjacent seller that may take ``piece`` whole without worsening a rule."""
        t = self.t
        best: tuple[float, int] | None = None
        units = sorted(piece)
        for r in t.neighbours_of(units, s):
            self._tick()
            trial = t.price(units, s, r)
            if trial is None or trial.worsens:
                continue
            if spend and t.objective() + trial.delta > self.limit + EPS:
                continue
            if best is None or (trial.delta, r) < best:
                best = (trial.delta, r)
        return None if best is None else (best[1], best[0])

    def _move(self, units: list[int], r: int, done: list[tuple[int, int]]) -> None:
        """Hand ``units`` to ``r``, recording them in ``done`` (unit, seller before) for an undo."""
        done.extend((u, self.t.owner[u]) for u in units)
        self.t.move(units, r)

    def _undo(self, done: list[tuple[int, int]], mark: int) -> None:
        """Undo the moves of ``done`` after position ``mark``."""
        while len(done) > mark:
            u, back = done.pop()
            self.t.move([u], back)

    def _eject_one(self, r: int, avoid: set[int], depth: int, done: list[tuple[int, int]]) -> bool:
        """Hand one border unit of ``r`` (not in ``avoid``, ``r`` staying connected) to a
        neighbour, the cheapest that worsens no hard rule; with ``depth`` > 1 a full
        neighbour may first make room the same way (an ejection chain)."""
        t = self.t
        if len(t.members[r]) <= 1:
            return False
        offers: list[tuple[bool, float, int, int]] = []
        for u in sorted(t.members[r]):
            if u in avoid:
                continue
            for q in t.neighbours_of([u], r):  # q may own the enclave: u joins it elsewhere
                self._tick()
                tr = t.price([u], r, q)
                if tr is not None:
                    offers.append((tr.worsens, tr.delta, u, q))
        chained = 0
        for worsens, _, u, q in sorted(offers):
            if not t.stays_connected(r, u):
                continue
            if not worsens:
                self._move([u], q, done)
                return True
            if depth <= 1 or chained >= CHAIN_TRIES:
                break
            chained += 1
            mark = len(done)
            keep = avoid | {u} | set(t.graph.adj[u])  # q keeps a unit next to u
            if self._eject_one(q, keep | set(t.members[r]), depth - 1, done):
                tr = t.price([u], r, q)
                if tr is not None and not tr.worsens:
                    self._move([u], q, done)
                    return True
            self._undo(done, mark)
        return False

    def _eject_for(self, piece: set[int], s: int) -> bool:
        """Make room at a full neighbour by handing on its border units, then give it ``piece``."""
        t = self.t
        units = sorted(piece)
        near = {v for u in units for v in t.graph.adj[u]}
        for r in t.neighbours_of(units, s):
            if any(t.offer(u, r) is None for u in units):
                continue
            done: list[tuple[int, int]] = []
            for _ in range(MAX_EJECTIONS):
                self._tick()
                trial = t.price(units, s, r)
                if trial is not None and not trial.worsens and t.objective() + trial.delta <= self.limit + EPS:
                    t.move(units, r)
                    return True
                if not self._eject_one(r, near | piece, CHAIN_DEPTH, done):
                    break
            self._undo(done, 0)
        return False

    def _dissolve(self, piece: set[int], s: int) -> bool:
        """Hand the units of ``piece`` one at a time to adjacent sellers; undone on failure."""
        t = self.t
        left = set(piece)
        done: list[int] = []
        while left:
            best: tuple[float, int, int] | None = None
            for u in sorted(left):
                for r in t.neighbours_of([u], s):
                    self._tick()
                    tr = t.price([u], s, r)
                    if tr is None or tr.worsens or t.objective() + tr.delta > self.limit + EPS:
                        continue
                    if best is None or (tr.delta, u, r) < best:
                        best = (tr.delta, u, r)
            if best is None:
                for u in reversed(done):
                    t.move([u], s)
                return False
            t.move([best[1]], best[2])
            left.discard(best[1])
            done.append(best[1])
        return True

    def _give_away(self, piece: set[int], s: int) -> bool:
        """Steps 2-4 for one piece of ``s``: whole, after an ejection, or unit by unit."""
        found = self._best_receiver(piece, s, spend=True)
        if found is not None:
            self.t.move(sorted(piece), found[0])
            return True
        if self.whole_only:
            return False
        return self._eject_for(piece, s) or (len(piece) <= MAX_DISSOLVE and self._dissolve(piece, s))

    def hand_over(self) -> None:
        """Steps 1-4: until no enclave moves."""
        t = self.t
        stuck: set[tuple[int, frozenset[int]]] = set()
        while True:
            enclaves = [
                (t.load_of(piece, s), min(piece), s, piece)
                for s in sorted(t.members)
                for piece in t.split_pieces(s)
                if (s, frozenset(piece)) not in stuck
            ]
            if not enclaves:
                return
            moved = False
            for _, _, s, piece in sorted(enclaves, key=lambda e: e[:3]):
                if not piece <= t.members.get(s, set()):
                    continue  # an earlier hand-over changed this territory: next round
                if self._give_away(piece, s):
                    moved = True
                    continue
                # a territory in two pieces may keep the enclave and give the core away instead
                comp = t.graph.comp_of[min(piece)]
                others = [c for c in t.pieces(s) if c != piece and t.graph.comp_of[min(c)] == comp]
                if len(others) == 1 and self._give_away(others[0], s):
                    moved = True
                else:
                    stuck.add((s, frozenset(piece)))
            if not moved:
                return
            stuck.clear()  # room may have opened next to the enclaves that found none

    # -- rebalance ----------------------------------------------------------------------------

    def rebalance(self) -> bool:
        """Step 6: shifts of the free bundles outside the unit graph, on what is left of the
        budget; whether any moved."""
        t = self.t
        p = t.p
        outside = (t.graph.b_unit < 0) & (p.fixed < 0)
        left = self.max_trials - t.trials
        if not outside.any() or left <= 0:
            return False
        # every unit's bundles held by their seller, locks kept: only the free bundles move
        held = np.where(p.fixed >= 0, p.fixed, p.seller[t.choice])
        free_only = replace(p, fixed=np.where(outside, -1, held))
        used = [0]
        choice = improve(free_only, t.choice, max_evals=int(left * SHIFTS_PER_TRIAL), clock=self.clock, spent=used)
        trials = t.trials + int(np.ceil(used[0] / SHIFTS_PER_TRIAL))
        if self.clock is not None and self.clock.expired():
            self.stopped_by_clock = True
        if np.array_equal(choice, t.choice):
            t.trials = trials
            return False
        self.t = Territories(p, t.graph, choice)
        self.t.trials = trials
        return True

    # -- polish -------------------------------------------------------------------------------

    def polish(self) -> None:
        """Step 5: border moves that lower the objective and keep both territories connected.

        A pass over every unit, then passes over the units next to a unit that moved (the
        others' prices changed only through the balance targets) until one moves none; again
        until a pass over every unit moves none.
        """
        t = self.t
        todo = list(t.graph.units)
        while todo:
            todo = self._polish_pass(todo)
            if not todo:
                break
            while todo:
                todo = self._polish_pass(todo)
            todo = list(t.graph.units)

    def _polish_pass(self, todo: list[int]) -> list[int]:
        """One pass of border moves over ``todo``; the units next to those that moved, sorted."""
        t = self.t
        adj = t.graph.adj
        touched: set[int] = set()
        for u in todo:
            s = t.owner[u]
            if len(t.members[s]) <= 1:
                continue
            best: tuple[float, int] | None = None
            for r in t.neighbours_of([u], s):
                self._tick()
                tr = t.price([u], s, r)
                if tr is None or tr.worsens or tr.delta >= -EPS:
                    continue
                if best is None or (tr.delta, r) < best:
                    best = (tr.delta, r)
            if best is not None and t.stays_connected(s, u):
                t.move([u], best[1])
                touched.add(u)
                touched.update(adj[u])
        return sorted(touched)


def repair_contiguity(
    problem: AssignmentProblem,
    graph: UnitGraph,
    choice: NDArray[np.int64],
    budget: float = 0.05,
    trials: int = DEFAULT_TRIALS,
    clock: Clock | None = None,
    polish: bool = True,
    then_any_cost: bool = False,
    spent: list[int] | None = None,
    rebalance: bool = True,
) -> NDArray[np.int64]:
    """Return a choice in which as many territories as possible are contiguous.

    Only bundles of the unit graph move, a unit at a time or a piece at a time, and only to a
    seller that owns an adjacent unit and may serve every bundle of it.

    Parameters
    ----------
    problem
        The assignment problem of the geographic model.
    graph
        Its unit graph (the unit of each bundle and the adjacency).
    choice
        The alignment to repair (candidate entry per bundle).
    budget
        The hand-overs raise the objective by at most this share of its absolute value.
    trials
        At most this many priced moves (a deterministic budget).
    clock
        The wall-clock safety net; a stop by its deadline is recorded on it.
    polish
        Polish the borders once the enclaves are handed over (step 5).
    then_any_cost
        Once the enclaves that fit in ``budget`` are handed over, hand over the others
        whatever the objective costs (contiguity before the objective, as in the exact model
        and the neighbourhood search); hard rules still hold.
    spent
        When given, its first element is set to the priced moves made (the caller gives
        what is left of ``trials`` to the next search).
    rebalance
        After the polish, move the free bundles outside the unit graph to mend the balance
        (step 6).

    Returns
    -------
    NDArray[np.int64]
        A new choice (``choice`` is not modified) that worsens no hard rule of ``choice``.
    """
    run = _Repair(problem, graph, choice, trials, budget, clock)
    try:
        run.whole_only = then_any_cost
        run.hand_over()
        if then_any_cost:
            run.limit, run.whole_only = np.inf, False
            run.hand_over()
        if polish:
            run.polish()
            if rebalance:
                run.rebalance()  # the border annealing that follows in the stage polishes after it
    except _OutOfBudget:
        if run.stopped_by_clock and clock is not None:
            clock.fired("contiguity repair")
    t = run.t
    if spent is not None:
        spent[:1] = [t.trials]
    log.debug("contiguity repair: %d priced moves, %d split left", t.trials, t.split_count())
    return t.choice
