"""The contiguity stage of the solve workflow: connected territories for the geography model.

After the pipeline (LP -> heuristics -> CP-SAT) the geography model's territories are made
contiguous over the units of ``units.geojson``:

* :meth:`ContiguityStage.plan` decides, before the pipeline, whether the stage runs (the
  geography model, units, ``contiguity`` not switched off, at least one unit holding
  accounts) and how: ``"exact"`` (the flow model over every seller, up to
  :data:`~allocate.solvers.contiguity.exact.EXACT_MAX_UNITS` units holding accounts) or
  ``"lns"`` (the flow model a few sellers at a time, above);
* :meth:`ContiguityStage.time_s` is its share of the time limit, kept from the pipeline
  (above the exact size, what its border annealing needs: :data:`ANNEAL_MOVES_PER_UNIT`),
  and :meth:`ContiguityStage.wall_s` the part of it that the pipeline's safety net leaves it;
* :meth:`ContiguityStage.run` repairs the pipeline's alignment
  (:func:`~allocate.solvers.contiguity.repair.repair_contiguity`, on a budget of priced moves:
  :data:`REPAIR_SHARE` of :meth:`ContiguityStage.core_s`), improves it by border moves that keep every
  territory connected (:func:`~allocate.solvers.contiguity.anneal.anneal_contiguous`, on
  what the repair left of its budget; above the exact size a second run from its alignment
  on the seconds the stage keeps beyond :data:`CORE_SHARE`), then solves the exact model
  warm-started from it
  (:func:`~allocate.solvers.contiguity.exact.solve_contiguous`) or, above the exact size,
  runs the neighbourhood search (:func:`~allocate.solvers.contiguity.lns.contiguous_lns`)
  while a territory is still split, followed by a shorter annealing
  (:data:`ANNEAL_AFTER_LNS`), else gives the search's share to a cooler last annealing
  (:data:`REHEAT`); all of it skipped after a Ctrl-C but the repair. It says which alignment,
  status and bound the solve keeps: the bound is the pipeline's (the model without
  contiguity, a relaxation), raised by the exact model's only within CP-SAT's rounding of
  the real objective (:data:`BOUND_ROUNDING`), and, when the kept alignment is contiguous
  and not proven optimal, by the LP with connectivity cuts
  (:func:`~allocate.solvers.contiguity.cuts.contiguity_bound`, a bound of contiguous
  alignments only, on its own seconds: :meth:`ContiguityStage.bound_plan`, which the
  annealing's safety net keeps for it), so the gap is never shown smaller than it is.
  An alignment that breaks a hard rule
  (capacity, a hard balance band, the move cap, a lock) met by the pipeline's is never kept:
  the territories then stay split, and the KPI ``non_contiguous_territories`` says so.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from allocate.core.instance import Instance
from allocate.core.scenario import Scenario
from allocate.core.status import SolveStatus
from allocate.organize.items import ModelProblem
from allocate.organize.units import bundle_units, unit_graph
from allocate.solvers.breach import breach
from allocate.solvers.budget import (
    ANNEAL_TRIALS_PER_S,
    Clock,
    anneal_trials,
    cut_rounds,
    repair_trials,
    search_seconds,
)
from allocate.solvers.contiguity.anneal import anneal_contiguous
from allocate.solvers.contiguity.cuts import contiguity_bound
from allocate.solvers.contiguity.exact import EXACT_MAX_UNITS, solve_contiguous
from allocate.solvers.contiguity.graph import UnitGraph, split_sellers
from allocate.solvers.contiguity.lns import contiguous_lns
from allocate.solvers.contiguity.repair import repair_contiguity
from allocate.solvers.lp import GLOP_MAX_ENTRIES
from allocate.solvers.pipeline import AssignmentSolution
from allocate.solvers.problem import AssignmentProblem, evaluate

log = logging.getLogger(__name__)

#: Largest share of the search seconds kept from the pipeline for the stage, per mode. Half of
#: them (:data:`CORE_SHARE`) size the repair, the first border annealing, the bound and the
#: searches after; above the exact size the stage keeps more when its border annealing needs
#: it (:meth:`ContiguityStage.time_s`), for a second annealing from the first's alignment:
#: on fr-pme (1,237 units) at 20 s the pipeline's last seconds gain about 1 of 462 on the split
#: alignment, where more annealing moves gain several on the contiguous one. Measured with
#: fixed shares 0.5 / 0.625 / 0.75 (geography, quiet machine, mean objective
#: over seeds): fr-pme at 20 s (seeds 0-2) 498.8 / 493.1 / 491.1; a generated 2k x 12 at 20 s
#: (seeds 0-1) 545.0 / 541.2 / 535.3; a generated 20k x 100 at 30 s (seed 0) 3,273 / 3,221 /
#: 3,249 (the last with the pipeline's LNS stopped by the clock: its window was short);
#: fr-national at 60 s (seed 1) 3,304 / 3,311 / 3,337, where the annealing of the core share
#: had already made 37-45 priced moves per unit and the second one gained nothing. The exact
#: model keeps half (its CP-SAT search starts from the pipeline's alignment). A fixed 0.625
#: left two territories split on a 300-account instance in tests/align/test_contiguity.py.
STAGE_SHARE = {"lns": 0.75, "exact": 0.5}
#: Priced border moves per unit holding accounts after which the annealing stops gaining: on
#: fr-national at 60 s (2,043 units) the second and third runs gained nothing after a first
#: of 75,000-92,000 moves (37-45 a unit); on a generated 20k x 100 at 30 s (2,047 units) a
#: second of 43,862 after a first of 8,000-20,000 gained 10-90 of 3,300, a third of 21,931
#: after them (37-42 a unit in all) still 2-8. Fewer moves than this in the core: the stage
#: keeps the seconds of the rest, up to :data:`STAGE_SHARE` (fr-pme and the 20k x 100 at 20
#: and 30 s, fr-national at 30 s); more: the pipeline gets them (fr-national at 60 s: the
#: stage keeps half, 5.98 % above the bound against 6.91 % when it kept three quarters; seed
#: 0: 3,305.43 against 3,318.11). Not everywhere a gain: a generated 20k x 100 (seed 5) at
#: 60 s, seeds 0-2 on deterministic budgets, 3,306.61 / 3,237.03 / 3,355.27 against 3,255.87 /
#: 3,229.65 / 3,235.47 with three quarters, where two of those kept one territory split that
#: these joined; the third's repair left two split, and without a second annealing to join
#: them the neighbourhood search restarted from grown starts (3,448.9 against 3,317.7).
ANNEAL_MOVES_PER_UNIT = 45
#: Priced moves the enclave repair spends per unit holding accounts (it prices each unit of a
#: piece it dissolves): 4.8-9.6 on fr-pme (1,237 units), 10-16 on fr-national and a
#: generated 20k x 100 (about 2,045 units each); the border annealing gets what the repair
#: leaves. An estimate: the split is decided before the pipeline's alignment is known.
REPAIR_MOVES_PER_UNIT = 12
#: Share of the stage's seconds (:meth:`ContiguityStage.time_s`) its budgets take on the
#: wall clock, which the pipeline's safety net leaves it (the rest the pipeline may run into
#: on a loaded machine or when its LNS steps take longer than they are charged): on a
#: generated 20k x 100 at 30 s the stage took 0.66 of its seconds under a load of 2, 0.74
#: under a load of 5 (fr-national at 60 s: 0.83), while the pipeline's LNS, at 0.6-1 s a step
#: there, was stopped by the clock 3-5 s before its budget ended. The exact model keeps all of
#: its seconds (a CP-SAT search whose deterministic time runs closer to the wall's).
STAGE_WALL_SHARE = {"lns": 0.8, "exact": 1.0}
#: Share of the search seconds that sizes the repair, the bound and the searches after it.
CORE_SHARE = 0.5
#: Share of the stage's seconds that sizes the enclave repair's budget (priced unit moves);
#: the exact model or the neighbourhood search gets the rest.
REPAIR_SHARE = 0.75
#: Share of the objective by which CP-SAT's bound may exceed the real objective and still
#: count (its integer rounding; :data:`allocate.align.solve.BOUND_ROUNDING`).
BOUND_ROUNDING = 1e-4
#: A border annealing after the neighbourhood search, on this share of the search's seconds.
ANNEAL_AFTER_LNS = 0.25
#: Starting temperature of the second border annealing, as a share of the first's.
REHEAT = 0.1
#: Share of what the repair leaves of the stage's seconds given to the bound of the
#: contiguous model (the LP with connectivity cuts, :mod:`allocate.solvers.contiguity.cuts`)
#: when the LP is solved by GLOP (at most ``GLOP_MAX_ENTRIES`` candidate entries), per mode.
#: Above the exact size the second, cooler annealing gives way (on fr-pme at 20 s it gained
#: 1-3 of about 500, the bound 7.6); the exact model keeps its seconds (it is the search that
#: joins what the repair left split there) and its own bound.
BOUND_SHARE = {"lns": 1.0, "exact": 0.0}
#: Most LP solves of that bound (each round after the first adds cuts).
MAX_CUT_ROUNDS = 8
#: The bound's own safety net, in multiples of its seconds; the border annealing before it
#: keeps as much of the deadline for it (under a load of 6-8 the searches before the cuts
#: took longer than their seconds and the deadline stopped the cuts in three compare runs on
#: fr-pme: bound 449.97 instead of 457.55).
BOUND_SAFETY = 2.0


@dataclass(frozen=True)
class StageOutcome:
    """The alignment a solve keeps after the contiguity stage.

    Attributes
    ----------
    choice
        Candidate entry of each bundle.
    status
        The solve's status (no longer optimal once contiguity moved bundles, unless the
        exact model proves its own optimum).
    best_bound
        The best bound known.
    """

    choice: NDArray[np.int64]
    status: SolveStatus
    best_bound: float


@dataclass(frozen=True, eq=False)
class ContiguityStage:
    """The contiguity stage of one solve (see the module docstring).

    Attributes
    ----------
    instance, scenario, mp
        The solve's instance, scenario and organization model.
    mode
        ``"exact"`` or ``"lns"``.
    b_unit
        Unit of each bundle of ``mp`` (:func:`~allocate.organize.units.bundle_units`).
    """

    instance: Instance
    scenario: Scenario
    mp: ModelProblem
    mode: Literal["exact", "lns"]
    b_unit: NDArray[np.int64]

    @classmethod
    def plan(cls, instance: Instance, scenario: Scenario, mp: ModelProblem) -> ContiguityStage | None:
        """Whether and how territories are made contiguous.

        Parameters
        ----------
        instance, scenario, mp
            The solve's instance, scenario and organization model.

        Returns
        -------
        ContiguityStage or None
            ``None`` when the stage does not apply: not the geography model, no units,
            contiguity switched off, or no unit holding accounts.
        """
        if scenario.model != "geography" or instance.units is None or scenario.contiguity is False:
            return None
        b_unit = bundle_units(instance, mp)
        n_units = len(set(b_unit[b_unit >= 0].tolist()))
        if n_units == 0:
            return None
        if n_units > EXACT_MAX_UNITS:
            log.info(
                "%d units hold accounts (> %d): contiguity by neighbourhoods",
                n_units,
                EXACT_MAX_UNITS,
            )
            return cls(instance, scenario, mp, "lns", b_unit)
        return cls(instance, scenario, mp, "exact", b_unit)

    def _keeps_rules(self, before: NDArray[np.int64], after: NDArray[np.int64]) -> bool:
        """False when ``after`` breaks the hard rules (capacity, a hard band, the move cap, a
        lock) more than ``before`` does (:mod:`allocate.solvers.breach`): contiguity never
        costs a hard rule, nor makes a breach the pipeline could not avoid worse; the split
        territories are reported instead (KPI ``non_contiguous_territories``)."""
        p = self.mp.problem
        if breach(p, after) <= breach(p, before):
            return True
        ev = evaluate(p, after)
        if p.max_moves is not None and ev.moves > p.max_moves:
            rule = f"the move cap ({ev.moves:,} moves for a cap of {p.max_moves:,})"
        elif ev.overload > 1e-9:
            rule = f"capacity ({ev.overload:,.1f} h/week over)"
        else:
            rule = "a lock or a hard balance band"
        log.warning("contiguity: the contiguous alignment breaks %s; the split territories are kept", rule)
        return False

    def _split(self, graph: UnitGraph, choice: NDArray[np.int64]) -> int:
        """Territories split within a part of the unit graph (island splits not counted)."""
        return len(split_sellers(graph.adj, self.b_unit, self.mp.problem.seller[choice], graph.comp_of))

    def _anneal(
        self,
        graph: UnitGraph,
        before: NDArray[np.int64],
        choice: NDArray[np.int64],
        seconds: float,
        clock: Clock,
        heat: float = 1.0,
    ) -> NDArray[np.int64]:
        """``choice`` after :func:`~allocate.solvers.contiguity.anneal.anneal_contiguous` on a
        budget sized from ``seconds``, unless that breaks a hard rule ``before`` met."""
        trials = anneal_trials(seconds)
        if trials <= 0:
            return choice
        p = self.mp.problem
        annealed = anneal_contiguous(p, graph, choice, trials, self.scenario.seed, clock, heat)
        log.info(
            "contiguity: border annealing (%d priced moves): objective %.4f -> %.4f",
            trials,
            evaluate(p, choice).objective,
            evaluate(p, annealed).objective,
        )
        return annealed if self._keeps_rules(before, annealed) else choice

    def time_s(self) -> float:
        """The stage's share of the search seconds: max(5 s, its share of them), at most 80 %.

        The exact model keeps :data:`STAGE_SHARE`. Above the exact size the stage keeps
        :data:`CORE_SHARE` of them and, for a second border annealing, the seconds of the
        priced moves its annealing lacks to reach :data:`ANNEAL_MOVES_PER_UNIT` per unit
        (what the core gives it estimated with :data:`REPAIR_MOVES_PER_UNIT`), at most
        :data:`STAGE_SHARE` of them; the pipeline gets the rest. The search seconds are what
        the limit leaves once the fixed costs estimated from the model size are paid
        (:func:`~allocate.solvers.budget.search_seconds`): every term is a deterministic
        quantity from the limit and the model's size, so the stage's budgets and the
        pipeline's are too.

        Returns
        -------
        float
            Seconds kept from the pipeline for this stage.
        """
        if self.mode == "exact":
            return self._share_s(STAGE_SHARE["exact"])
        sc, p = self.scenario, self.mp.problem
        limit = search_seconds(sc.time_limit_s, p.nnz)
        core = self.core_s()
        # the border annealing's moves within the core: what the repair is expected to leave
        # of its budget, and the seconds after it that the bound does not take
        repair_s = REPAIR_SHARE * core
        trials = repair_trials(repair_s)
        units = len(set(self.b_unit[self.b_unit >= 0].tolist()))
        left = max(0, trials - REPAIR_MOVES_PER_UNIT * units)
        made = anneal_trials(repair_s * left / trials) + anneal_trials(core - repair_s - self.bound_plan()[0])
        extra = max(0, ANNEAL_MOVES_PER_UNIT * units - made) / ANNEAL_TRIALS_PER_S
        kept = max(CORE_SHARE * limit, min(core + extra, STAGE_SHARE["lns"] * limit))
        return min(max(5.0, kept), 0.8 * limit)

    def wall_s(self) -> float:
        """Wall seconds the pipeline's safety net leaves the stage: :data:`STAGE_WALL_SHARE`
        of :meth:`time_s` (its budgets, and so the alignment of a run they end, unchanged)."""
        return STAGE_WALL_SHARE[self.mode] * self.time_s()

    def core_s(self) -> float:
        """The seconds of :meth:`time_s` that size the repair, the first border annealing, the
        bound and the searches after (:data:`CORE_SHARE` of the search seconds, the same
        bounds as :meth:`time_s`); the rest goes to a second border annealing."""
        return self._share_s(CORE_SHARE)

    def _share_s(self, share: float) -> float:
        limit = search_seconds(self.scenario.time_limit_s, self.mp.problem.nnz)
        return min(max(5.0, share * limit), 0.8 * limit)

    def bound_plan(self) -> tuple[float, int]:
        """Seconds and LP solves of the bound of the contiguous model, (0, 0) when it does not
        run: the LP goes to PDLP (above ``GLOP_MAX_ENTRIES`` entries) or its share of the
        stage holds fewer than two solves (the first is the plain LP).

        Returns
        -------
        tuple of float and int
            Seconds (:data:`BOUND_SHARE` of what the repair leaves) and rounds
            (:func:`~allocate.solvers.budget.cut_rounds`, at most :data:`MAX_CUT_ROUNDS`).
        """
        nnz = self.mp.problem.nnz
        if nnz > GLOP_MAX_ENTRIES:
            return 0.0, 0
        seconds = BOUND_SHARE[self.mode] * (1 - REPAIR_SHARE) * self.core_s()
        rounds = min(MAX_CUT_ROUNDS, cut_rounds(seconds, nnz))
        return (seconds, rounds) if rounds >= 2 else (0.0, 0)

    def repair(
        self, graph: UnitGraph, sol: AssignmentSolution, trials: int, clock: Clock
    ) -> tuple[NDArray[np.int64], int]:
        """The enclave repair of the pipeline's alignment, priced twice when the first leaves a
        territory split.

        The first repair prices each account's move (a unit's accounts may have several
        sellers today). When it leaves a territory split (and the solve was not interrupted),
        a second repair prices a unit's moves by its recorded seller alone (every account of
        the unit moving with it, as the repair did before it counted each account's seller
        today): the pieces it dissolves differ. On fr-pme at 20 s the exact pricing left one
        territory split (the stage then fell back to a contiguous start, 524.6) where this one
        joined them all. Each has its own budget of ``trials`` priced moves (a deterministic
        count). The better is kept, judged on the real model: first an alignment that breaks
        no hard rule the pipeline's met (the coarse pricing miscounts moves, so under a move
        cap its alignment may break it), then the fewer split territories, then the objective.

        Parameters
        ----------
        graph
            The unit graph.
        sol
            The pipeline's solution.
        trials
            Priced moves of each repair.
        clock
            The safety net.

        Returns
        -------
        tuple of NDArray and int
            The kept alignment and the priced moves its repair made (the border annealing
            gets what is left of ``trials``).
        """
        sc = self.scenario
        p = self.mp.problem

        def run(problem: AssignmentProblem) -> tuple[NDArray[np.int64], int]:
            # the scenario's contiguity_budget caps what the repair spends when the user sets
            # it; by default the enclaves left then move whatever the cost (contiguity first,
            # as in the exact model), hard rules always kept
            used = [trials]
            out = repair_contiguity(
                problem,
                graph,
                sol.choice,
                budget=sc.contiguity_budget,
                trials=trials,
                clock=clock,
                then_any_cost="contiguity_budget" not in sc.model_fields_set,
                spent=used,
            )
            return out, used[0]

        def key(c: NDArray[np.int64]) -> tuple[bool, int, float]:
            ev = evaluate(p, c)
            breaks = evaluate(p, sol.choice).feasible and not ev.feasible
            return (breaks, self._split(graph, c), ev.objective)

        repaired, spent = run(p)
        log.info(
            "contiguity: enclave repair (%d priced moves): objective %.4f -> %.4f, %d split",
            spent, sol.objective, evaluate(p, repaired).objective, self._split(graph, repaired),
        )
        if not self._split(graph, repaired) or sol.interrupted:
            return repaired, spent
        again, spent_again = run(
            replace(p, stays=np.zeros(0, dtype=np.int64), movable=np.zeros(0, dtype=np.int64))
        )
        kept = key(again) < key(repaired)
        log.info(
            "contiguity: second enclave repair (moves by the unit's recorded seller, %d priced "
            "moves): objective %.4f, %d split%s, %s",
            spent_again, evaluate(p, again).objective, self._split(graph, again),
            ", breaks a hard rule" if key(again)[0] else "", "kept" if kept else "not kept",
        )
        return (again, spent_again) if kept else (repaired, spent)

    def run(self, sol: AssignmentSolution, clock: Clock) -> StageOutcome:
        """Make the pipeline's territories contiguous.

        Parameters
        ----------
        sol
            The pipeline's solution.
        clock
            The solve's wall-clock safety net. The stage's budgets are sized from
            :meth:`time_s` (never from the time left, which varies from run to run); a stop
            by the deadline is recorded on the clock.

        Returns
        -------
        StageOutcome
            The exact model's alignment when it found one (optimal if proven, its bound
            kept), else the repaired (and, above the exact size, searched) alignment, no
            longer optimal if it differs from the pipeline's.
        """
        sc = self.scenario
        p = self.mp.problem
        graph = unit_graph(self.instance, self.b_unit)
        choice, status, best_bound = sol.choice, sol.status, sol.best_bound
        bound_s, rounds = self.bound_plan()
        cut_bound = float("-inf")  # a bound of contiguous alignments, once computed
        secs = self.core_s()
        extra_s = self.time_s() - secs  # the second border annealing's
        repair_s = REPAIR_SHARE * secs
        trials = repair_trials(repair_s)
        repaired, spent = self.repair(graph, sol, trials, clock)
        secs -= repair_s
        # the border annealing gets what the repair left of its budget; above the exact
        # model's size, also the neighbourhood search's share once no territory is split (the
        # search's steps join pieces, but rarely lower the objective): the bound of the
        # contiguous model first (its share), then a cooler second run
        if not sol.interrupted:
            anneal_s = repair_s * max(0, trials - spent) / max(1, trials)
            # when the repair left no territory split (the annealing keeps them so, and the
            # bound follows), the annealing's safety net keeps the bound's, so that a loaded
            # machine shortens the annealing (which keeps the best alignment it met) rather
            # than the bound; split, the annealing is what joins them and keeps the whole
            # deadline. Its budget is unchanged: a run that its budgets end is the same
            keep = clock
            if rounds >= 2 and self._split(graph, repaired) == 0:
                keep = Clock(clock.deadline - BOUND_SAFETY * bound_s, clock.stopped)
            repaired = self._anneal(graph, choice, repaired, anneal_s, keep)
            if extra_s > 0:
                # a second run from the first's alignment on the seconds taken from the
                # pipeline (as hot: on fr-pme 492.25 / 490.95 with seeds 1-2, 494.55 / 490.92
                # starting at 0.3 of the first's temperature); the first keeps its budget, so
                # that a loaded machine whose clock stops this one keeps the first's result
                repaired = self._anneal(graph, choice, repaired, extra_s, keep)
            if self._split(graph, repaired) == 0:
                cut_bound = self._cut_bound(graph, rounds, bound_s, clock)
                secs -= bound_s
            if self.mode == "lns" and self._split(graph, repaired) == 0:
                repaired = self._anneal(graph, choice, repaired, secs, clock, heat=REHEAT)
                secs = 0.0
        if self.mode == "exact":
            contiguous = solve_contiguous(
                p,
                graph,
                repaired,
                secs,
                sc.workers,
                sc.seed,
                deterministic=sc.deterministic,
                lower_bound=sol.best_bound,
                clock=clock,
            )
            kept = contiguous.choice
            if kept is not None and self._keeps_rules(choice, kept):
                if (
                    not contiguous.optimal
                    and self._split(graph, repaired) == 0
                    and self._keeps_rules(choice, repaired)
                    and evaluate(p, repaired).objective < evaluate(p, kept).objective
                ):
                    kept = repaired  # the annealed alignment is better than CP-SAT's
                # CP-SAT's bound is proven on its rounded data: above the real objective by
                # more than that rounding it bounds nothing, and proves no optimum
                real = evaluate(p, kept).objective
                proven = contiguous.bound <= real + BOUND_ROUNDING * max(1.0, abs(real))
                optimal = contiguous.optimal and proven and kept is contiguous.choice
                if proven:
                    best_bound = max(best_bound, min(contiguous.bound, real))
                if not optimal and self._split(graph, kept) == 0:
                    best_bound = max(best_bound, cut_bound)  # a bound of contiguous alignments
                return StageOutcome(
                    kept, SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE, best_bound
                )
        elif not sol.interrupted and secs > 0:
            # the search joins the pieces left (from grown, contiguous starts); an annealing
            # then polishes what it kept (its steps rarely lower the objective), on a share of
            # the search's seconds beyond them: the wall clock stops it when they were spent
            searched = contiguous_lns(
                p, graph, repaired, secs, sc.seed, deterministic=sc.deterministic, clock=clock
            )
            if self._keeps_rules(choice, searched):
                repaired = searched  # else the repair's alignment, which breaks no rule
            repaired = self._anneal(graph, choice, repaired, ANNEAL_AFTER_LNS * secs, clock)
        if not np.array_equal(repaired, choice) and self._keeps_rules(choice, repaired):
            choice = repaired
            if status is SolveStatus.OPTIMAL:
                status = SolveStatus.FEASIBLE  # contiguity moved items: optimality no longer proven
        if status is not SolveStatus.OPTIMAL and self._split(graph, choice) == 0:
            best_bound = max(best_bound, cut_bound)  # a bound of contiguous alignments only
        return StageOutcome(choice, status, best_bound)

    def _cut_bound(self, graph: UnitGraph, rounds: int, seconds: float, clock: Clock) -> float:
        """The bound of contiguous alignments from the LP with connectivity cuts (``-inf``
        when it does not run: fewer than two rounds)."""
        if rounds < 2:
            return float("-inf")
        # its own safety net (a loaded machine), so that the searches after it keep theirs; a
        # stop is recorded on the solve's clock like any other
        own = Clock(min(clock.deadline, time.perf_counter() + BOUND_SAFETY * seconds), clock.stopped)
        cut = contiguity_bound(self.mp.problem, graph, rounds, seconds, own)
        log.info(
            "contiguity: bound of the contiguous model %.4f (LP %.4f, %d rounds, %d cuts, %.1fs)",
            cut.bound, cut.lp_bound, cut.rounds, cut.cuts, cut.wall_s,
        )
        return cut.bound
