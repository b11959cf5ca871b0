"""Feasibility first: restore capacity by overload-reducing shifts and two-step ejection chains.

The pipeline runs this before any bound or search, so that a valid alignment exists as soon as
possible; the LP, CP-SAT and the LNS then only improve it. When the time limit is short or the
machine loaded, the user still gets an alignment that meets every capacity (status feasible,
with an honest gap), never a broken one.

A seller's *violation* is its excess over capacity plus its excess over its account limit
(accounts weighted by the mean load of an account). :func:`restore_capacity` lowers the total
violation, seller by seller, most violated first:

1. **Shift**: move one of the seller's free items to another candidate seller when the total
   violation goes down; among those moves, the one that costs least per unit of violation
   removed. A move may fill a seller past its capacity if it takes less than it relieves:
   that seller then passes load on in turn (a chain built one link at a time).
2. **Ejection chain**: when no shift lowers the violation (every candidate seller is full),
   move an item to a full seller ``t`` and, in the same step, one of ``t``'s items on to a
   seller with room, when together they lower the violation.

Locked items never move; account limits of the receiving sellers are never crossed. The work
is counted in entries priced (a deterministic budget, see :mod:`allocate.solvers.budget`); the
wall clock is only a safety net.

The hard balance bands and the move cap are not targeted here (the CP-SAT stages handle them);
:func:`allocate.solvers.problem.evaluate` tells whether the result meets them.
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.budget import Clock
from allocate.solvers.problem import AssignmentProblem, move_item, seller_totals

log = logging.getLogger(__name__)

#: Work units charged for each step besides the entries it prices (the Python overhead of a
#: step is worth about that many numpy elements).
STEP_WORK = 2_000
#: ... and for each move tried in a batch of shifts (a Python loop iteration).
LOOP_WORK = 250
#: A violation below this (in load units) counts as none.
EPS = 1e-9


def cheapest(problem: AssignmentProblem) -> NDArray[np.int64]:
    """Each item's cheapest candidate (locks win), capacities ignored.

    Parameters
    ----------
    problem
        The assignment problem.

    Returns
    -------
    ndarray of int
        Candidate entry per item.
    """
    p = problem
    item_of = p.item_of
    stay = (p.current[item_of] >= 0) & (p.seller == p.current[item_of])
    return best_entries(p, p.cost_weight * p.cost - p.move_weight * np.where(stay, p.count[item_of], 0))


def best_entries(problem: AssignmentProblem, score: NDArray[np.float64]) -> NDArray[np.int64]:
    """Each item's candidate entry of least ``score`` (ties: the first), a lock's own entry first.

    Parameters
    ----------
    problem
        The assignment problem.
    score
        One value per candidate entry.

    Returns
    -------
    ndarray of int
        Candidate entry per item.
    """
    p = problem
    if p.n_items == 0:
        return np.zeros(0, dtype=np.int64)
    item_of = p.item_of
    owner = (p.fixed[item_of] >= 0) & (p.seller == p.fixed[item_of])
    unit = np.where(owner, -np.inf, np.asarray(score, dtype=float))
    order = np.lexsort((np.arange(p.nnz), unit, item_of))
    return order[p.indptr[:-1]].astype(np.int64)


class _State:
    """The running totals of one restoration and the violation function."""

    def __init__(self, p: AssignmentProblem, choice: NDArray[np.int64]) -> None:
        self.p = p
        self.choice = choice.copy()
        self.s_of = p.seller[self.choice]
        self.loads, self.counts = seller_totals(p, self.choice)
        self.limit = np.where(p.max_items >= 0, p.max_items, np.iinfo(np.int64).max).astype(float)
        # an account over the limit weighs as much as the mean load of an account
        self.k = float(p.load.mean()) if p.nnz else 1.0
        item_of = p.item_of
        stay = (p.current[item_of] >= 0) & (p.seller == p.current[item_of])
        self.unit = p.cost_weight * p.cost - p.move_weight * np.where(stay, p.count[item_of], 0)
        self.free = p.fixed < 0

    def violation(self, s, load, count) -> NDArray[np.float64]:
        """Violation of sellers ``s`` if they carried ``load`` and ``count``."""
        return np.maximum(load - self.p.capacity[s], 0.0) + self.k * np.maximum(count - self.limit[s], 0.0)

    def per_seller(self) -> NDArray[np.float64]:
        """Each seller's violation now."""
        return self.violation(np.arange(self.p.n_sellers), self.loads, self.counts)

    def moves_out(self, items: NDArray[np.int64]):
        """Candidate moves of ``items`` to other sellers: (entry, item, target) arrays."""
        p = self.p
        lo, hi = p.indptr[items], p.indptr[items + 1]
        width = hi - lo
        if width.sum() == 0:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z
        total = int(width.sum())
        entries = np.repeat(lo, width) + np.arange(total) - np.repeat(width.cumsum() - width, width)
        item = np.repeat(items, width)
        target = p.seller[entries]
        keep = target != self.s_of[item]
        return entries[keep], item[keep], target[keep]

    def shift_gain(self, s: int, entries, item, target):
        """Violation removed from ``s`` minus violation added to each target, per move."""
        p = self.p
        cur = self.choice[item]
        off_load = self.loads[s] - p.load[cur]
        off_count = self.counts[s] - p.count[item]
        v_s = self.violation(s, self.loads[s], self.counts[s])
        relief = v_s - self.violation(s, off_load, off_count)
        on_load = self.loads[target] + p.load[entries]
        on_count = self.counts[target] + p.count[item]
        added = self.violation(target, on_load, on_count) - self.violation(
            target, self.loads[target], self.counts[target]
        )
        room_n = on_count <= self.limit[target]
        return relief - added, room_n

    def move(self, i: int, e: int) -> None:
        move_item(self.p, self.choice, self.s_of, self.loads, self.counts, i, e)


