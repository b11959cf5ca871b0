"""The solve pipeline: capacity check → feasible start → LP bound → rounding + repair → CP-SAT.

1. :func:`~allocate.solvers.feasibility.capacity_shortfalls` explains obvious infeasibility.
2. Feasibility first: each item's cheapest candidate, its capacity violations removed by
   :func:`~allocate.solvers.construct.restore_capacity`. A valid alignment exists from here
   on, whatever happens to the stages after it on a loaded machine.
3. GLOP solves the LP relaxation: a lower bound and a fractional guide. Its safety net leaves
   ``1 - LP_WALL_SHARE`` of the time left to the searches. When it does not finish, and on
   models too large for GLOP, the Lagrangian dual of :mod:`allocate.solvers.lagrange` (soft
   bands priced) gives the bound and, from its reduced costs, the guide.
4. The LP is rounded, repaired for capacity and improved by shift moves: a feasible hint (the
   start of step 2 when the rounding is worse). When the soft bands carry much of its cost,
   swaps between neighbouring sellers (:mod:`allocate.solvers.swaps`) take it further, and
   on models too large for CP-SAT whole, ejection chains (:mod:`allocate.solvers.chains`).
5. Small models (``nnz <= full_model_max_entries`` and ``FULL_ENTRIES_PER_S`` per search
   second, and a build that fits in ``FULL_BUILD_SHARE`` of the search seconds) go to CP-SAT whole, with that hint, for
   ``FULL_SHARE`` of the time. If that does not prove optimality, the objective is linear
   (no balance bands, no move cap) and the gap is above ``TABU_MIN_GAP``, the tabu search of
   :mod:`allocate.solvers.tabu` (capacity crossed on purpose, for tight problems) looks for
   a better incumbent, and CP-SAT runs the whole model again from the best one (a better
   incumbent prunes more: most proofs on tight problems come from this second run).
6. Then, and directly for larger models, large-neighbourhood search: each step frees the
   items of a few neighbouring sellers (sellers that share candidate items), lets them move
   among those sellers only and re-optimizes them with CP-SAT, every other item fixed. One
   neighbourhood per worker is solved at a time, on disjoint sellers, and their improvements
   are combined; the neighbourhood size adapts to how often the steps are solved to optimality.

A problem that splits into independent blocks (the roles of the ``roles`` model) is solved
block by block, each through these stages (:mod:`allocate.solvers.blocks`).

Determinism: with ``deterministic=True`` (the default) every CP-SAT call is stopped by a
*deterministic* time budget (``max_deterministic_time``) and runs ``workers`` seeded
single-threaded searches side by side (see :func:`~allocate.solvers.cpsat.solve_model`); the LNS loop counts
deterministic time and the tabu search counts iterations. The same instance, seed and
worker count then give the same alignment. The wall-clock limit stays as a safety net; when it
fires first the result is still valid, but no longer reproducible, and ``deterministic`` in
the solution says so.

One concept, the solve pipeline (the order of these stages and how they share the time
budget), hence a little over 500 lines; each stage's algorithm lives in the module named above.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from allocate.core.errors import InfeasibleError
from allocate.core.status import SolveStatus, relative_gap
from allocate.solvers import chains, swaps, tabu
from allocate.solvers.blocks import independent_blocks, solve_blocks
from allocate.solvers.breach import least_breaching
from allocate.solvers.budget import (
    CPSAT_DET_PER_S,
    Clock,
    cpsat_build_s,
    cpsat_det,
    evaluations,
    lns_step_det,
    numpy_passes,
    search_seconds,
)
from allocate.solvers.construct import cheapest, restore_capacity
from allocate.solvers.cpsat import STOP, AssignmentModel, solve_model
from allocate.solvers.feasibility import area_shortfalls, capacity_shortfalls
from allocate.solvers.heuristics import improve, repair, round_lp
from allocate.solvers.lagrange import PASSES_PER_ITERATION, dual_ascent, polish
from allocate.solvers.lp import GLOP_MAX_ENTRIES, LpResult, lp_relaxation, pdlp_skipped
from allocate.solvers.movecap import (
    MoveFloor,
    admit,
    cap_error,
    capped_start,
    closer_floor,
    exact_floor,
    fewer_det,
    fewest_moves_problem,
    fine_scales,
    floor_det,
    move_floor,
    within_cap,
    witnessed,
)
from allocate.solvers.problem import AssignmentProblem, Evaluation, evaluate
from allocate.solvers.scaling import scales_for, snap

log = logging.getLogger(__name__)

#: CP-SAT deterministic time units granted per second of search (see
#: :mod:`allocate.solvers.budget`, where every rate is calibrated).
DET_PER_SECOND = CPSAT_DET_PER_S
#: Tabu-search work units (entries priced, see :func:`tabu.work_per_iteration`) granted per
#: second; about a fifth of what the quiet reference machine does, for the head-room that keeps
#: the count (reproducible) ending before the wall clock (not reproducible) under load.
TABU_WORK_PER_SECOND = 6e6
#: Shares of the search seconds (:func:`~allocate.solvers.budget.search_seconds`) that size
#: the deterministic budgets of the LP, the Lagrangian fallback and the start heuristics; the
#: CP-SAT phases share what is left (``CP_SHARE``).
LP_SHARE = 0.3
LAGRANGE_SHARE = 0.05
#: ... and when PDLP was skipped (its budget below ``PDLP_MIN_S``: a large model at a short
#: limit), the share of the search seconds its skipping leaves to the Lagrangian ascent on
#: top of the LP's: more steps give a better bound and a better guide (the relaxed solutions
#: averaged). Size, 20k x 100, 30 s, deterministic budgets (seeds 11 and 12 of the generator):
#: 0 gave 13.5 % and 8.6 % above the bound (bounds 1,868.0, 1,880.9), 0.25 5.4 % and 4.4 %
#: (1,892.0, 1,888.8; the LP's optimum, HiGHS offline: 1,909.8 and 1,902.7); 0.1-0.2 and
#: 0.35-0.45 gave 5.6-8.7 % and 4.5-7.0 % (the start moves by a few % with the guide).
UNUSED_LP_SHARE = 0.25
#: Steps of the Lagrangian ascent on the real data from the multipliers found on the rounded
#: data (:func:`~allocate.solvers.lagrange.polish`), as a share of the ascent's. Size, 20k x
#: 100, 30 s (seeds 11 and 12): 0.2 gave 1,892.0 and 1,888.8, 0.5 1,896.7 and 1,889.3, 1.0
#: 1,897.2 and 1,889.6 (the LP: 1,909.8 and 1,902.7; the rounded data's 1,895.3 and 1,900.2).
POLISH_SHARE = 0.5
#: Share of the wall time left when the LP starts that its safety net lets it take (its
#: deterministic budget normally ends it well before, see :mod:`allocate.solvers.budget`).
LP_WALL_SHARE = 0.7
HEURISTIC_SHARE = 0.1
#: Share of the search seconds for the feasibility-first restoration of capacity (run before
#: the LP, from each item's cheapest candidate: see :mod:`allocate.solvers.construct`), and of
#: the time limit it may run past the deadline (a valid alignment is worth it).
FEASIBLE_SHARE = 0.4
FEASIBLE_GRACE = 0.05
CP_SHARE = 0.5
#: Share of the search seconds for the ejection chains (:mod:`allocate.solvers.chains`) after
#: the balance swaps, on models too large for CP-SAT whole, taken from the LNS's.
CHAIN_SHARE = 0.15
#: Share of the time limit given to the tabu search when it applies and CP-SAT has not proved
#: optimality in its full-model phase.
TABU_SHARE = 0.35
#: Largest share of the search seconds that building the full CP-SAT model may take (see
#: :func:`~allocate.solvers.budget.cpsat_build_s`); beyond, the LNS's smaller models only.
FULL_BUILD_SHARE = 0.5
#: Candidate entries of the whole model per second of search seconds: above, the whole-model
#: phases are skipped and the LNS gets their time. CP-SAT's presolve of a whole model costs
#: wall time that its deterministic budget does not count: value_proposition on fr-pme
#: (27,422 entries, default scenario) took 14.4 s of wall for 0.47 units under a load of 7 (2.4
#: s for 0.01 units) and found no solution at all, not even its hint, where the LNS on the same
#: seconds went from 472.0 to 459.5. GAP instances (at most 4,000 entries, at 10-60 s) and
#: fr-pme's models at 60 s or more keep it.
FULL_ENTRIES_PER_S = 300.0
#: ... and whatever the limit up to this many entries (a small model at a short limit: CP-SAT
#: whole finds a first alignment within capacity where the LNS's neighbourhoods may not).
FULL_MIN_ENTRIES = 5_000
#: Assignments a model may have for its optimum to be proven by evaluating every one on the
#: real data when CP-SAT's proof holds for its rounded data only (hours, km, euros).
ENUMERATION_MAX = 4096
#: Share of the time limit for CP-SAT's first run on the full model.
FULL_SHARE = 0.25
#: ... and for the second run of the full model, from the tabu search's solution.
FULL_AGAIN_SHARE = 0.15
#: The tabu search runs only when the first full run ends further than this above its bound.
TABU_MIN_GAP = 0.005
#: Seconds of one step of the LNS on the fewest moves (:func:`_fewer_moves`), whose sub-models
#: (a knapsack on the fine scale of loads) the searches' 0.25 s often leave unsolved: on
#: ``fr-pme`` geography, cap 523, budget 0.6 units, seeds 0-3 reached 523, 525, 524, 525 moves
#: from 526 with 0.25 s steps, 523, 524, 523, 524 with 1 s steps and a budget of 1.0.
FEWER_STEP_S = 1.0
#: ... which stops after this many steps without fewer moves (the proof of the floor may need
#: the time that is left: a cap below it is never reached). At 60 s, seed 1, cap 523 (load 5)
#: the LNS stops at 524; CP-SAT's proof then had 8.5 s of wall with 6, 7.4 s with 4 (the load
#: moved more than the patience saved), and proved 523 but found 524 only either way, as on
#: the main before (13 s, 1.98 units; its result broke the cap by 756 moves).
FEWER_PATIENCE = 4


@dataclass(frozen=True)
class SolveParams:
    """Options of :func:`solve_assignment`.

    Attributes
    ----------
    time_limit_s
        Wall-clock limit of the whole solve (also sets the deterministic budgets).
    workers, seed
        CP-SAT workers and seed.
    deterministic
        Stop CP-SAT by deterministic time and the tabu search by work, so a run is reproducible.
    full_model_max_entries
        Largest model (candidate entries) given to CP-SAT whole; larger ones go straight to LNS.
    lns_sellers, lns_step_s
        Sellers freed per LNS neighbourhood at first, and the time of one LNS step. More,
        cheaper steps paid off on fr-pme at 20 s (default scenario, deterministic runs under a
        load of 8): value_proposition 2.09 -> 1.46 % above the LP bound, size 1.95 -> 1.79 %,
        roles 0.67 -> 0.37 %, generalist 0.83 -> 0.71 %, hybrid 1.30 -> 1.32 % (was 6 and 0.5 s);
        on a generated 2k x 12 they were even.
    log_search
        Print CP-SAT's search log.
    on_solution
        Called with (seconds since start, objective) at each improving feasible solution.
    clock
        The wall-clock safety net shared with the caller's other stages (default: the time
        limit from the call); the stages it stops are recorded on it.
    swaps
        Run the balance swaps of :mod:`allocate.solvers.swaps` before CP-SAT: True, False, or
        None (when the soft bands carry more than ``swaps.MIN_IMBALANCE_SHARE`` of the start's
        objective; the blocks of :mod:`allocate.solvers.blocks` always run them).
    chains
        Run the ejection chains of :mod:`allocate.solvers.chains` before the LNS: True,
        False, or None (on models too large for CP-SAT whole). A caller whose own search
        follows the solve may keep the LNS's seconds instead (the contiguity stage: see
        :func:`allocate.align.solve.solve`).
    feasible_s, feasible_grace_s
        Seconds the feasibility-first budget is sized from (default: ``FEASIBLE_SHARE`` of
        the search seconds), and how long it may run past ``clock``'s deadline (default:
        ``FEASIBLE_GRACE`` of the limit). A caller whose own stages come after the solve
        (contiguity) lends their time: they are worth nothing without a valid start.
    """
    time_limit_s: float = 30.0
    workers: int = 2
    seed: int = 0
    deterministic: bool = True
    full_model_max_entries: int = 60_000
    lns_sellers: int = 4
    lns_step_s: float = 0.25
    log_search: bool = False
    #: called with (seconds since start, objective) at each improving feasible solution
    on_solution: Callable[[float, float], None] | None = field(default=None, compare=False)
    clock: Clock | None = field(default=None, compare=False)
    feasible_s: float | None = None
    feasible_grace_s: float | None = None
    swaps: bool | None = None
    chains: bool | None = None


@dataclass(frozen=True)
class AssignmentSolution:
    """The result of :func:`solve_assignment`.

    Attributes
    ----------
    status
        Optimal, feasible, or unknown (no feasible assignment found in time).
    choice
        Candidate entry chosen for each item.
    objective
        Float recomputation of the objective (:func:`~allocate.solvers.problem.evaluate`).
    best_bound, lp_bound
        Best proven lower bound, and the LP (or Lagrangian) bound.
    wall_s
        Seconds spent.
    deterministic
        Whether every stop came from a deterministic budget (then the run is reproducible).
    solver_objective
        The objective as CP-SAT reported it (integer-scaled back), for the recompute test.
    interrupted
        Stopped by a request (Ctrl-C): the best solution found so far.
    """
    status: SolveStatus
    choice: NDArray[np.int64]  # candidate entry per item
    objective: float
    best_bound: float
    lp_bound: float
    wall_s: float
    deterministic: bool
    solver_objective: float  # as reported by CP-SAT (integer-scaled back), for the recompute test
    interrupted: bool = False  # stopped by request_stop (Ctrl-C): the best solution found so far

    @property
    def gap(self) -> float:
        """Relative gap ``(objective - best_bound) / objective``; NaN without a bound."""
        return relative_gap(self.objective, self.best_bound)

    def seller_of(self, problem: AssignmentProblem) -> NDArray[np.int64]:
        """Seller of each item.

        Parameters
        ----------
        problem
            The problem this solution was found for.

        Returns
        -------
        ndarray
            Seller index per item.
        """
        return problem.seller[self.choice]


def solve_assignment(
    problem: AssignmentProblem, params: SolveParams | None = None
) -> AssignmentSolution:
    """Solve ``problem``; raises :class:`InfeasibleError` when it is proven infeasible.

    Parameters
    ----------
    problem
        The assignment problem.
    params
        Time, workers, seed and determinism (default :class:`SolveParams`).

    Returns
    -------
    AssignmentSolution
        The best assignment found, its objective and bounds.

    Raises
    ------
    InfeasibleError
        When capacity is short for some group of accounts, the LP relaxation is infeasible
        (the problems name the areas that lack capacity), or CP-SAT proves the model infeasible
        (not when its hard bands were tightened for rounding: that is no proof, and the status
        is unknown).
    """
    prm = params or SolveParams()
    blocks = independent_blocks(problem)
    if len(blocks) > 1:  # independent parts (roles; size with disjoint segment skills)
        return solve_blocks(problem, blocks, prm, solve_assignment)
    t0 = time.perf_counter()
    clock = prm.clock or Clock.after(prm.time_limit_s, t0)
    deadline = clock.deadline

    shortfalls = capacity_shortfalls(problem)
    if shortfalls:
        raise InfeasibleError("not enough capacity for some groups of accounts", shortfalls)

    scales = scales_for(problem)
    raw, problem = problem, snap(problem, scales)
    # CP-SAT sees the rounded data (loads up, capacities down, costs and potentials to its
    # units): its proofs (optimal, infeasible) and its bound hold for the real data only when
    # the rounding changed nothing (integer data: the GAP instances). The LP runs on the real
    # data, so that its bound and an infeasible LP are proofs for what the user gave.
    exact = _same_data(raw, problem)
    # every budget below is sized from the limit and the model size, never from the time
    # already spent (which varies from run to run): see allocate.solvers.budget
    secs = search_seconds(prm.time_limit_s, problem.nnz)
    # feasibility first: an alignment within capacity before any bound or search, so that a
    # short limit or a loaded machine still ends with a valid answer
    feasible_s = prm.feasible_s if prm.feasible_s is not None else FEASIBLE_SHARE * secs
    grace = prm.feasible_grace_s if prm.feasible_grace_s is not None else FEASIBLE_GRACE * prm.time_limit_s
    first = _feasible_first(problem, cheapest(problem), feasible_s, clock, grace)
    first_ev = evaluate(problem, first)
    log.info("feasibility first: objective %.4f, feasible %s", first_ev.objective, first_ev.feasible)
    # the LP's safety net leaves part of what is left to the searches after it: with a valid
    # start in hand, an LP that a loaded machine slows down must not take all the time
    lp_clock = Clock(min(clock.deadline, time.perf_counter() + LP_WALL_SHARE * clock.left()), clock.stopped)
    lp = lp_relaxation(raw, LP_SHARE * secs, lp_clock)
    if not exact and lp.optimal:
        # the guide from the data the rounding and the searches see: on fr-pme's
        # value_proposition at 20 s the real data's vertex rounded to a start of 484.0 (final
        # 463.4, 3.0 % above the bound), the rounded data's to 472.0 (final 456.6, 1.5 %)
        guide = lp_relaxation(problem, LP_SHARE * secs, lp_clock)
        if guide.optimal:
            lp = replace(lp, x=guide.x, wall_s=lp.wall_s + guide.wall_s)
    floor = None
    admitted = None  # a witness on the real data that the searches' rounded loads overload
    cap = problem.max_moves
    if cap is not None:
        # what the hard rules force in moves: a proof against the cap, and a start within it
        floor = move_floor(problem, raw, HEURISTIC_SHARE * secs, clock, evaluations(HEURISTIC_SHARE * secs))
        # CP-SAT on the fewest moves, on the searches' budget, when the whole model is small
        # enough for it (the rule of the full CP-SAT phase below)
        small = cpsat_build_s(problem.nnz) <= FULL_BUILD_SHARE * secs
        det = cpsat_det(secs) if prm.deterministic else None
        if floor.choice is not None and floor.moves > cap >= floor.bound:
            # a cap the LP does not refuse: the witness brought within it by LNS first, a
            # search far cheaper than CP-SAT's proof of the floor; without an alignment within
            # the cap there is no valid answer, so it may run into the grace of the
            # feasibility-first stage (the contiguity stage's time, worth nothing without one)
            floor = _fewer_moves(problem, raw, floor, prm, Clock(clock.deadline + grace, clock.stopped), fewer_det(secs))
        if small and not within_cap(floor, cap):
            # CP-SAT on the real data: the real floor, and a witness for the real data
            floor = exact_floor(problem, raw, floor, clock, floor_det(secs), prm.seed)
        if floor.bound > cap:  # the searches' time goes to naming a cap that is enough
            known = floor.real is not None and floor.real_moves <= floor.bound
            raise cap_error(problem, closer_floor(problem, scales, floor, clock, prm.workers, prm.seed, det)
                            if small and not known else floor)
        if not 0 <= floor.moves <= cap and floor.real is not None and floor.real_moves <= cap:
            # within the cap on the real data, over a capacity on the loads rounded up (on
            # fr-pme geography: 523 moves on the real loads, 524 on the rounded ones): the
            # searches see capacities raised to what the witness needs, and the real data
            # decide at the end (_on_real_data), the witness standing when nothing better holds
            admitted = floor.real
            problem = admit(problem, admitted)
            floor = replace(floor, choice=admitted, moves=floor.real_moves)
        if not 0 <= floor.moves <= cap:
            # a cap between the floor and the witness: fewer moves first (without an
            # alignment within the cap the searches have no start)
            if small:
                floor = closer_floor(problem, scales, floor, clock, prm.workers, prm.seed, det)
            if not 0 <= floor.moves <= cap:
                enough = min(k for k in (floor.moves, floor.real_moves, 1 << 62) if k >= 0)
                log.warning("no alignment within the move cap of %d found yet (the floor is %s; %s)",
                            cap, f"{floor.bound:,} moves" if floor.bound > 0 else "not known",
                            f"{enough:,} moves are known to be enough" if enough < 1 << 62
                            else "no alignment meeting the other hard rules was found to count them")
        if not lp.feasible:
            # infeasible with the cap on the rounded data only: no proof, no LP bound
            lp = LpResult(True, False, float("-inf"), np.zeros(problem.nnz), lp.overflow, lp.wall_s)
    if not lp.feasible:
        raise InfeasibleError(
            "the capacity, balance, lock and move constraints cannot all hold (the LP "
            "relaxation is infeasible); the areas below lack capacity within the candidate "
            "sellers (raise `candidates`, add capacity there, or soften the balance)",
            area_shortfalls(problem, lp.overflow),
        )
    lp_bound = lp.bound
    if not lp.optimal or problem.nnz > GLOP_MAX_ENTRIES:
        # the LP did not run, ran out of budget, or is PDLP's core LP certified by capacity
        # multipliers alone: the Lagrangian dual with the soft bands priced (an LP that gave
        # no bound leaves its share to it: on 100k x 500 PDLP stops on its iteration count
        # without one; the better of the two bounds stands)
        share = LAGRANGE_SHARE + (LP_SHARE if not lp.optimal else 0.0)
        if pdlp_skipped(problem.nnz, LP_SHARE * secs):
            # PDLP was skipped (lp_relaxation's rule): its seconds were not spent, and the
            # ascent's steps are worth them (size, 20k x 100, 30 s: see UNUSED_LP_SHARE)
            share += UNUSED_LP_SHARE
        steps = numpy_passes(share * secs, PASSES_PER_ITERATION * problem.nnz, least=20)
        upper = first_ev.objective if first_ev.feasible else None
        # on the rounded data, whose values its steps were tuned on: on the real data the
        # ascent of size on 20k x 100 ended at 1,807 (and the start rounded from its prices at
        # 2,655, 31.9 % above) against 1,832 (2,263, 19.0 %). Its best multipliers then price
        # the real data (loads 0.001 h up, capacities down, potentials to 100 EUR in the
        # rounded one): L there is the bound reported, valid for what the user gave
        dual = dual_ascent(problem, steps, clock, upper)
        rounded, done = dual.bound, dual.iterations
        if not exact:
            # the bound must hold for the real data: L there from the multipliers found
            dual = polish(raw, dual, int(POLISH_SHARE * steps), clock)
            done += dual.iterations
        log.info("Lagrangian bound %.4f on the real data (%.4f on the rounded data; %d iterations; LP bound %.4f)",
                 dual.bound, rounded, done, lp.bound)
        if not lp.optimal:
            # the guide: the relaxed solutions of the ascent over all the multipliers,
            # averaged (a fractional point near the LP's), else each entry's reduced cost at
            # the best multipliers (travel, moves, capacity and band prices). Size on 20k x
            # 100 (28 s, clock not firing): rounded, repaired and shifted 4,126 against 5,059
            # from the reduced costs, 2,137 against 2,240 after the swaps; geography there
            # (GLOP's path now) ended the start heuristics at 3,139 from the reduced costs
            # against 3,519 from travel and capacity alone
            point = dual.primal if dual.primal is not None else -dual.price
            lp = LpResult(True, False, dual.bound, point, lp.overflow, lp.wall_s)
        lp_bound = max(lp_bound, dual.bound)
    log.info("LP bound %.4f in %.2fs", lp.bound, lp.wall_s)
    start = round_lp(problem, lp.x)
    evals = evaluations(HEURISTIC_SHARE * secs)
    start = repair(problem, start, rounds=6, max_evals=evals, clock=clock)
    if floor is not None:  # within the cap before it is judged (the shifts below keep it)
        start = capped_start(problem, start, floor)
    if not evaluate(problem, start).feasible and not clock.expired():
        start = _feasible_first(problem, start, feasible_s, clock, 0.0)
    if _better(evaluate(problem, first), evaluate(problem, start)):
        start = first  # the LP's rounding is worse than (or not as feasible as) the first one
    start = improve(problem, start, max_evals=evals, clock=clock)
    ev = evaluate(problem, start)
    cp_secs = CP_SHARE * secs
    run_swaps = prm.swaps if prm.swaps is not None else ev.imbalance > swaps.MIN_IMBALANCE_SHARE * ev.objective
    # the whole model only when building it fits in a share of the search seconds (a
    # deterministic rule: the same limit and size always take the same path)
    full = (
        problem.nnz <= min(prm.full_model_max_entries, max(FULL_MIN_ENTRIES, FULL_ENTRIES_PER_S * secs))
        and cpsat_build_s(problem.nnz) <= FULL_BUILD_SHARE * secs
    )
    if run_swaps and swaps.applies(problem):
        # the soft bands carry much of the cost (or a block asked for them): swaps between
        # neighbouring sellers, on a share of the searches' seconds taken from CP-SAT's
        start = swaps.balance_swaps(problem, start, swaps.work(swaps.SHARE * secs), clock)
        cp_secs = (CP_SHARE - swaps.SHARE) * secs
        ev = evaluate(problem, start)
        log.info("balance swaps: objective %.4f (bands %.4f)", ev.objective, ev.imbalance)
    run_chains = prm.chains if prm.chains is not None else not full
    if run_chains and ev.feasible and CHAIN_SHARE > 0 and chains.applies(problem):
        # too large for CP-SAT whole, whose neighbourhoods move items among a few sellers:
        # ejection chains through many, on the LNS's share (size, 20k x 100: the LNS gained
        # 2.8 in 10 s; at 300 s, where the start's bands were under the swaps' threshold,
        # the LNS took 250 s from 2,228 to 2,100, the 30 s solve ends at 2,000)
        start = chains.chains(problem, start, chains.work(CHAIN_SHARE * secs), clock)
        cp_secs = max(0.0, cp_secs - CHAIN_SHARE * secs)  # when nothing is left, no LNS
        ev = evaluate(problem, start)
        log.info("ejection chains: objective %.4f (bands %.4f, %d moves)", ev.objective, ev.imbalance, ev.moves)
    log.info("heuristic start: objective %.4f (bands %.4f), feasible %s", ev.objective, ev.imbalance, ev.feasible)
    if prm.on_solution is not None:
        user_cb = prm.on_solution
        if ev.feasible:
            user_cb(time.perf_counter() - t0, ev.objective)
        prm = replace(prm, on_solution=lambda _t, obj: user_cb(time.perf_counter() - t0, obj))

    det_left = cpsat_det(cp_secs) if prm.deterministic else None
    # wall time of the CP-SAT phases: with deterministic budgets the clock is only the safety
    # net (what is left of it); without, each phase gets its share of what is left
    remaining = max(0.05, clock.left())
    if clock.expired(0.05):
        # the deadline came before any search: the heuristic start is the answer
        if prm.deterministic:
            clock.fired("CP-SAT (not started)")
        status = SolveStatus.FEASIBLE if ev.feasible else SolveStatus.UNKNOWN
        early = AssignmentSolution(
            status, start, ev.objective, lp_bound, lp_bound, time.perf_counter() - t0,
            False, ev.objective, interrupted=STOP.is_set(),
        )
        if admitted is not None:
            early = _on_real_data(raw, early, [admitted])
        return _least_breaching(raw, early, [first, *_witnesses(floor)])
    if full:
        # The whole model first (it may prove optimality and gives a bound). When it does not
        # and the objective is linear (tabu.applies), the tabu search looks for a better
        # incumbent and the full model runs again from it (a better incumbent prunes more).
        # The LNS takes the rest of the time.
        share = 1.0 if problem.n_sellers <= 2 else FULL_SHARE
        det_full = det_left * share if det_left is not None else None
        sol = _solve_full(
            problem, scales, start, prm, _wall(prm, remaining * share, clock), det_full, lp_bound, clock, exact
        )
        log.info("CP-SAT on the whole model: objective %.4f, bound %.4f (%s)", sol.objective, sol.best_bound, sol.status.value)
        if (
            sol.status is SolveStatus.FEASIBLE
            and share < 1.0
            and tabu.applies(problem)
            and not STOP.is_set()
            and _in_time(clock, prm, "tabu search")
        ):
            again_share = FULL_AGAIN_SHARE
            if sol.gap > TABU_MIN_GAP:
                # its iteration count is sized from the limit; the deadline is the safety net
                tabu_end = deadline - 0.1 if prm.deterministic else min(
                    deadline - 0.1, time.perf_counter() + TABU_SHARE * remaining
                )
                sol = _tabu_phase(problem, sol, prm, tabu_end, TABU_SHARE * cp_secs, clock)
            else:
                again_share += TABU_SHARE  # near the bound already: what is left is the proof
            # the full model again, from the tabu search's solution: a better incumbent prunes
            # more, so this is where most proofs of optimality come from on tight problems
            det_again = det_left * again_share if det_left is not None else None
            again = _solve_full(
                problem,
                scales,
                sol.choice,
                prm,
                _wall(prm, remaining * again_share, clock),
                det_again,
                sol.best_bound,
                clock,
                exact,
            )
            if again.objective <= sol.objective + 1e-9 or again.status is SolveStatus.OPTIMAL:
                sol = AssignmentSolution(
                    again.status,
                    again.choice,
                    again.objective,
                    max(again.best_bound, sol.best_bound),
                    lp_bound,
                    0.0,
                    sol.deterministic and again.deterministic,
                    again.solver_objective,
                )
            share += TABU_SHARE + FULL_AGAIN_SHARE
        if (
            sol.status is SolveStatus.FEASIBLE
            and share < 1.0
            and not STOP.is_set()
            and _in_time(clock, prm, "LNS")
        ):
            det_rest = det_left * (1 - share) if det_left is not None else None
            lns = _solve_lns(problem, scales, sol.choice, prm, clock, det_rest, sol.best_bound)
            log.info("LNS: objective %.4f", lns.objective)
            if lns.objective < sol.objective - 1e-9:
                sol = AssignmentSolution(
                    lns.status,
                    lns.choice,
                    lns.objective,
                    sol.best_bound,
                    lp_bound,
                    0.0,
                    sol.deterministic and lns.deterministic,
                    lns.objective,
                )
    else:
        sol = _solve_lns(problem, scales, start, prm, clock, det_left, lp_bound)
    if admitted is not None:
        sol = _on_real_data(raw, sol, [start, admitted])
    elif not exact and sol.status is SolveStatus.FEASIBLE:
        sol = _proven_by_enumeration(raw, sol)
    sol = _least_breaching(raw, sol, [start, first, *_witnesses(floor)])
    return AssignmentSolution(
        status=sol.status,
        choice=sol.choice,
        objective=sol.objective,
        best_bound=sol.best_bound,
        lp_bound=lp_bound,
        wall_s=time.perf_counter() - t0,
        deterministic=sol.deterministic and clock.deterministic and not STOP.is_set(),
        solver_objective=sol.solver_objective,
        interrupted=STOP.is_set(),
    )


def _feasible_first(problem, choice, seconds: float, clock: Clock, grace_s: float):
    """``choice`` with its capacity violations removed on a budget of ``seconds``."""
    work = numpy_passes(seconds, 1, least=200_000)
    return restore_capacity(problem, choice, work, clock, grace_s=grace_s)


def _in_time(clock: Clock, prm: SolveParams, stage: str) -> bool:
    """Whether ``stage`` may still start; when the deadline skips it, a deterministic run records
    that the clock, not a budget, decided (a quiet machine would have run it)."""
    if not clock.expired(0.05):
        return True
    if prm.deterministic:
        clock.fired(stage)
    return False


def _better(a, b) -> bool:
    """Whether evaluation ``a`` beats ``b``: feasible first, then the lower objective."""
    return (a.feasible, -a.objective) > (b.feasible, -b.objective)


def _wall(prm: SolveParams, share_s: float, clock: Clock) -> float:
    """Wall limit of one CP-SAT phase: the safety net when budgets are deterministic."""
    return max(0.05, clock.left() if prm.deterministic else min(share_s, clock.left()))


def _proven_by_enumeration(raw: AssignmentProblem, sol: AssignmentSolution) -> AssignmentSolution:
    """On a model with at most :data:`ENUMERATION_MAX` assignments, every one evaluated on the
    real data: the optimum, proven (CP-SAT's proof holds for its rounded data only)."""
    widths = np.diff(raw.indptr)
    # the count of assignments as a sum of logs (their product overflows on real models)
    if np.any(widths < 1) or float(np.log(widths).sum()) > np.log(ENUMERATION_MAX):
        return sol
    if not evaluate(raw, sol.choice).feasible:
        return sol
    every = itertools.product(*(range(a, b) for a, b in zip(raw.indptr[:-1], raw.indptr[1:], strict=True)))
    found = _best_feasible(raw, itertools.chain([sol.choice], (np.asarray(c, dtype=np.int64) for c in every)))
    assert found is not None  # sol.choice is feasible
    best, best_ev = found
    return replace(
        sol, status=SolveStatus.OPTIMAL, choice=best, objective=best_ev.objective,
        best_bound=best_ev.objective, solver_objective=best_ev.objective,
    )


def _on_real_data(
    raw: AssignmentProblem, sol: AssignmentSolution, others: list[NDArray[np.int64]]
) -> AssignmentSolution:
    """The best of ``sol`` and ``others`` that meets every hard rule on the real data.

    Used when the searches saw capacities raised to admit a witness of the real data
    (:func:`~allocate.solvers.movecap.admit`): their alignments are checked on the real loads,
    and the witness (among ``others``) stands when none of them fits. The objective is the
    real data's; the bound, the real LP's, is kept (no proof of optimality is claimed).
    """
    found = _best_feasible(raw, [sol.choice, *others])
    if found is None:
        return replace(sol, status=SolveStatus.UNKNOWN)
    best, best_ev = found
    if best is not sol.choice:
        log.info("the searches' alignment breaks a hard rule on the real data or is worse: %.4f kept", best_ev.objective)
    return replace(
        sol, status=SolveStatus.FEASIBLE, choice=best, objective=best_ev.objective,
        best_bound=sol.best_bound, solver_objective=best_ev.objective,
    )


def _fewer_moves(
    problem: AssignmentProblem, raw: AssignmentProblem, floor: MoveFloor, prm: SolveParams, clock: Clock, det: float
) -> MoveFloor:
    """The floor's witness brought within the cap by :func:`_solve_lns` on the fewest moves.

    Neighbourhoods of the witness are re-optimized for fewest moves on the real data, their
    loads on the fine scale of the fewest-moves proof (:func:`~allocate.solvers.movecap.fine_scales`:
    every step's alignment fits the real hours, and alignments that only the real hours admit,
    which the searches' 0.001 h rounding shuts out, stay within reach); the search stops at
    the first alignment within the cap, or on its deterministic budget ``det``. Its
    alignment is a witness (:func:`~allocate.solvers.movecap.witnessed`); it proves nothing.
    """
    assert floor.choice is not None and problem.max_moves is not None
    q = fewest_moves_problem(raw)
    cap = problem.max_moves
    since = [floor.moves, 0]  # fewest moves so far, steps since they were found

    def enough(ev: Evaluation) -> bool:  # within the cap, or no fewer moves for a while
        since[:] = [ev.moves, 0] if ev.moves < since[0] else [since[0], since[1] + 1]
        return ev.moves <= cap or since[1] > FEWER_PATIENCE

    out = _solve_lns(
        q, fine_scales(q), floor.choice, replace(prm, on_solution=None, lns_step_s=FEWER_STEP_S), clock, det,
        float(floor.bound), enough=enough,
    )
    log.info("LNS on the fewest moves: %d -> %d (budget %.2f)", floor.moves, evaluate(q, out.choice).moves, det)
    return witnessed(problem, raw, floor, out.choice)


def _witnesses(floor: MoveFloor | None) -> list[NDArray[np.int64]]:
    """The alignments of fewest moves known (they meet every hard rule but, maybe, the cap)."""
    if floor is None:
        return []
    return [c for c in (floor.choice, floor.real) if c is not None]


def _least_breaching(
    raw: AssignmentProblem, sol: AssignmentSolution, others: list[NDArray[np.int64]]
) -> AssignmentSolution:
    """``sol``, or when it breaks a hard rule of the real data, the one of ``sol`` and ``others``
    that breaks them least (:mod:`allocate.solvers.breach`: locks, then capacity, account
    limits, hard bands, and the move cap last), its status unknown unless it breaks none."""
    if sol.status is not SolveStatus.UNKNOWN:
        return sol
    choice, broken = least_breaching(raw, [sol.choice, *others])
    if choice is not sol.choice:
        log.info("no alignment meets every hard rule: the one that breaks them least kept (%s)",
                 ", ".join(broken.rules()) or "none on the real data")
    ev = evaluate(raw, choice)
    return replace(
        sol, status=SolveStatus.FEASIBLE if broken.none else SolveStatus.UNKNOWN, choice=choice,
        objective=ev.objective, solver_objective=sol.solver_objective if choice is sol.choice else ev.objective,
    )


def _best_feasible(
    raw: AssignmentProblem, choices: Iterable[NDArray[np.int64]]
) -> tuple[NDArray[np.int64], Evaluation] | None:
    """The first of ``choices`` with the lowest objective among those meeting every hard rule
    of ``raw`` (the real data), with its evaluation; None when none does (the choice of
    :func:`~allocate.solvers.breach.least_breaching` when it breaks nothing)."""
    choice, broken = least_breaching(raw, choices)
    return (choice, evaluate(raw, choice)) if broken.none else None


def _same_data(raw: AssignmentProblem, snapped: AssignmentProblem) -> bool:
    """Whether rounding to CP-SAT's integer units left every number of ``raw`` as it was."""
    return all(
        np.array_equal(getattr(raw, name), getattr(snapped, name))
        for name in ("load", "capacity", "cost", "potential")
    )


def _solve_full(problem, scales, start, prm, remaining, det_left, lp_bound, clock, exact=True) -> AssignmentSolution:
    """CP-SAT on the whole model from ``start``; ``exact`` says whether its proofs (optimality,
    infeasibility, its bound) hold for the real data, or only for the rounded data it sees."""
    if clock.left() < cpsat_build_s(problem.nnz):
        # building the model alone would pass the deadline: the start is the answer
        clock.fired("CP-SAT (full model)")
        ev = evaluate(problem, start)
        status = SolveStatus.FEASIBLE if ev.feasible else SolveStatus.UNKNOWN
        return AssignmentSolution(status, start, ev.objective, lp_bound, lp_bound, 0.0, False, ev.objective)
    model = AssignmentModel(problem, scales, base=start)
    model.add_lower_bound(lp_bound)
    cb = (lambda obj: prm.on_solution(0.0, obj)) if prm.on_solution else None
    out = solve_model(
        model, max(0.05, remaining), prm.workers, prm.seed, det_left, prm.log_search, cb
    )
    start_ev = evaluate(problem, start)
    if out.status == cp_model.INFEASIBLE and np.isfinite(lp_bound):
        # infeasible *with* the bound constraint proves nothing about the model itself (a
        # bound a rounding above the optimum would do that): only the model alone may prove it
        log.warning("CP-SAT found the model infeasible with the LP bound added: solving without it")
        model = AssignmentModel(problem, scales, base=start)
        out = solve_model(
            model, _wall(prm, remaining, clock), prm.workers, prm.seed, det_left, prm.log_search, cb
        )
    if out.status == cp_model.INFEASIBLE and not model.hard_tightened and exact:
        raise InfeasibleError(
            "CP-SAT proved the model infeasible (balance, locks or move cap too tight)"
        )
    if out.status == cp_model.INFEASIBLE:
        # the hard bands were tightened, or the data rounded: no proof for the real data
        log.warning("no alignment within the rounded capacities and bands CP-SAT sees (no proof for the real data)")
    if out.choice is None:  # CP-SAT found nothing: the start, if it is feasible
        ok = start_ev.feasible
        status = SolveStatus.FEASIBLE if ok else SolveStatus.UNKNOWN
        solver_obj = start_ev.objective if ok else float("nan")
        return AssignmentSolution(
            status, start, start_ev.objective, lp_bound, lp_bound, 0.0, True, solver_obj
        )
    ev = evaluate(problem, out.choice)
    # optimal for the rounded data is not a proof for the real data: on a tiny soft-band
    # problem CP-SAT called 23.048 optimal where brute force finds 23.012 (potentials counted
    # in units of 100 EUR); then the real data's LP bound stands
    proven = out.status == cp_model.OPTIMAL and exact
    status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    bound = out.objective if proven else max(lp_bound, out.bound) if exact else lp_bound
    det_ok = det_left is None or not out.clock_stopped
    if not det_ok:
        clock.fired("CP-SAT (full model)")
    return AssignmentSolution(
        status,
        out.choice,
        ev.objective,
        min(bound, ev.objective),
        lp_bound,
        0.0,
        det_ok,
        out.objective,
    )


def _tabu_phase(
    problem, sol: AssignmentSolution, prm: SolveParams, deadline: float, seconds: float, clock: Clock
) -> AssignmentSolution:
    """Run the tabu search from CP-SAT's solution; keep its result when it is better."""
    iterations = int(seconds * TABU_WORK_PER_SECOND / tabu.work_per_iteration(problem))
    choice, finished = tabu.tabu_search(problem, sol.choice, iterations, prm.seed, deadline)
    ev = evaluate(problem, choice)
    log.info("tabu search: %d iterations, %.4f -> %.4f", iterations, sol.objective, ev.objective)
    deterministic = sol.deterministic and (finished or not prm.deterministic)
    if not finished:
        clock.fired("tabu search")
    if ev.feasible and ev.objective < sol.objective - 1e-9:
        if prm.on_solution is not None:
            prm.on_solution(0.0, ev.objective)
        return AssignmentSolution(
            sol.status,
            choice,
            ev.objective,
            sol.best_bound,
            sol.lp_bound,
            0.0,
            deterministic,
            ev.objective,
        )
    return AssignmentSolution(
        sol.status,
        sol.choice,
        sol.objective,
        sol.best_bound,
        sol.lp_bound,
        0.0,
        deterministic,
        sol.solver_objective,
    )


def _neighbour_sellers(
    problem: AssignmentProblem, rng: np.random.Generator
) -> list[NDArray[np.int64]]:
    """For each seller, the other sellers ordered by how many candidate items they share.

    Ties are broken in a seeded random order: on dense problems (every seller a candidate for
    every item) all sellers tie, and an index order would pair each seller with the same few.
    """
    p = problem
    item_of = p.item_of
    m = p.n_sellers
    from scipy.sparse import coo_matrix

    inc = coo_matrix((np.ones(p.nnz), (item_of, p.seller)), shape=(p.n_items, m)).tocsr()
    shared = (inc.T @ inc).tocsr()
    out = []
    for s in range(m):
        row = shared.getrow(s)
        shuffle = rng.permutation(len(row.data))
        order = shuffle[np.argsort(-row.data[shuffle], kind="stable")]
        nb = row.indices[order]
        out.append(nb[nb != s])
    return out


def _solve_lns(
    problem, scales, start, prm, clock, det_left, lp_bound, enough: Callable[[Evaluation], bool] | None = None
) -> AssignmentSolution:
    """Large-neighbourhood search: re-optimize the items of a few related sellers at a time.

    A neighbourhood is a seed seller (taken in a seeded random order) plus sellers drawn from
    the ones sharing most candidate items with it; its items may move among its sellers only.
    Each step solves ``workers`` neighbourhoods with disjoint sellers side by side (one
    single-threaded CP-SAT search each) and keeps every improvement: improvements of disjoint
    neighbourhoods combine, and the combination is checked on the full objective. The
    neighbourhood size adapts as in CP-SAT's own LNS: it grows while the sub-problems are
    solved to optimality and shrinks when they hit the step limit, so steps stay cheap on
    tightly capacitated problems and large on easy ones.
    """
    p = problem
    deadline = clock.deadline
    rng = np.random.default_rng(prm.seed)
    neighbours = _neighbour_sellers(p, rng)
    current = start
    cur_ev = evaluate(p, current)
    det_used = 0.0
    det_budget = det_left if det_left is not None else float("inf")
    lanes = max(1, min(prm.workers, p.n_sellers // 2))
    size = max(2, min(prm.lns_sellers, p.n_sellers // lanes))
    deterministic = True
    order = rng.permutation(p.n_sellers)
    cursor = 0
    step = 0
    n_free_all = p.n_items - int((p.fixed >= 0).sum())
    width = np.diff(p.indptr)
    last_step_s = 0.0
    while True:
        if STOP.is_set():
            deterministic = False
            break
        if enough is not None and cur_ev.feasible and enough(cur_ev):
            break  # good enough for the caller (a stop at a solution: reproducible)
        # a step that cannot end before the deadline is not started (its cost: the last one's)
        if time.perf_counter() >= deadline - max(0.2, last_step_s):
            if det_left is not None:
                deterministic = False
                clock.fired("LNS")
            break
        if det_used >= det_budget:
            break
        s_of = p.seller[current]
        used = np.zeros(p.n_sellers, dtype=bool)
        groups: list[NDArray[np.int64]] = []
        # Repairing an overload: one neighbourhood around the most overloaded seller, larger
        # than usual, whose items may go to any of their candidate sellers (not only the
        # neighbourhood's, which may all be full).
        repairing = not cur_ev.feasible
        for _ in range(1 if repairing else lanes):
            if repairing:
                # repair first: start from the most overloaded seller
                over = (
                    np.bincount(s_of, weights=p.load[current], minlength=p.n_sellers) - p.capacity
                )
                seed_seller = int(np.argmax(over))
            else:
                while used[order[cursor % p.n_sellers]]:
                    cursor += 1
                seed_seller = int(order[cursor % p.n_sellers])
                cursor += 1
            used[seed_seller] = True
            near = neighbours[seed_seller]
            g_size = max(size, prm.lns_sellers + step % 4) if repairing else size
            pool = near[~used[near]][: 2 * g_size]
            pick = (
                rng.choice(len(pool), size=min(g_size - 1, len(pool)), replace=False)
                if len(pool)
                else []
            )
            group = np.r_[seed_seller, pool[np.sort(np.asarray(pick, dtype=np.int64))]]
            used[group] = True
            groups.append(group)
            if used.sum() + size > p.n_sellers:
                break
        step += 1
        step_det = min(prm.lns_step_s * DET_PER_SECOND, det_budget - det_used)
        step_start = time.perf_counter()
        jobs = []
        frees = [np.flatnonzero(np.isin(s_of, group) & (p.fixed < 0)) for group in groups]
        build_s = cpsat_build_s(sum(int(width[f].sum()) for f in frees)) if not last_step_s else 0.0
        if det_left is not None and build_s > det_budget / CPSAT_DET_PER_S:
            # the first step's models alone cost more than the LNS's whole budget: not
            # started, by a deterministic rule (the same limit and size always skip it)
            break
        if build_s and clock.left() < build_s:
            # the first step: its models alone would pass the deadline
            if det_left is not None:
                deterministic = False
                clock.fired("LNS")
            break
        for k, group in enumerate(groups):
            free = frees[k]
            if len(free):
                jobs.append(
                    (
                        free,
                        AssignmentModel(
                            p, scales, free=free, base=current, sellers=None if repairing else group
                        ),
                        prm.seed + lanes * step + k,
                    )
                )
        if det_left is not None:  # the step's own work, counted whatever CP-SAT counts
            det_used += lns_step_det(sum(len(job[0]) for job in jobs))
        if not jobs:
            continue
        # deterministic steps end on their budget; the wall limit (what is left once the
        # sub-models are built) is only the safety net
        step_wall = deadline - time.perf_counter() if det_left is not None else min(
            prm.lns_step_s * 3, deadline - time.perf_counter()
        )
        outs = _solve_side_by_side(jobs, max(0.05, step_wall), step_det if det_left is not None else None)
        last_step_s = time.perf_counter() - step_start
        if det_left is not None and any(o.clock_stopped for o in outs):
            deterministic = False
            clock.fired("LNS")
        det_used += max((o.det_time if det_left is not None else o.wall_s) for o in outs)
        solved = [o.status == cp_model.OPTIMAL for o in outs]
        log.debug(
            "lns step %d: %d neighbourhoods of %d sellers, optimal %s, det %.2f",
            step,
            len(jobs),
            size,
            solved,
            max(o.det_time for o in outs),
        )
        if all(solved):
            size = min(size + 1, p.n_sellers // len(groups))
        elif not any(solved):
            size = max(2, size - 1)
        better = []
        for (free, _, _), out in zip(jobs, outs, strict=True):
            if out.choice is None:
                continue
            ev = evaluate(p, out.choice)
            if (ev.feasible and not cur_ev.feasible) or (
                ev.feasible == cur_ev.feasible and ev.objective < cur_ev.objective - 1e-9
            ):
                better.append((ev.objective, free, out.choice, ev))
        if not better:
            if len(jobs) == 1 and solved[0] and len(jobs[0][0]) == n_free_all:
                break  # the whole problem was one neighbourhood, solved to optimality
            continue
        better.sort(key=lambda b: b[0])
        _, _, current, cur_ev = better[0]
        if len(better) > 1:
            merged = current.copy()
            for _, free, choice, _ in better[1:]:
                merged[free] = choice[free]
            ev = evaluate(p, merged)
            if ev.feasible >= cur_ev.feasible and ev.objective < cur_ev.objective - 1e-9:
                current, cur_ev = merged, ev
        log.debug("lns step %d: objective %.4f, det %.2f", step, cur_ev.objective, det_used)
        if prm.on_solution is not None and cur_ev.feasible:
            prm.on_solution(0.0, cur_ev.objective)
    status = SolveStatus.FEASIBLE if cur_ev.feasible else SolveStatus.UNKNOWN
    return AssignmentSolution(
        status, current, cur_ev.objective, lp_bound, lp_bound, 0.0, deterministic, cur_ev.objective
    )


def _solve_side_by_side(jobs, wall_s: float, det_s: float | None) -> list:
    """Solve each (free, model, seed) job with one single-threaded search, in parallel threads."""
    from concurrent.futures import ThreadPoolExecutor, wait

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [
            pool.submit(solve_model, model, wall_s, 1, seed, det_s, light_presolve=True)
            for _, model, seed in jobs
        ]
        while wait(futures, timeout=0.2).not_done:
            pass  # short slices, so that a Ctrl-C handler runs (see cpsat.request_stop)
        return [f.result() for f in futures]
