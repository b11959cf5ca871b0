"""Ejection chains: an item moves to a seller that gives one of its own items to a third, and on.

The shifts (:func:`~allocate.solvers.heuristics.improve`) move one item, the swaps
(:mod:`allocate.solvers.swaps`) exchange two between a pair of sellers. Neither can send an
item back to a seller full on hours unless that seller gives an item to a *third* seller: on
the size model of a generated 20k × 100 instance the swaps end with 5,125 moves where the LP
optimum has 4,080, and most of the difference is items away from their seller today whose
seller is full. A chain ``s_0 → s_1 → … → s_k`` moves one item from each ``s_j`` to
``s_{j+1}``: ``s_0`` loses an item, ``s_k`` gains one, every seller between gives one and
takes one, so its hours change by the difference of the two items only.

The chains are found by a beam search over sellers, vectorized over the candidate entries:
a label is an item on its way into a seller (the cost so far, what it brings of each balance
measure); a layer extends every label of a seller by each item that seller could give away,
priced as the swaps price theirs (travel and moves, the capacity and account limits, each
balance band with its bounds frozen for the round), and keeps the :data:`BEAM` cheapest
labels per seller. A label ends where its seller can take the item in. Each round applies the
improving chains that share no seller, best first, and stands when the objective recomputed by
:func:`~allocate.solvers.problem.evaluate` went down. Work is counted in (label, entry) pairs
priced: the budget is deterministic, the clock only the safety net.

Size, 20k x 100 (seed 11), after the swaps: 2,192.9 -> 2,159.8 (5,125 -> 5,019 moves) on
3.8 s of budget from the start of the base's guide, 2,015.4 -> 1,999.7 from the start of
the longer ascent's (:data:`~allocate.solvers.pipeline.UNUSED_LP_SHARE`); twice the budget
gains 1.4 more there (the chains stall: the LP's optimum is 1,909.8).
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.budget import Clock
from allocate.solvers.problem import AssignmentProblem, evaluate, seller_totals
from allocate.solvers.swaps import band_bounds

log = logging.getLogger(__name__)

#: Labels kept per seller and layer.
BEAM = 3
#: Largest number of items a chain moves.
DEPTH = 5
#: Moves priced per seller and layer: the items it may give away, cheapest in travel and
#: moves first (a chain is worth its sum; the dear moves rarely belong to the best ones).
MAX_OUT = 64
#: Largest widening of the search (a factor of :data:`MAX_OUT` and :data:`BEAM`).
MAX_WIDE = 8
#: (label, entry) pairs priced per second of budget (about 25 numpy passes each).
PAIRS_PER_SECOND = 2.5e5


def work(seconds: float) -> float:
    """(label, entry) pairs priced in ``seconds`` (the deterministic budget of :func:`chains`)."""
    return PAIRS_PER_SECOND * max(0.0, seconds)


def applies(problem: AssignmentProblem) -> bool:
    """Whether :func:`chains` may change anything: items to move and no move cap (a chain
    counts no moves against a cap, so none is made under one)."""
    return problem.n_items > 0 and problem.max_moves is None


def chains(
    problem: AssignmentProblem,
    choice: NDArray[np.int64],
    max_work: float,
    clock: Clock | None = None,
    rounds: int = 200,
) -> NDArray[np.int64]:
    """Ejection chains while they lower the objective.

    Parameters
    ----------
    problem
        The assignment problem.
    choice
        Candidate entry per item; not modified.
    max_work
        (label, entry) pairs priced at most (the deterministic budget).
    clock
        Wall-clock safety net; a stop is recorded on it.
    rounds
        Largest number of rounds.

    Returns
    -------
    ndarray of int
        A choice whose objective is at most that of ``choice``, meeting every hard rule that
        ``choice`` met (capacity and account limits checked on every seller a chain touches,
        hard bands priced at :data:`~allocate.solvers.swaps.HARD_WEIGHT`, no chain when a move cap is set).
    """
    p = problem
    best = np.asarray(choice, dtype=np.int64).copy()
    if not applies(p):
        return best
    best_ev = evaluate(p, best)
    if not best_ev.feasible:
        return best
    spent = 0.0
    wide = 1  # the search widens (more moves per seller, more labels) when it finds nothing
    for _ in range(rounds):
        if spent >= max_work or (clock is not None and clock.expired()):
            break
        found, spent = _search(p, best, spent, max_work, wide)
        out = _apply(p, best, found)
        ev = evaluate(p, out)
        if found and not (ev.feasible and ev.objective < best_ev.objective - 1e-9):
            # the frozen bands misjudged the combination: the best chain alone
            out = _apply(p, best, found[:1])
            ev = evaluate(p, out)
        if not (found and ev.feasible and ev.objective < best_ev.objective - 1e-9):
            if wide >= MAX_WIDE:
                break
            wide *= 2
            continue
        log.debug("chains: %d applied, objective %.4f, work %.3g", len(found), ev.objective, spent)
        best, best_ev = out, ev
    if clock is not None and clock.expired() and spent < max_work:
        clock.fired("ejection chains")
    return best


class _State:
    """Per-seller totals and frozen band bounds of one round, and the entries that may move."""

    def __init__(self, p: AssignmentProblem, choice: NDArray[np.int64], wide: int) -> None:
        m = p.n_sellers
        item_of = p.item_of
        s_of = p.seller[choice]
        self.loads, self.counts = seller_totals(p, choice)
        self.cap = p.capacity.astype(float)
        self.limit = np.where(p.max_items >= 0, p.max_items, np.iinfo(np.int64).max).astype(float)
        self.weights, self.q, self.hi, self.lo = band_bounds(p, choice)
        unit = p.cost_weight * p.cost + p.move_weight * p.entry_moves
        src_all = s_of[item_of]
        ok = (p.fixed[item_of] < 0) & (p.seller != src_all)
        e = np.flatnonzero(ok)
        # ranked by what the move changes on its own: travel, moves and the band penalty of
        # the seller it leaves (on size, the sellers over their potential band give their
        # largest accounts: the LP's optimum moves fewer, larger items than the searches)
        src_e = src_all[e]
        out = np.zeros((len(p.balances), len(e)))
        for k, b in enumerate(p.balances):
            out[k] = (p.load[choice[item_of[e]]] if b.measure == "load" else
                      p.potential[item_of[e]] if b.measure == "potential" else p.count[item_of[e]])
        score = unit[e] - unit[choice[item_of[e]]] + self.pen(src_e, self.q[:, src_e] - out) - self.pen(src_e, self.q[:, src_e])
        order = np.lexsort((e, score, src_e))
        e, src = e[order], src_all[e[order]]
        rank = np.arange(len(e)) - np.searchsorted(src, src)
        e = e[rank < MAX_OUT * wide]
        self.entry = e
        self.item = item_of[e]
        self.src = src_all[e]
        self.dst = p.seller[e]
        self.du = unit[e] - unit[choice[self.item]]
        self.out_load = p.load[choice[self.item]]
        self.in_load = p.load[e]
        self.cnt = p.count[self.item].astype(float)
        # what the item takes from its seller and brings to the next, per balance measure
        self.out_q = np.zeros((len(p.balances), len(e)))
        self.in_q = np.zeros((len(p.balances), len(e)))
        for k, b in enumerate(p.balances):
            if b.measure == "load":
                self.out_q[k], self.in_q[k] = self.out_load, self.in_load
            elif b.measure == "potential":
                self.out_q[k] = self.in_q[k] = p.potential[self.item]
            else:
                self.out_q[k] = self.in_q[k] = self.cnt
        self.ptr = np.searchsorted(self.src, np.arange(m + 1))
        self.pen0 = self.pen(np.arange(m), self.q)

    def pen(self, s: NDArray[np.int64], q: NDArray[np.float64]) -> NDArray[np.float64]:
        """Band penalty of sellers ``s`` at measures ``q`` (one column per seller)."""
        hi, lo = self.hi[:, s], self.lo[:, s]
        dev = np.maximum(q - hi, 0.0) + np.maximum(lo - q, 0.0)
        return self.weights @ dev


def _search(p: AssignmentProblem, choice: NDArray[np.int64], spent: float, max_work: float, wide: int):
    """The improving chains of one round (each a list of entries, best first, sharing no
    seller), and the work spent."""
    st = _State(p, choice, wide)
    n_e = len(st.entry)
    if n_e == 0:
        return [], spent
    # layer 1: every entry starts a chain; its seller only loses the item
    s = st.src
    lost = st.q[:, s] - st.out_q
    cost = st.du + st.pen(s, lost) - st.pen0[s]
    lab_at = st.dst.copy()                 # the seller the label's item goes into
    lab_in_load, lab_in_cnt, lab_in_q = st.in_load.copy(), st.cnt.copy(), st.in_q.copy()
    lab_cost = cost
    lab_origin = st.src.copy()
    lab_prev = st.src.copy()
    # the origin's totals once it has lost the first item (a cycle gives it one back)
    lab_o_load = st.loads[s] - st.out_load
    lab_o_cnt = st.counts[s] - st.cnt
    lab_o_q = lost
    lab_o_pen = st.pen(s, lost)
    lab_entry = np.arange(n_e)             # index into st's entries of the label's last move
    lab_parent = np.full(n_e, -1)
    spent += n_e
    layers = []                            # (entry, parent) of every layer's labels
    ends: list[tuple[float, int, int, int]] = []  # (gain, layer, label, closing entry or -1)
    for depth in range(DEPTH):
        # labels that end here: their seller takes the item in
        u = lab_at
        fits = (st.loads[u] + lab_in_load <= st.cap[u] + 1e-9) & (st.counts[u] + lab_in_cnt <= st.limit[u])
        total = lab_cost + st.pen(u, st.q[:, u] + lab_in_q) - st.pen0[u]
        good = np.flatnonzero(fits & (total < -1e-9))
        # keep the BEAM cheapest labels per seller for the next layer
        order = np.lexsort((lab_cost, lab_at))
        rank = np.arange(len(order)) - np.searchsorted(lab_at[order], lab_at[order])
        keep = order[rank < BEAM * wide]
        layers.append((lab_entry, lab_parent))
        ends += _best_per_seller(total, good, u, depth)
        if depth == DEPTH - 1 or spent >= max_work:
            break
        # extend each kept label by every item its seller may give away
        t = lab_at[keep]
        n_out = st.ptr[t + 1] - st.ptr[t]
        lab = np.repeat(keep, n_out)
        first = np.repeat(st.ptr[t] - np.cumsum(n_out) + n_out, n_out)
        e = first + np.arange(len(lab))
        spent += len(lab)
        t = lab_at[lab]
        new_load = st.loads[t] + lab_in_load[lab] - st.out_load[e]
        new_cnt = st.counts[t] + lab_in_cnt[lab] - st.cnt[e]
        ok = (new_load <= st.cap[t] + 1e-9) | (new_load <= st.loads[t] + 1e-9)
        ok &= (new_cnt <= st.limit[t]) | (new_cnt <= st.counts[t])
        ok &= st.dst[e] != lab_prev[lab]
        lab, e, t = lab[ok], e[ok], t[ok]
        qt = st.q[:, t] + lab_in_q[:, lab] - st.out_q[:, e]
        new_cost = lab_cost[lab] + st.du[e] + st.pen(t, qt) - st.pen0[t]
        # a cycle: the item goes back to the chain's first seller, which lost one
        back = st.dst[e] == lab_origin[lab]
        c = np.flatnonzero(back)
        o = lab_origin[lab[c]]
        o_load = lab_o_load[lab[c]] + st.in_load[e[c]]
        o_cnt = lab_o_cnt[lab[c]] + st.cnt[e[c]]
        c_fits = ((o_load <= st.cap[o] + 1e-9) | (o_load <= st.loads[o] + 1e-9)) & (
            (o_cnt <= st.limit[o]) | (o_cnt <= st.counts[o]))
        c_total = new_cost[c] + st.pen(o, lab_o_q[:, lab[c]] + st.in_q[:, e[c]]) - lab_o_pen[lab[c]]
        good = np.flatnonzero(c_fits & (c_total < -1e-9))
        ends += [(g, d, int(lab[c[k]]), int(e[c[k]])) for g, d, k, _ in _best_per_seller(c_total, good, o, depth)]
        nb = np.flatnonzero(~back)
        lab, e, t, new_cost = lab[nb], e[nb], t[nb], new_cost[nb]
        lab_at = st.dst[e]
        lab_in_load, lab_in_cnt, lab_in_q = st.in_load[e], st.cnt[e], st.in_q[:, e]
        lab_origin = lab_origin[lab]
        lab_o_load, lab_o_cnt, lab_o_q, lab_o_pen = lab_o_load[lab], lab_o_cnt[lab], lab_o_q[:, lab], lab_o_pen[lab]
        lab_prev = t
        lab_cost = new_cost
        lab_entry = e
        lab_parent = lab
    ends.sort()
    found = []
    used = np.zeros(p.n_sellers, dtype=bool)
    for _, depth, g, closing in ends:
        path = [closing] if closing >= 0 else []
        d, k = depth, g
        while k >= 0:
            entry, parent = layers[d]
            path.append(int(entry[k]))
            k, d = int(parent[k]), d - 1
        sellers = st.src[path] if closing >= 0 else np.r_[st.src[path], st.dst[path[0]]]
        if len(np.unique(sellers)) != len(sellers) or used[sellers].any():
            continue  # a seller met twice (its totals were priced once), or another chain's
        used[sellers] = True
        found.append([int(st.entry[x]) for x in path])
    return found, spent


def _best_per_seller(total, good, seller, depth) -> list[tuple[float, int, int, int]]:
    """The cheapest of the improving ends ``good`` per seller taking the last item in (chains
    sharing it would clash), as (gain, layer, label, -1)."""
    if not len(good):
        return []
    good = good[np.lexsort((total[good], seller[good]))]
    good = good[np.r_[True, seller[good][1:] != seller[good][:-1]]]
    return [(float(total[g]), depth, int(g), -1) for g in good]


def _apply(p: AssignmentProblem, choice: NDArray[np.int64], found: list[list[int]]) -> NDArray[np.int64]:
    out = choice.copy()
    item_of = p.item_of
    for path in found:
        for e in path:
            out[item_of[e]] = e
    return out