def restore_capacity(
    problem: AssignmentProblem,
    choice: NDArray[np.int64],
    max_work: int,
    clock: Clock | None = None,
    grace_s: float = 0.0,
) -> NDArray[np.int64]:
    """Lower the capacity and account-limit violations of ``choice`` (see the module docstring).

    Parameters
    ----------
    problem
        The assignment problem.
    choice
        Candidate entry per item (locked items must be on their seller); not modified.
    max_work
        Deterministic budget: entries priced, plus :data:`STEP_WORK` per step.
    clock
        Wall-clock safety net; the restoration stops ``grace_s`` after its deadline and
        records the stop on it.
    grace_s
        Seconds the restoration may run past the deadline: a valid alignment is worth them
        when the limit is a promise of limit + 10 %.

    Returns
    -------
    ndarray of int
        The new choice: every seller within capacity when the budget sufficed and a way was
        found; otherwise the least violated choice reached.
    """
    p = problem
    st = _State(p, np.asarray(choice, dtype=np.int64))
    work = 0
    stuck = np.zeros(p.n_sellers, dtype=bool)
    while True:
        viol = st.per_seller()
        viol[stuck] = 0.0
        if viol.max(initial=0.0) <= EPS:
            break
        if work > max_work:
            break
        if clock is not None and clock.left() < -grace_s:
            clock.fired("capacity restoration")
            break
        s = int(np.argmax(viol))
        items = np.flatnonzero((st.s_of == s) & st.free)
        entries, item, target = st.moves_out(items)
        work += len(entries) + STEP_WORK
        if not len(entries):
            stuck[s] = True
            continue
        gain, room_n = st.shift_gain(s, entries, item, target)
        ok = (gain > EPS) & room_n
        if ok.any():
            work += LOOP_WORK * _shift_batch(st, s, entries, item, target, gain, ok)
            continue
        chain, cost = _ejection(st, s, entries, item, target, room_n)
        work += cost
        if chain is None:
            stuck[s] = True  # no shift or chain helps this seller now
            continue
        for i, e in chain:
            st.move(i, e)
        stuck[:] = False  # the totals changed: every seller may have a way again
    log.debug(
        "capacity restoration: work %d of %d, violation left %.4g",
        work, max_work, float(st.per_seller().sum()),
    )
    return st.choice


