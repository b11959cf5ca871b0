"""The move cap (``max_moves``): what the hard rules force, a start within it, or a proof.

The start heuristics (LP rounding, capacity repair, shift moves) price moves but do not count
them against ``max_moves``; CP-SAT then starts from a hint that breaks the cap, and may find
nothing within it in time. These tools serve a cap:

* :func:`restore_moves` returns items to the candidate seller that keeps most of their
  accounts (their entry with the most ``stays``), cheapest first per account kept, as long as
  capacity and account limits allow, until the cap holds. It fails when today's alignment
  itself overloads sellers: the returns are then refused.
* :func:`move_floor` asks what the hard rules force: the LP relaxation of *fewest moves under
  capacity, account limits, locks and hard balance bands* (no travel, no soft terms) proves a
  floor on the real data, and its rounding, repaired for capacity, is a witness alignment
  with few moves. A cap below the floor is impossible: :func:`cap_error` says so, naming
  the floor and its causes (whole bundles, sellers over capacity today).
* When the witness breaks a cap the LP floor does not refuse, the pipeline's LNS re-optimizes
  its neighbourhoods for fewest moves first, on the real data with loads on a fine scale
  (:func:`fine_scales`), until the cap holds (:func:`witnessed` files what it finds): a
  search, far cheaper than the proof below, which then runs only if the cap still fails.
* :func:`exact_floor` runs when the witness still breaks the cap: CP-SAT on the same problem, on
  the real data rounded so as to relax it (:mod:`allocate.solvers.cpsat.fewest`), raises the
  floor to the fewest moves of any alignment (the LP's is often a few below), and its
  alignment, checked on the real data, is a witness for them (:attr:`MoveFloor.real`), one
  for the searches too when it fits the loads as they see them (rounded up).
* :func:`spend_moves` starts from the witness and spends what is left of the cap on the
  heuristic start's cheaper entries; :func:`capped_start` keeps the best of these within
  the cap. The CP-SAT stages after it carry the cap in every model, so they only improve it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from allocate.core.errors import InfeasibleError, Shortfall
from allocate.solvers.budget import Clock, cpsat_det, numpy_passes
from allocate.solvers.construct import best_entries, restore_capacity
from allocate.solvers.cpsat import AssignmentModel, solve_model
from allocate.solvers.cpsat.fewest import fewest_moves, load_scale
from allocate.solvers.heuristics import repair, round_lp
from allocate.solvers.lp import lp_relaxation
from allocate.solvers.problem import (
    AssignmentProblem,
    evaluate,
    measure_per_seller,
    move_item,
    seller_totals,
)
from allocate.solvers.scaling import Scales, scales_for

log = logging.getLogger(__name__)

#: Price of a unit outside a hard balance band when returns are ranked (as in the shift search).
HARD_BAND_PRICE = 1e6


def restore_moves(problem: AssignmentProblem, choice: NDArray[np.int64]) -> NDArray[np.int64]:
    """A copy of ``choice`` with at most ``max_moves`` accounts moved, when returns allow it.

    Returns are made best first: the least objective increase per account kept, the balance
    bands counted (a return that unbalances a seller costs its penalty, a hard band a large
    one), recomputed after each batch of returns (an eighth of what is still over the cap).

    Parameters
    ----------
    problem
        The assignment problem (nothing to do without ``max_moves``).
    choice
        Candidate entry chosen for each item.

    Returns
    -------
    ndarray of int
        The choice with items returned to their sellers of today; a return that would
        overload its seller (capacity or account limit) or break a lock is not made, so the
        cap may still be exceeded when returns run out (the caller's evaluation says so).
    """
    p = problem
    out = np.asarray(choice, dtype=np.int64).copy()
    if p.max_moves is None:
        return out
    moves = int(p.movable.sum() - p.stays[out].sum())
    if moves <= p.max_moves:
        return out
    home = home_choice(p)
    unit = p.cost_weight * p.cost
    loads, counts = seller_totals(p, out)
    limit = np.where(p.max_items >= 0, p.max_items, np.iinfo(np.int64).max)
    s_of = p.seller[out]
    bands = _Bands(p, out)
    while moves > p.max_moves:
        gain = p.stays[home] - p.stays[out]  # accounts kept by returning
        cand = np.flatnonzero((gain > 0) & (p.fixed < 0))
        t = p.seller[home[cand]]
        room = (loads[t] + p.load[home[cand]] <= p.capacity[t] + 1e-9) & (counts[t] + p.count[cand] <= limit[t])
        cand = cand[room]
        if len(cand) == 0:
            break
        delta = unit[home[cand]] - unit[out[cand]] - p.move_weight * gain[cand]
        delta = delta + bands.cost_of_shifts(cand, out[cand], home[cand], s_of[cand])
        order = cand[np.lexsort((cand, delta / gain[cand]))]
        batch = max(1, (moves - p.max_moves) // 8)
        done = 0
        for i in order:
            if moves <= p.max_moves or done >= batch:
                break
            e = int(home[i])
            tt = int(p.seller[e])
            if loads[tt] + p.load[e] > p.capacity[tt] + 1e-9 or counts[tt] + p.count[i] > limit[tt]:
                continue
            bands.shift(int(i), int(out[i]), e, int(s_of[i]))
            moves -= int(gain[i])
            move_item(p, out, s_of, loads, counts, i, e)
            done += 1
        if done == 0:
            break
    return out


class _Bands:
    """Per-seller totals of the balance measures and the price of shifting items between sellers.

    The band bounds are those of the totals when built (a shift inside a group changes no
    total of potential or count, and the workload total only by travel differences).
    """

    def __init__(self, p: AssignmentProblem, choice: NDArray[np.int64]) -> None:
        self.p = p
        s_of = p.seller[choice]
        self.q, self.hi, self.lo, self.w = [], [], [], []
        for b in p.balances:
            q = measure_per_seller(p, b.measure, s_of, choice)
            hi = np.full(p.n_sellers, np.inf)
            lo = np.full(p.n_sellers, -np.inf)
            for g in p.balance_groups:
                if len(g) >= 2:
                    share = p.capacity[g] / p.capacity[g].sum()
                    hi[g] = (1 + b.tolerance) * share * q[g].sum()
                    lo[g] = (1 - b.tolerance) * share * q[g].sum()
            self.q.append(q)
            self.hi.append(hi)
            self.lo.append(lo)
            self.w.append(HARD_BAND_PRICE if b.hard else b.weight)

    def _amounts(self, k: int, items, old, new):
        measure = self.p.balances[k].measure
        if measure == "load":
            return self.p.load[old], self.p.load[new]
        if measure == "potential":
            return self.p.potential[items], self.p.potential[items]
        return self.p.count[items].astype(float), self.p.count[items].astype(float)

    def _dev(self, k: int, s, value):
        return np.maximum(value - self.hi[k][s], 0.0) + np.maximum(self.lo[k][s] - value, 0.0)

    def cost_of_shifts(self, items, old, new, s_of) -> NDArray[np.float64]:
        """Band penalty added by moving each item from ``old`` to ``new`` (entries), alone."""
        out = np.zeros(len(items))
        t = self.p.seller[new]
        for k in range(len(self.q)):
            a_s, a_t = self._amounts(k, items, old, new)
            q = self.q[k]
            before = self._dev(k, s_of, q[s_of]) + self._dev(k, t, q[t])
            after = self._dev(k, s_of, q[s_of] - a_s) + self._dev(k, t, q[t] + a_t)
            out += self.w[k] * (after - before)
        return out

    def shift(self, i: int, old: int, new: int, s: int) -> None:
        """Record that item ``i`` moved from entry ``old`` (seller ``s``) to ``new``."""
        t = int(self.p.seller[new])
        for k in range(len(self.q)):
            a_s, a_t = self._amounts(k, np.array([i]), np.array([old]), np.array([new]))
            self.q[k][s] -= float(a_s[0])
            self.q[k][t] += float(a_t[0])


@dataclass(frozen=True)
class MoveFloor:
    """What the hard rules alone force in moves, before any cap: a proof and a witness.

    Attributes
    ----------
    bound
        Accounts that must move whatever the alignment, proven by the LP relaxation of
        "fewest moves under the hard rules" on the real data (0 when it did not finish).
    choice
        An alignment meeting the hard rules but the cap with few moves (``None`` when none
        was found), the witness that ``moves`` are enough.
    moves
        Its moves (``-1`` without one).
    bundled
        Moves that whole bundles force by themselves: accounts of a bundle (a town) whose
        accounts have several sellers today.
    overloaded
        Sellers whose items of today exceed their capacity, with the excess in load units.
    proof
        What proves ``bound``: the LP relaxation, or CP-SAT's integer model of :func:`exact_floor`.
    real
        An alignment meeting the hard rules on the real data with ``real_moves`` moves, which
        the loads as the searches see them (rounded up) may overload by their rounding
        (``None`` when none is known beyond ``choice``).
    real_moves
        Its moves (``-1`` without one).
    """

    bound: int
    choice: NDArray[np.int64] | None
    moves: int
    bundled: int
    overloaded: tuple[tuple[str, float], ...]
    proof: str = "LP relaxation of the fewest moves"
    real: NDArray[np.int64] | None = None
    real_moves: int = -1


def home_choice(problem: AssignmentProblem) -> NDArray[np.int64]:
    """Each item's entry that keeps most of its accounts with their seller today (locks win).

    Parameters
    ----------
    problem
        The assignment problem.

    Returns
    -------
    ndarray of int
        Candidate entry per item: today's alignment as far as bundles and candidates allow.
    """
    return best_entries(problem, -problem.stays.astype(float))


def fewest_moves_problem(problem: AssignmentProblem) -> AssignmentProblem:
    """The same hard rules without the cap, each move costing 1 and nothing else counted.

    The moves are the cost of each entry (not a move price), so that the capacity repairs,
    which rank their shifts by cost, look for the fewest moves too.
    """
    return replace(
        problem, cost=problem.entry_moves.astype(float), cost_weight=1.0, move_weight=0.0, max_moves=None,
        balances=tuple(b for b in problem.balances if b.hard),
    )


def move_floor(
    problem: AssignmentProblem, raw: AssignmentProblem, seconds: float, clock: Clock, max_evals: int
) -> MoveFloor:
    """The fewest moves the hard rules allow: an LP bound and a rounded, repaired witness.

    The LP relaxation of the fewest-moves problem is solved twice: on ``raw`` (the real
    data) for the proof, and on ``problem`` (the data as CP-SAT sees them, loads rounded up)
    for the witness, which is its rounding, repaired for capacity by the two repairs of the
    pipeline (the one with fewer moves that meets the hard rules is kept).

    Parameters
    ----------
    problem
        The assignment problem as the searches see it (snapped), with its cap.
    raw
        The same problem on the real data, for the proof.
    seconds
        Seconds each LP's deterministic budget is sized from.
    clock
        The solve's wall-clock safety net.
    max_evals
        Work budget of the LP rounding's repair (candidates priced); the restorations of
        capacity get ``seconds`` of theirs.

    Returns
    -------
    MoveFloor
        The proven floor, a witness, and what forces the moves.
    """
    q = fewest_moves_problem(problem)
    home = home_choice(problem)
    bundled = int(problem.movable.sum() - problem.stays[home].sum())
    loads, _ = seller_totals(raw, home)
    excess = loads - raw.capacity
    labels = raw.seller_labels or tuple(f"seller {s}" for s in range(raw.n_sellers))
    overloaded = tuple((labels[s], float(excess[s])) for s in np.argsort(-excess) if excess[s] > 1e-9)
    proof = lp_relaxation(fewest_moves_problem(raw), seconds, clock)
    bound = int(np.ceil(proof.bound - 1e-6)) if proof.optimal and proof.feasible else 0
    guide = lp_relaxation(q, seconds, clock)
    rounded = round_lp(q, guide.x) if guide.optimal else home
    work = numpy_passes(seconds, 1, least=200_000)  # restore_capacity's unit, as in the pipeline
    tries = [
        repair(q, rounded, rounds=6, max_evals=max_evals, clock=clock),
        restore_capacity(q, rounded, work, clock),
        restore_capacity(q, home, work, clock),
    ]
    found = [(evaluate(q, c).moves, k) for k, c in enumerate(tries) if evaluate(q, c).feasible]
    if not found:
        return MoveFloor(bound, None, -1, bundled, overloaded)
    moves, k = min(found)
    log.info("fewest moves under the hard rules: at least %d (LP), %d found", bound, moves)
    return MoveFloor(bound, tries[k], moves, bundled, overloaded)


#: Share of what is left of the clock that CP-SAT on the fewest moves may take (its safety
#: net; its budget is deterministic, :func:`floor_det`). It runs only when no alignment
#: within the cap is known, so the searches after it have no start without it: nearly all
#: of it (it stops at the first witness within the cap, and the searches get the rest).
FLOOR_WALL_SHARE = 0.95
#: Seconds of search the deterministic budget of CP-SAT on the fewest moves is sized from,
#: per second of the searches' seconds: on ``fr-pme`` it proves 523 for geography in about
#: 1.2 units of deterministic time (at 20 s the searches' seconds are about 15, so 3 units).
FLOOR_SHARE = 1.5


def floor_det(seconds: float) -> float:
    """Deterministic budget of CP-SAT on the fewest moves for ``seconds`` of searches."""
    return cpsat_det(FLOOR_SHARE * seconds)


def exact_floor(
    problem: AssignmentProblem, raw: AssignmentProblem, floor: MoveFloor, clock: Clock, det: float, seed: int = 0
) -> MoveFloor:
    """The floor raised by CP-SAT on the real data, and witnesses from it.

    The LP floor of :func:`move_floor` is often below the fewest moves of any alignment (on
    ``fr-pme``: 520 against 523 for geography, 182 against 185 for size). CP-SAT on the
    fewest moves with loads rounded down and capacities up on a fine scale
    (:func:`~allocate.solvers.cpsat.fewest.fewest_moves`, a relaxation of the real rules)
    proves the real floor; its alignment, checked on the real data, is a witness for the
    real data (:attr:`MoveFloor.real`), and for the searches too when it also fits the
    loads as they see them (rounded up to 0.001 h), or once repaired for them.

    Parameters
    ----------
    problem
        The assignment problem (snapped, with its cap).
    raw
        The same on the real data.
    floor
        The floor of :func:`move_floor`.
    clock
        The solve's wall-clock safety net (CP-SAT gets :data:`FLOOR_WALL_SHARE` of what is left).
    det
        CP-SAT's deterministic budget (:func:`floor_det`).
    seed
        CP-SAT's seed.

    Returns
    -------
    MoveFloor
        ``floor`` with the higher proven bound and the witnesses of fewest moves found.
    """
    cap = problem.max_moves
    if floor.choice is not None and (floor.moves <= floor.bound or (cap is not None and floor.moves <= cap)):
        return floor
    if clock.left() < 0.5:
        clock.fired("CP-SAT on the fewest moves (not started)")
        return floor
    q_raw = fewest_moves_problem(raw)

    def within(choice: NDArray[np.int64]) -> bool:  # a witness within the cap on the real data
        ev = evaluate(q_raw, choice)
        return cap is not None and ev.moves <= cap and ev.feasible

    # below the cap the search stops at the first witness; a cap it proves impossible gets the
    # rest of its budget, for the fewest moves the refusal names
    # the hint: the witness of fewest moves, the real data's when it has fewer (the LNS's)
    hint = floor.real if floor.real is not None and (floor.choice is None or floor.real_moves < floor.moves) else floor.choice
    out = fewest_moves(q_raw, det, FLOOR_WALL_SHARE * clock.left(), seed, hint, within)
    if out.clock_stopped:
        clock.fired("CP-SAT on the fewest moves")
    if out.bound == np.inf:
        # its model relaxes the real data (loads rounded down, capacities up): no alignment
        # meets capacity, account limits and locks on the real data, whatever the cap
        raise InfeasibleError(
            "the capacities, account limits and locks cannot all hold, whatever the move cap "
            "(proven by an integer model of the real hours, loads rounded down and capacities up)"
        )
    proven = int(np.ceil(out.bound - 1e-6))
    if proven > floor.bound:
        log.info("fewest moves under the hard rules: at least %d (CP-SAT, real data)", proven)
        floor = replace(floor, bound=proven, proof="integer model of the fewest moves")
    if out.choice is None:
        return floor
    floor = witnessed(problem, raw, floor, out.choice)
    q = fewest_moves_problem(problem)
    # over capacity on the rounded loads by a few thousandths of an hour at most: repaired
    work = numpy_passes(det, 1, least=200_000)  # from the budget, not the time left: deterministic
    return _better_witness(q, floor, restore_capacity(q, out.choice, work, clock))


def witnessed(
    problem: AssignmentProblem, raw: AssignmentProblem, floor: MoveFloor, choice: NDArray[np.int64]
) -> MoveFloor:
    """``floor`` with ``choice`` as a witness where it has fewer moves: for the real data when it
    meets their hard rules (the cap aside), for the searches too when it also meets them on
    the loads rounded up that the searches see.

    Parameters
    ----------
    problem
        The assignment problem as the searches see it (snapped).
    raw
        The same on the real data.
    floor
        The floor and its witnesses so far.
    choice
        Candidate entry per item.

    Returns
    -------
    MoveFloor
        ``floor``, its witnesses replaced by ``choice`` where it is one with fewer moves.
    """
    ev = evaluate(fewest_moves_problem(raw), choice)
    if ev.feasible and (floor.real is None or ev.moves < floor.real_moves):
        log.info("fewest moves: %d found on the real data (floor %d)", ev.moves, floor.bound)
        floor = replace(floor, real=choice, real_moves=ev.moves)
    return _better_witness(fewest_moves_problem(problem), floor, choice)


def within_cap(floor: MoveFloor, cap: int) -> bool:
    """Whether a witness of ``floor`` (for the searches' data or the real data) meets ``cap``."""
    return 0 <= floor.moves <= cap or (floor.real is not None and floor.real_moves <= cap)


#: Seconds of LNS on the fewest moves from the witness (:func:`fewer_det`) per second of the
#: searches' seconds. On ``fr-pme`` geography (LP witness 526 moves, fewest 523 on the real
#: hours, 524 on the searches' rounded ones; about 4 search seconds at 20 s, so 0.5 units) it
#: reaches 523 or 524 in a few steps (seed 0: 523 in three, 0.28 units charged, 2.5 s at load
#: 6.4), where CP-SAT's proof of the floor needs 1.0-1.3 units.
FEWER_SHARE = 0.6


def fewer_det(seconds: float) -> float:
    """Deterministic budget of the LNS on the fewest moves for ``seconds`` of searches."""
    return cpsat_det(FEWER_SHARE * seconds)


def fine_scales(q: AssignmentProblem) -> Scales:
    """CP-SAT's scales for the fewest-moves problem ``q`` of the real data: loads on the fine
    scale of :func:`~allocate.solvers.cpsat.fewest.load_scale` (rounded up, capacities down:
    every alignment of the model fits the real hours), moves counted exactly."""
    return replace(scales_for(q), load=load_scale(q), obj=1.0)


def admit(problem: AssignmentProblem, witness: NDArray[np.int64]) -> AssignmentProblem:
    """``problem`` with each capacity raised to what ``witness`` loads its seller, where it is more.

    The witness meets capacity on the real loads, but the loads as the searches see them
    (each rounded up to 0.001 h) may overload a seller by a few thousandths of an hour. With
    the capacities raised by that much the searches may start from it; what they return
    is no longer sure to fit the real hours, so the caller checks it on the real data.

    Parameters
    ----------
    problem
        The assignment problem as the searches see it (snapped).
    witness
        Candidate entry per item, within the cap and every hard rule on the real data.

    Returns
    -------
    AssignmentProblem
        The same problem with raised capacities (balance shares follow them: a few
        millionths).
    """
    loads, _ = seller_totals(problem, witness)
    return replace(problem, capacity=np.maximum(problem.capacity, loads))


def _better_witness(q: AssignmentProblem, floor: MoveFloor, choice: NDArray[np.int64] | None) -> MoveFloor:
    """``floor`` with ``choice`` as its witness when it meets the hard rules of ``q`` with fewer moves."""
    if choice is None:
        return floor
    ev = evaluate(q, choice)
    if not ev.feasible or (floor.choice is not None and ev.moves >= floor.moves):
        return floor
    log.info("fewest moves: %d found for the searches' data (floor %d)", ev.moves, floor.bound)
    return replace(floor, choice=choice, moves=ev.moves)


def closer_floor(
    problem: AssignmentProblem, scales: Scales, floor: MoveFloor, clock: Clock,
    workers: int, seed: int, det: float | None,
) -> MoveFloor:
    """The floor with a witness of fewer moves, from CP-SAT on the fewest-moves problem.

    Run when the cap is proven impossible, on the time the searches no longer need (the user
    learns a cap that is enough), and when the witness breaks a cap above the floor (the
    searches need a start within it). CP-SAT sees the data rounded (loads up), so its own
    bound proves nothing for the real data and only ``floor.bound`` (the LP's) is kept; when
    the witness reaches it, the floor is exact.

    Parameters
    ----------
    problem
        The assignment problem (snapped, with its cap).
    scales
        Its CP-SAT scales.
    floor
        The floor of :func:`move_floor` (its witness, when it has one, is CP-SAT's hint).
    clock
        The solve's wall-clock safety net.
    workers, seed
        CP-SAT workers and seed.
    det
        CP-SAT's deterministic budget (``None``: the clock alone).

    Returns
    -------
    MoveFloor
        ``floor`` with the witness of fewest moves found.
    """
    if (floor.choice is not None and floor.moves <= floor.bound) or clock.left() < 0.5:
        return floor
    q = fewest_moves_problem(problem)
    model = AssignmentModel(q, scales, base=floor.choice)
    model.add_lower_bound(float(floor.bound))
    out = solve_model(model, clock.left(), workers, seed, det)
    if out.choice is None:
        return floor
    ev = evaluate(q, out.choice)
    if not ev.feasible or (floor.choice is not None and ev.moves >= floor.moves):
        return floor
    log.info("fewest moves: %d found by CP-SAT (LP floor %d)", ev.moves, floor.bound)
    return replace(floor, choice=out.choice, moves=ev.moves)


def cap_error(problem: AssignmentProblem, floor: MoveFloor, unit: str = "h/week") -> InfeasibleError:
    """The error of a cap below the proven floor, naming what forces the moves.

    Parameters
    ----------
    problem
        The assignment problem with its cap.
    floor
        Its :class:`MoveFloor` (``floor.bound > problem.max_moves``).
    unit
        Unit of the loads in the message.

    Returns
    -------
    InfeasibleError
        Its reason names the cap and the floor; one line per cause follows.
    """
    known = [k for k in (floor.moves, floor.real_moves) if k >= 0]
    moves = min(known) if known else -1  # both witnesses meet the hard rules on the real data
    if moves == floor.bound:
        enough = f", and an alignment with {moves:,} moves meets them: the fewest possible"
    elif moves > floor.bound:
        enough = f"; an alignment with {moves:,} moves meets them"
    else:
        enough = ""
    reason = (
        f"the move cap of {problem.max_moves:,} accounts cannot hold: the hard rules (capacity, "
        f"account limits, locks, hard balance bands, whole bundles) need at least {floor.bound:,} "
        f"moves ({floor.proof}, on the real data){enough}; raise the cap to "
        f"at least {floor.bound:,}"
    )
    causes = []
    if floor.bundled:
        causes.append(Shortfall(f"whole bundles: {floor.bundled:,} accounts share a bundle (a town) with "
                                "accounts of another seller today, and a bundle has one seller", 0.0, 0.0))
    for label, excess in floor.overloaded:
        causes.append(Shortfall(f"capacity: {label} is {excess:,.1f} {unit} over capacity with its "
                                "accounts of today, so some of them must move", 0.0, 0.0))
    return InfeasibleError(reason, causes)


def spend_moves(
    problem: AssignmentProblem, reference: NDArray[np.int64], target: NDArray[np.int64]
) -> NDArray[np.int64]:
    """From a capped ``reference``, take ``target``'s entries while the cap and capacity allow.

    Items whose entry in ``target`` lowers the objective (travel, move price and balance
    bands, each shift priced alone) go there best first: those that cost no extra move (a
    return, a swap of one moved account for another) by their saving, then by saving per
    extra move; in batches, repriced after each, as long as the cap, each seller's capacity
    and account limit and the locks hold (a move out frees room for a move in).

    Parameters
    ----------
    problem
        The assignment problem with its cap.
    reference
        A choice within the cap (the :class:`MoveFloor` witness).
    target
        A better choice that breaks the cap.

    Returns
    -------
    ndarray of int
        A choice within the cap, capacities and account limits held by every step.
    """
    p = problem
    out = np.asarray(reference, dtype=np.int64).copy()
    target = np.asarray(target, dtype=np.int64)
    cap = p.max_moves if p.max_moves is not None else np.iinfo(np.int64).max
    entry_moves = p.entry_moves
    unit = p.cost_weight * p.cost + p.move_weight * entry_moves
    moves = int(entry_moves[out].sum())
    loads, counts = seller_totals(p, out)
    s_of = p.seller[out]
    limit = np.where(p.max_items >= 0, p.max_items, np.iinfo(np.int64).max)
    bands = _Bands(p, out)
    while True:
        diff = np.flatnonzero((target != out) & (p.fixed < 0))
        saving = unit[out[diff]] - unit[target[diff]] - bands.cost_of_shifts(diff, out[diff], target[diff], s_of[diff])
        extra = entry_moves[target[diff]] - entry_moves[out[diff]]
        keep = (saving > 1e-12) & (moves + extra <= cap)
        diff, saving, extra = diff[keep], saving[keep], extra[keep]
        if len(diff) == 0:
            break
        # free moves first (by saving), then by saving per extra move
        rate = np.where(extra <= 0, np.inf, saving / np.maximum(extra, 1))
        batch = max(1, len(diff) // 8)
        done = 0
        for i in diff[np.lexsort((diff, -saving, -rate))]:
            if done >= batch:
                break
            e = int(target[i])
            d = int(entry_moves[e] - entry_moves[out[i]])
            t = int(p.seller[e])
            if moves + d > cap or loads[t] + p.load[e] > p.capacity[t] + 1e-9 or counts[t] + p.count[i] > limit[t]:
                continue
            bands.shift(int(i), int(out[i]), e, int(s_of[i]))
            move_item(p, out, s_of, loads, counts, i, e)
            moves += d
            done += 1
        if done == 0:
            break
    return out


def capped_start(
    problem: AssignmentProblem, start: NDArray[np.int64], floor: MoveFloor
) -> NDArray[np.int64]:
    """The best start within the cap: ``start`` brought back, or the floor's witness spent.

    Parameters
    ----------
    problem
        The assignment problem with its cap.
    start
        The pipeline's heuristic start (it may break the cap).
    floor
        The fewest-moves witness.

    Returns
    -------
    ndarray of int
        The feasible candidate of least objective among :func:`restore_moves` of ``start``,
        the witness, and the witness moved by :func:`spend_moves` towards ``start`` and
        towards its restoration;
        ``start`` itself when none is feasible.
    """
    tries = [restore_moves(problem, start)]
    if floor.choice is not None:
        # the returns may stop short of the cap (sellers of today full): spent towards them
        # too, the witness gets closest to the start
        tries += [spend_moves(problem, floor.choice, tries[0]), spend_moves(problem, floor.choice, start), floor.choice]
    scored = [(evaluate(problem, c), k) for k, c in enumerate(tries)]
    ok = [(ev.objective, k) for ev, k in scored if ev.feasible]
    if not ok:
        return np.asarray(start, dtype=np.int64)
    return tries[min(ok)[1]]
