"""Primal heuristics: LP rounding, capacity repair and a shift local search.

They give CP-SAT a feasible (or nearly feasible) hint, which matters at scale: on 20k × 100 a
cold CP-SAT start is far from the LP bound after a minute, while a repaired LP rounding is
usually within a few percent from the start.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.budget import Clock
from allocate.solvers.problem import AssignmentProblem, move_item, seller_totals


def round_lp(problem: AssignmentProblem, x: NDArray[np.float64]) -> NDArray[np.int64]:
    """Each item takes its candidate with the largest LP value (ties: lowest cost); locks win.

    Parameters
    ----------
    problem
        The assignment problem.
    x
        LP value of each candidate entry.

    Returns
    -------
    ndarray of int
        Candidate entry chosen per item (capacities may be exceeded).
    """
    p = problem
    if p.n_items == 0:
        return np.zeros(0, dtype=np.int64)
    item_of = p.item_of
    score = np.asarray(x, dtype=float) - 1e-9 * (p.cost - p.cost.min(initial=0))
    # a lock's own entry wins over every other score
    owner = (p.fixed[item_of] >= 0) & (p.seller == p.fixed[item_of])
    score = np.where(owner, np.inf, score)
    # per item, the first entry of the largest score: sort by (item, -score), stable
    order = np.lexsort((np.arange(p.nnz), -score, item_of))
    return order[p.indptr[:-1]].astype(np.int64)


def repair(
    problem: AssignmentProblem,
    choice: NDArray[np.int64],
    rounds: int = 3,
    max_evals: int | None = None,
    clock: Clock | None = None,
) -> NDArray[np.int64]:
    """Move items out of overloaded sellers (load or account count) at least cost per hour freed.

    Each move goes to a candidate seller with enough room; items of locked accounts never move.

    Parameters
    ----------
    problem
        The assignment problem.
    choice
        Candidate entry per item; not modified.
    rounds
        Passes over the overloaded sellers.
    max_evals
        Largest number of candidate moves priced (a deterministic work budget; ``None``: no
        limit). The repair stops before the seller whose moves would pass it.
    clock
        Wall-clock safety net: checked before each seller; a stop is recorded on it.

    Returns
    -------
    ndarray of int
        The repaired choice (still overloaded when no move had room).
    """
    p = problem
    choice, s_of, loads, counts, limit_n = _start(p, choice)
    width = np.diff(p.indptr)
    evals = 0
    budget = np.inf if max_evals is None else max_evals
    for _ in range(rounds):
        over = np.flatnonzero((loads > p.capacity + 1e-9) | (counts > limit_n))
        if len(over) == 0:
            break
        for s in over[np.argsort(-(loads - p.capacity)[over], kind="stable")]:
            items = np.flatnonzero((s_of == s) & (p.fixed < 0))
            evals += int(width[items].sum())
            if evals > budget:
                return choice
            if clock is not None and clock.expired():
                clock.fired("capacity repair")
                return choice
            # candidate moves: (delta cost per load freed, item, entry)
            moves: list[tuple[float, int, int]] = []
            for i in items:
                lo, hi = int(p.indptr[i]), int(p.indptr[i + 1])
                cur = choice[i]
                for e in range(lo, hi):
                    if e == cur:
                        continue
                    delta = p.cost[e] - p.cost[cur]
                    moves.append((delta / max(p.load[cur], 1e-9), int(i), e))
            moves.sort()
            for _, i, e in moves:  # type: ignore[assignment]  # numpy/ortools stubs
                if loads[s] <= p.capacity[s] + 1e-9 and counts[s] <= limit_n[s]:
                    break
                if s_of[i] != s:
                    continue  # already moved by an earlier, cheaper move
                t = int(p.seller[e])
                if loads[t] + p.load[e] > p.capacity[t] + 1e-9 or counts[t] + p.count[i] > limit_n[t]:
                    continue
                move_item(p, choice, s_of, loads, counts, i, e)
    return choice


def improve(
    problem: AssignmentProblem,
    choice: NDArray[np.int64],
    passes: int = 4,
    max_evals: int | None = None,
    clock: Clock | None = None,
    spent: list[int] | None = None,
) -> NDArray[np.int64]:
    """Best-improvement shift moves on the full objective, keeping every capacity respected.

    A shift moves one item to another candidate seller. Its gain counts the cost, the move
    penalty and the balance bands: band bounds are frozen at the start of each pass (the totals
    of potential and count do not change with shifts inside a group; the workload total moves
    only by travel differences), so each move is evaluated in O(number of measures).
    Hard bands get a large weight, so the search never leaves them once inside. Under a move
    cap (``max_moves``) a shift that would take the moves past it is not made (one that does
    not add moves always may be).

    Parameters
    ----------
    problem
        The assignment problem.
    choice
        Candidate entry per item; not modified.
    passes
        Largest number of passes over the items.
    max_evals
        Largest number of shifts priced (a deterministic work budget; ``None``: no limit).
    clock
        Wall-clock safety net: checked every 256 items; a stop is recorded on it.
    spent
        When given, its first element is set to the shifts priced (the caller's budget).

    Returns
    -------
    ndarray of int
        The improved choice.
    """
    if spent is None:
        spent = [0]
    p = problem
    choice, s_of, loads, counts, limit_n = _start(p, choice)
    unit_cost = p.cost_weight * p.cost + p.move_weight * p.entry_moves
    group_of = np.full(p.n_sellers, -1, dtype=np.int64)
    for g, members in enumerate(p.balance_groups):
        if len(members) >= 2:
            group_of[members] = g
    balances = [b for b in p.balances]
    weights = np.array([1e6 if b.hard else b.weight for b in balances])
    width = np.diff(p.indptr) * max(1, len(balances))
    entry_moves = p.entry_moves
    moves = int(entry_moves[choice].sum())
    cap = p.max_moves if p.max_moves is not None else np.iinfo(np.int64).max
    evals = 0
    budget = np.inf if max_evals is None else max_evals
    for _ in range(passes):
        # per measure: the current per-seller totals and frozen band bounds
        q = []
        hi = []
        lo = []
        for b in balances:
            if b.measure == "load":
                qb = loads.copy()
            elif b.measure == "potential":
                qb = np.bincount(s_of, weights=p.potential, minlength=p.n_sellers)  # type: ignore[assignment]  # numpy/ortools stubs
            else:
                qb = counts.copy()
            h = np.full(p.n_sellers, np.inf)
            low = np.full(p.n_sellers, -np.inf)
            for members in p.balance_groups:
                if len(members) < 2:
                    continue
                share = p.capacity[members] / p.capacity[members].sum()
                tot = qb[members].sum()
                h[members] = (1 + b.tolerance) * share * tot
                low[members] = (1 - b.tolerance) * share * tot
            q.append(qb)
            hi.append(h)
            lo.append(low)

        def dev(k: int, s: int, value: float, hi: list = hi, lo: list = lo) -> float:
            return max(value - hi[k][s], 0.0) + max(lo[k][s] - value, 0.0)

        changed = 0
        for i in range(p.n_items):
            if p.fixed[i] >= 0:
                continue
            evals += int(width[i])
            spent[:1] = [evals]
            if evals > budget:
                return choice
            if clock is not None and i % 256 == 0 and clock.expired():
                clock.fired("shift search")
                return choice
            lo_e, hi_e = int(p.indptr[i]), int(p.indptr[i + 1])
            cur = int(choice[i])
            s = int(s_of[i])
            best, best_gain = -1, 1e-9
            for e in range(lo_e, hi_e):
                if e == cur:
                    continue
                t = int(p.seller[e])
                if loads[t] + p.load[e] > p.capacity[t] + 1e-9 or counts[t] + p.count[i] > limit_n[t]:
                    continue
                if entry_moves[e] > entry_moves[cur] and moves + entry_moves[e] - entry_moves[cur] > cap:
                    continue
                gain = unit_cost[cur] - unit_cost[e]
                for k, b in enumerate(balances):
                    if group_of[s] < 0 and group_of[t] < 0:
                        continue
                    if b.measure == "load":
                        a_s, a_t = p.load[cur], p.load[e]
                    elif b.measure == "potential":
                        a_s = a_t = p.potential[i]
                    else:
                        a_s = a_t = float(p.count[i])
                    before = dev(k, s, q[k][s]) + dev(k, t, q[k][t])
                    after = dev(k, s, q[k][s] - a_s) + dev(k, t, q[k][t] + a_t)
                    gain += weights[k] * (before - after)
                if gain > best_gain:
                    best, best_gain = e, gain
            if best >= 0:
                t = int(p.seller[best])
                for k, b in enumerate(balances):
                    if b.measure == "load":
                        q[k][s] -= p.load[cur]
                        q[k][t] += p.load[best]
                    elif b.measure == "potential":
                        q[k][s] -= p.potential[i]
                        q[k][t] += p.potential[i]
                    else:
                        q[k][s] -= p.count[i]
                        q[k][t] += p.count[i]
                moves += int(entry_moves[best] - entry_moves[cur])
                move_item(p, choice, s_of, loads, counts, i, best)
                changed += 1
        if not changed:
            break
    return choice


def _start(
    p: AssignmentProblem, choice: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """A copy of ``choice`` to edit, each item's seller, each seller's totals and account limit."""
    choice = choice.copy()
    loads, counts = seller_totals(p, choice)
    limit_n = np.where(p.max_items >= 0, p.max_items, np.iinfo(np.int64).max)
    return choice, p.seller[choice], loads, counts, limit_n
