"""Swaps between two sellers that target the soft balance bands.

A shift (:func:`~allocate.solvers.heuristics.improve`) moves one item to a seller with room.
When the sellers under their potential band are full on workload (their hours are within
their capacity, their potential is not), no shift helps: an item must come back the other
way. A *swap* gives item ``i`` of seller ``s`` to ``t`` and item ``j`` of ``t`` to ``s``: the
workload stays about the same on both, while the potential (or the account count) moves by
the difference of the two items. On the size model of the 20k × 100 instance the sellers
over their potential band hold 2-4 times their target, mostly in high-potential accounts,
next to sellers that are full on hours at 0.5-0.7 of theirs.

For a pair of neighbouring sellers (each holds an item that may go to the other), every
pair of such items, and every single item alone (a shift), is priced at once as a matrix:
travel and moves, the capacity and account limits, and each balance band with its bounds
frozen for the pass (as in :func:`~allocate.solvers.heuristics.improve`). The best swap is
made and the pair priced again until nothing gains; pairs are taken in order of their band
penalty. When the bands' pairs bring nothing more, the passes go over every pair of
neighbours, for travel and moves (roles on 20k x 100: 2,009 -> 1,729 on the bands' pairs,
then 1,679). A pass is kept only when the objective recomputed by
:func:`~allocate.solvers.problem.evaluate` went down (the frozen bounds are an
approximation when a group's total moves). Work is counted in matrix cells priced: the
budget is deterministic, the clock only the safety net.
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.budget import Clock
from allocate.solvers.problem import AssignmentProblem, evaluate, measure_per_seller, seller_totals

log = logging.getLogger(__name__)

#: Largest number of items of one seller priced against the other's (the ones with the
#: largest balance measures first): bounds a pair's matrix.
MAX_SIDE = 200
#: The pipeline runs the swaps when the soft bands carry more than this share of the start's
#: objective (size on 20k x 100: 4,165 of 6,470 after the searches; geography: a few %).
MIN_IMBALANCE_SHARE = 0.1
#: Share of the search seconds (:func:`~allocate.solvers.budget.search_seconds`) given to the
#: swaps, taken from CP-SAT's share.
SHARE = 0.45
#: Matrix cells priced per second of budget: 5e6-8e6 were measured on 20k x 100 under a
#: load of 9 on 2 cores; fewer, for head-room (the count, not the clock, should end them).
CELLS_PER_SECOND = 5e6
#: Weight of a hard band's deviation (as in the shift search: never left once inside).
HARD_WEIGHT = 1e6


def applies(problem: AssignmentProblem) -> bool:
    """Whether the problem has a balance band over a group of two sellers or more."""
    return bool(problem.balances) and any(len(g) >= 2 for g in problem.balance_groups)


def work(seconds: float) -> float:
    """Matrix cells priced in ``seconds`` (the deterministic budget of :func:`balance_swaps`)."""
    return CELLS_PER_SECOND * max(0.0, seconds)


def band_bounds(
    p: AssignmentProblem, choice: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The balance bands as the local searches price them, frozen at ``choice``.

    Returns
    -------
    tuple
        ``weights`` (one per balance: its weight, :data:`HARD_WEIGHT` when hard), and the
        (balances x sellers) arrays ``q`` (each seller's amount), ``hi`` and ``lo`` (its band,
        infinite for a seller alone in its group).
    """
    m = p.n_sellers
    s_of = p.seller[choice]
    weights = np.array([HARD_WEIGHT if b.hard else b.weight for b in p.balances])
    q = np.zeros((len(p.balances), m))
    hi = np.full((len(p.balances), m), np.inf)
    lo = np.full((len(p.balances), m), -np.inf)
    for k, b in enumerate(p.balances):
        q[k] = measure_per_seller(p, b.measure, s_of, choice)
        for g in p.balance_groups:
            if len(g) < 2:
                continue
            share = p.capacity[g] / p.capacity[g].sum()
            hi[k, g] = (1 + b.tolerance) * share * q[k, g].sum()
            lo[k, g] = (1 - b.tolerance) * share * q[k, g].sum()
    return weights, q, hi, lo