def _shift_batch(st: _State, s: int, entries, item, target, gain, ok) -> int:
    """Apply the moves ``ok`` out of ``s``, cheapest per unit of gain first, while each still
    lowers the violation (re-priced on the running totals) and ``s`` is violated; return the
    number of moves tried."""
    p = st.p
    delta = st.unit[entries] - st.unit[st.choice[item]]
    ratio = delta / np.maximum(gain, EPS)
    idx = np.flatnonzero(ok)
    idx = idx[np.argsort(ratio[idx], kind="stable")]
    cap, limit, k = p.capacity, st.limit, st.k
    loads, counts = st.loads, st.counts

    def viol(u: int, load: float, count: float) -> float:
        return max(load - cap[u], 0.0) + k * max(count - limit[u], 0.0)

    tried = 0
    for j in idx.tolist():
        tried += 1
        if viol(s, loads[s], counts[s]) <= EPS:
            break
        i, e, t = int(item[j]), int(entries[j]), int(target[j])
        if st.s_of[i] != s:
            continue  # moved already
        cur = st.choice[i]
        n = p.count[i]
        if counts[t] + n > limit[t]:
            continue
        relief = viol(s, loads[s], counts[s]) - viol(s, loads[s] - p.load[cur], counts[s] - n)
        added = viol(t, loads[t] + p.load[e], counts[t] + n) - viol(t, loads[t], counts[t])
        if relief - added > EPS:
            st.move(i, e)
    return tried


def _ejection(st: _State, s: int, entries, item, target, room_n):
    """A two-move chain s -> t -> u that lowers the violation, or None; and the work spent."""
    p = st.p
    # for every full target t, the best onward move of one of t's items to a seller with room
    cand_t = np.unique(target[room_n])
    if not len(cand_t):
        return None, 0
    slack = p.capacity - st.loads
    room_count = st.limit - st.counts
    t_items = np.flatnonzero(np.isin(st.s_of, cand_t) & st.free)
    e2, i2, u2 = st.moves_out(t_items)
    work = len(e2)
    fits = (u2 != s) & (slack[u2] >= p.load[e2] - EPS) & (room_count[u2] >= p.count[i2])
    if not fits.any():
        return None, work
    e2, i2, u2 = e2[fits], i2[fits], u2[fits]
    out_load = p.load[st.choice[i2]]  # load leaving t
    t_of = st.s_of[i2]
    delta2 = st.unit[e2] - st.unit[st.choice[i2]]
    # best (largest load freed, then cheapest) onward move for each t
    order = np.lexsort((delta2, -out_load, t_of))
    first = order[np.r_[True, t_of[order][1:] != t_of[order][:-1]]]
    best_out = np.zeros(p.n_sellers)
    best_k = np.full(p.n_sellers, -1)
    best_out[t_of[first]] = out_load[first]
    best_k[t_of[first]] = first
    # first moves s -> t whose overflow on t the onward move clears (t's items other than the
    # moving one): the violation of s drops, t ends within capacity
    cur = st.choice[item]
    relief = st.violation(s, st.loads[s], st.counts[s]) - st.violation(
        s, st.loads[s] - p.load[cur], st.counts[s] - p.count[item]
    )
    over_t = st.loads[target] + p.load[entries] - p.capacity[target]
    ok = room_n & (relief > EPS) & (best_k[target] >= 0) & (over_t <= best_out[target] + EPS)
    onward = i2[np.maximum(best_k[target], 0)]
    ok &= st.counts[target] + p.count[item] - p.count[onward] <= st.limit[target]
    if not ok.any():
        return None, work
    delta = st.unit[entries] - st.unit[cur] + delta2[np.maximum(best_k[target], 0)]
    ratio = np.where(ok, delta / np.maximum(relief, EPS), np.inf)
    k = int(np.argmin(ratio))
    t = int(target[k])
    j = int(best_k[t])
    return [(int(item[k]), int(entries[k])), (int(i2[j]), int(e2[j]))], work
