"""Primal heuristics: LP rounding, capacity repair and a shift local search.

They give CP-SAT a feasible (or nearly feasible) hint, which matters at scale: on 20k × 100 a
cold CP-SAT start is far from the LP bound after a minute, while a repaired LP rounding is
usually within a few percent from the start.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .problem import AssignmentProblem


def round_lp(problem: AssignmentProblem, x: NDArray[np.float64]) -> NDArray[np.int64]:
    """Each item takes its candidate with the largest LP value (ties: lowest cost); locks win."""
    p = problem
    choice = np.empty(p.n_items, dtype=np.int64)
    score = np.asarray(x, dtype=float) - 1e-9 * (p.cost - p.cost.min(initial=0))
    for i in range(p.n_items):
        lo, hi = int(p.indptr[i]), int(p.indptr[i + 1])
        if p.fixed[i] >= 0:
            k = np.flatnonzero(p.seller[lo:hi] == p.fixed[i])
            choice[i] = lo + int(k[0]) if len(k) else lo + int(np.argmax(score[lo:hi]))
        else:
            choice[i] = lo + int(np.argmax(score[lo:hi]))
    return choice


def greedy(problem: AssignmentProblem) -> NDArray[np.int64]:
    """Cheapest-candidate start, used when there is no LP solution."""
    return round_lp(problem, -problem.cost)


def repair(problem: AssignmentProblem, choice: NDArray[np.int64], rounds: int = 3) -> NDArray[np.int64]:
    """Move items out of overloaded sellers (load or account count) at least cost per hour freed.

    Each move goes to a candidate seller with enough room; items of locked accounts never move.
    """
    p = problem
    choice = choice.copy()
    s_of = p.seller[choice]
    loads = np.bincount(s_of, weights=p.load[choice], minlength=p.n_sellers)
    counts = np.bincount(s_of, weights=p.count, minlength=p.n_sellers)
    limit_n = np.where(p.max_items >= 0, p.max_items, np.iinfo(np.int64).max)
    for _ in range(rounds):
        over = np.flatnonzero((loads > p.capacity + 1e-9) | (counts > limit_n))
        if len(over) == 0:
            break
        for s in over[np.argsort(-(loads - p.capacity)[over], kind="stable")]:
            items = np.flatnonzero((s_of == s) & (p.fixed < 0))
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
            for _, i, e in moves:
                if loads[s] <= p.capacity[s] + 1e-9 and counts[s] <= limit_n[s]:
                    break
                if s_of[i] != s:
                    continue  # already moved by an earlier, cheaper move
                t = int(p.seller[e])
                if loads[t] + p.load[e] > p.capacity[t] + 1e-9 or counts[t] + p.count[i] > limit_n[t]:
                    continue
                loads[s] -= p.load[choice[i]]
                counts[s] -= p.count[i]
                loads[t] += p.load[e]
                counts[t] += p.count[i]
                choice[i] = e
                s_of[i] = t
    return choice


def improve(problem: AssignmentProblem, choice: NDArray[np.int64], passes: int = 2) -> NDArray[np.int64]:
    """First-improvement shift moves on the cost (and move penalty), keeping capacity feasible.

    Balance is left to CP-SAT. Only moves that keep every capacity respected are taken.
    """
    p = problem
    choice = choice.copy()
    s_of = p.seller[choice]
    loads = np.bincount(s_of, weights=p.load[choice], minlength=p.n_sellers)
    counts = np.bincount(s_of, weights=p.count, minlength=p.n_sellers)
    limit_n = np.where(p.max_items >= 0, p.max_items, np.iinfo(np.int64).max)
    unit_cost = p.cost_weight * p.cost
    item_of = p.item_of
    stay = (p.current[item_of] >= 0) & (p.seller == p.current[item_of])
    unit_cost = unit_cost - p.move_weight * np.where(stay, p.count[item_of], 0)
    for _ in range(passes):
        changed = 0
        for i in range(p.n_items):
            if p.fixed[i] >= 0:
                continue
            lo, hi = int(p.indptr[i]), int(p.indptr[i + 1])
            cur = choice[i]
            best, best_gain = -1, 1e-9
            for e in range(lo, hi):
                if e == cur:
                    continue
                gain = unit_cost[cur] - unit_cost[e]
                if gain <= best_gain:
                    continue
                t = p.seller[e]
                if loads[t] + p.load[e] <= p.capacity[t] + 1e-9 and counts[t] + p.count[i] <= limit_n[t]:
                    best, best_gain = e, gain
            if best >= 0:
                s, t = s_of[i], p.seller[best]
                loads[s] -= p.load[cur]
                counts[s] -= p.count[i]
                loads[t] += p.load[best]
                counts[t] += p.count[i]
                choice[i] = best
                s_of[i] = t
                changed += 1
        if not changed:
            break
    return choice