def balance_swaps(
    problem: AssignmentProblem,
    choice: NDArray[np.int64],
    max_work: float,
    clock: Clock | None = None,
    passes: int = 30,
) -> NDArray[np.int64]:
    """Swaps and shifts between neighbouring sellers while they lower the objective.

    Parameters
    ----------
    problem
        The assignment problem.
    choice
        Candidate entry per item (feasible or not); not modified.
    max_work
        Matrix cells priced at most (the deterministic budget).
    clock
        Wall-clock safety net; a stop is recorded on it.
    passes
        Largest number of passes.

    Returns
    -------
    ndarray of int
        A choice whose objective is at most that of ``choice``; every hard rule that
        ``choice`` met still holds (capacity and account limits are checked on every move,
        hard bands priced at :data:`HARD_WEIGHT`, the move cap kept).
    """
    p = problem
    best = np.asarray(choice, dtype=np.int64).copy()
    if not applies(p) or p.n_items == 0:
        return best
    best_ev = evaluate(p, best)
    work = 0.0
    every_pair = False
    for _ in range(passes):
        out, work, made = _pass(p, best, work, max_work, clock, every_pair)
        ev = evaluate(p, out)
        log.debug("balance swaps: %d made, objective %.4f, work %.3g", made, ev.objective, work)
        # a pass stands when it lowers the true objective and keeps what was feasible
        if made and ev.objective < best_ev.objective - 1e-9 and (ev.feasible or not best_ev.feasible):
            best, best_ev = out, ev
        elif every_pair:
            break
        else:
            # the bands' pairs are done: every pair of neighbours, for travel and moves
            every_pair = True
        if work >= max_work or (clock is not None and clock.expired()):
            break
    if clock is not None and clock.expired() and work < max_work:
        clock.fired("balance swaps")
    return best


def _pass(p: AssignmentProblem, choice: NDArray[np.int64], work: float, max_work: float, clock: Clock | None,
          every_pair: bool):
    choice = choice.copy()
    m = p.n_sellers
    item_of = p.item_of
    s_of = p.seller[choice].copy()
    loads, counts = seller_totals(p, choice)
    limit_n = np.where(p.max_items >= 0, p.max_items, np.iinfo(np.int64).max).astype(float)
    unit = p.cost_weight * p.cost + p.move_weight * p.entry_moves
    em = p.entry_moves
    moves = int(em[choice].sum())
    cap_moves = p.max_moves if p.max_moves is not None else np.iinfo(np.int64).max
    measures = [b.measure for b in p.balances]
    weights, q, hi, lo = band_bounds(p, choice)
    pen = np.zeros(m)
    for k in range(len(measures)):
        pen += weights[k] * (np.maximum(q[k] - hi[k], 0) + np.maximum(lo[k] - q[k], 0))
    # entries by (seller today of their item, their seller): the items a seller could give another
    movable = p.fixed[item_of] < 0
    src = s_of[item_of]
    key = src * m + p.seller
    ok = movable & (p.seller != src)
    order = np.flatnonzero(ok)[np.argsort(key[ok], kind="stable")]
    keys = key[order]
    pair_n = np.bincount(keys, minlength=m * m).reshape(m, m)
    ss, tt = np.nonzero((pair_n > 0) & (pair_n.T > 0) & (np.arange(m)[:, None] < np.arange(m)[None, :]))
    # shifts alone need only one direction
    s1, t1 = np.nonzero((pair_n > 0) & ~((pair_n > 0) & (pair_n.T > 0)))
    ss = np.r_[ss, s1]
    tt = np.r_[tt, t1]
    prio = pen[ss] + pen[tt]
    keep = prio > 1e-9 if not every_pair else np.ones(len(prio), dtype=bool)
    ss, tt, prio = ss[keep], tt[keep], prio[keep]
    rank = np.lexsort((tt, ss, -prio))
    made = 0
    for r in rank:
        s, t = int(ss[r]), int(tt[r])
        if work >= max_work or (clock is not None and clock.expired()):
            break
        e_st = _entries(order, keys, s * m + t)  # items of s that may go to t
        e_ts = _entries(order, keys, t * m + s)
        done = 0
        while True:
            e_st = e_st[s_of[item_of[e_st]] == s]
            e_ts = e_ts[s_of[item_of[e_ts]] == t]
            if len(e_st) == 0 and len(e_ts) == 0:
                break
            e_st, e_ts = _largest(p, item_of, e_st), _largest(p, item_of, e_ts)
            # rows: items i of s going to t, plus "none"; columns: items j of t going to s, plus "none"
            i_items, j_items = item_of[e_st], item_of[e_ts]
            cur_i, cur_j = choice[i_items], choice[j_items]
            gain = _pad(unit[cur_i] - unit[e_st])[:, None] + _pad(unit[cur_j] - unit[e_ts])[None, :]
            d_moves = _pad(em[e_st] - em[cur_i])[:, None] + _pad(em[e_ts] - em[cur_j])[None, :]
            load_s = loads[s] - _pad(p.load[cur_i])[:, None] + _pad(p.load[e_ts])[None, :]
            load_t = loads[t] + _pad(p.load[e_st])[:, None] - _pad(p.load[cur_j])[None, :]
            cnt_s = counts[s] - _pad(p.count[i_items])[:, None] + _pad(p.count[j_items])[None, :]
            cnt_t = counts[t] + _pad(p.count[i_items])[:, None] - _pad(p.count[j_items])[None, :]
            for k, meas in enumerate(measures):
                if meas == "load":
                    qs, qt = load_s, load_t
                elif meas == "count":
                    qs, qt = cnt_s, cnt_t
                else:
                    a_i, a_j = _pad(p.potential[i_items]), _pad(p.potential[j_items])
                    qs = q[k][s] - a_i[:, None] + a_j[None, :]
                    qt = q[k][t] + a_i[:, None] - a_j[None, :]
                before = _dev(q[k][s], hi[k][s], lo[k][s]) + _dev(q[k][t], hi[k][t], lo[k][t])
                gain = gain + weights[k] * (before - _dev(qs, hi[k][s], lo[k][s]) - _dev(qt, hi[k][t], lo[k][t]))
            feasible = (
                ((load_s <= p.capacity[s] + 1e-9) | (load_s <= loads[s] + 1e-9))
                & ((load_t <= p.capacity[t] + 1e-9) | (load_t <= loads[t] + 1e-9))
                & ((cnt_s <= limit_n[s]) | (cnt_s <= counts[s]))
                & ((cnt_t <= limit_n[t]) | (cnt_t <= counts[t]))
                & ((d_moves <= 0) | (moves + d_moves <= cap_moves))
            )
            gain = np.where(feasible, gain, -np.inf)
            gain[-1, -1] = -np.inf  # nothing moves
            work += gain.size
            a, c = (int(x) for x in np.unravel_index(int(np.argmax(gain)), gain.shape))
            if not gain[a, c] > 1e-9:
                break
            for e in ([e_st[a]] if a < len(e_st) else []) + ([e_ts[c]] if c < len(e_ts) else []):
                i = int(item_of[e])
                old = int(choice[i])
                frm, to = int(s_of[i]), int(p.seller[e])
                loads[frm] -= p.load[old]
                loads[to] += p.load[e]
                counts[frm] -= p.count[i]
                counts[to] += p.count[i]
                for k, meas in enumerate(measures):
                    if meas == "potential":
                        q[k][frm] -= p.potential[i]
                        q[k][to] += p.potential[i]
                moves += int(em[e] - em[old])
                choice[i] = e
                s_of[i] = to
            for k, meas in enumerate(measures):
                if meas == "load":
                    q[k][s], q[k][t] = loads[s], loads[t]
                elif meas == "count":
                    q[k][s], q[k][t] = counts[s], counts[t]
            done += 1
            if work >= max_work:
                break
        made += done
    return choice, work, made


def _entries(order: NDArray[np.int64], keys: NDArray[np.int64], key: int) -> NDArray[np.int64]:
    lo, hi = np.searchsorted(keys, key), np.searchsorted(keys, key, side="right")
    return order[lo:hi]


def _largest(p: AssignmentProblem, item_of: NDArray[np.int64], entries: NDArray[np.int64]) -> NDArray[np.int64]:
    """At most :data:`MAX_SIDE` entries, those of the largest loads and potentials first."""
    if len(entries) <= MAX_SIDE:
        return entries
    item = item_of[entries]
    score = p.load[entries] / max(1e-9, float(p.load.max())) + p.potential[item] / max(1e-9, float(p.potential.max(initial=0)))
    pick = np.lexsort((entries, -score))[:MAX_SIDE]
    return entries[np.sort(pick)]


def _pad(a: NDArray) -> NDArray[np.float64]:
    """``a`` with a 0 appended: the "no item" row or column."""
    return np.r_[np.asarray(a, dtype=float), 0.0]


def _dev(x, hi: float, lo: float):
    return np.maximum(x - hi, 0.0) + np.maximum(lo - x, 0.0)
