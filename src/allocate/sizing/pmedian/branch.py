"""Lagrangian branch-and-bound on the medians (uncapacitated p-median).

It closes the small LP gaps of instances with few medians, where CP-SAT's bound stalls: each
node fixes some candidates open or closed, bounds the rest with a few warm-started
subgradient steps and repeats reduced-cost fixing with its own multipliers.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from allocate.sizing.pmedian.heuristic import polish
from allocate.sizing.pmedian.scaling import TOL
from allocate.solvers.pmedian import assign

logger = logging.getLogger(__name__)

#: Subgradient steps per branch-and-bound node (warm-started from the parent's multipliers).
_NODE_STEPS = 40
#: Cost given to removed client-median pairs inside the Lagrangian.
_PROHIBITIVE = 1e12


@dataclass(frozen=True)
class BranchResult:
    """Outcome of the Lagrangian branch-and-bound.

    Attributes
    ----------
    medians
        Best medians found.
    upper
        Their cost (nearest-median assignment).
    proven
        Whether the search finished, proving ``medians`` optimal.
    nodes
        Nodes explored.
    """

    medians: np.ndarray
    upper: float
    proven: bool
    nodes: int


def branch_and_bound(
    costs: np.ndarray,
    p: int,
    allowed: np.ndarray,
    closed: np.ndarray,
    medians: np.ndarray,
    upper: float,
    multipliers: np.ndarray,
    deadline: float,
) -> BranchResult:
    """Depth-first branch-and-bound on the medians with Lagrangian bounds (uncapacitated).

    A node fixes some candidates open (1) or closed (-1). Its bound is the Lagrangian dual of
    the reduced problem restricted to those fixings, improved by a few subgradient steps from
    the parent's multipliers; the node is pruned once ``ceil(bound) >= upper``. At each node the
    Lagrangian set is evaluated (and improved by interchange when promising), reduced-cost
    fixing is repeated with the node's multipliers, and the search branches on the free chosen
    candidate with the most negative reduced cost: open first, then closed.

    Parameters
    ----------
    costs
        ``(n_clients, n_candidates)`` integer-valued cost matrix.
    p
        Number of medians.
    allowed
        Pairs kept by reduced-cost fixing at the root.
    closed
        Candidates fixed closed at the root.
    medians
        Incumbent medians.
    upper
        Their cost.
    multipliers
        Root Lagrangian multipliers (warm start of the nodes).
    deadline
        ``time.monotonic()`` value at which the search gives up.

    Returns
    -------
    BranchResult
        The best medians, their cost, and whether they are proven optimal.
    """
    columns = np.flatnonzero(~closed)
    sub = np.where(allowed, costs, _PROHIBITIVE)[:, columns]
    width = columns.size
    best, nodes = medians.copy(), 0
    stack = [(np.zeros(width, dtype=np.int8), multipliers.copy())]
    while stack:
        if time.monotonic() > deadline:
            logger.info("p-median branch-and-bound stopped after %d nodes", nodes)
            return BranchResult(best, upper, False, nodes)
        state, u = stack.pop()
        nodes += 1
        bound, u, rho = _node_bound(sub, p, state, u, upper)
        if bound is None or math.ceil(bound - TOL) >= upper:
            continue
        free = state == 0
        need = p - int((state == 1).sum())
        ranked = np.flatnonzero(free)[np.argsort(rho[free], kind="stable")]
        chosen = np.concatenate([np.flatnonzero(state == 1), ranked[:need]])
        candidate, value = polish(costs, columns[chosen], upper, deadline)
        if value < upper - TOL:
            best, upper = candidate, value
            if math.ceil(bound - TOL) >= upper:
                continue
        state = _node_fixing(state, rho, ranked, need, bound, upper)
        free = state == 0
        need = p - int((state == 1).sum())
        if need < 0 or free.sum() < need:
            continue
        if need == 0 or free.sum() == need:  # the fixings leave a single completion
            leaf = columns[(state == 1) | (free & (need > 0))]
            _, value = assign(costs, leaf)
            if value < upper - TOL:
                best, upper = leaf, value
            continue
        in_chosen = [j for j in ranked[:need] if state[j] == 0] or list(np.flatnonzero(free))
        j = min(in_chosen, key=lambda k: rho[k])
        for side in (-1, 1):  # popped last-in first: open j, then closed j
            child = state.copy()
            child[j] = side
            stack.append((child, u))
    logger.info("p-median branch-and-bound proved optimality in %d nodes", nodes)
    return BranchResult(best, upper, True, nodes)


def _node_bound(
    sub: np.ndarray, p: int, state: np.ndarray, u: np.ndarray, upper: float
) -> tuple[float | None, np.ndarray, np.ndarray]:
    """Best Lagrangian bound of a node, its multipliers and reduced costs (None if infeasible)."""
    opened = np.flatnonzero(state == 1)
    free = state == 0
    need = p - opened.size
    if need < 0 or free.sum() < need:
        return None, u, np.zeros(0)
    best, best_u, scale, stall = -np.inf, u, 1.0, 0
    for _ in range(_NODE_STEPS):
        reduced = np.minimum(sub - u[:, None], 0.0)
        rho = reduced.sum(axis=0)
        ranked = np.where(free, rho, np.inf)
        picked = np.argpartition(ranked, need - 1)[:need] if need > 0 else opened[:0]
        chosen = np.concatenate([opened, picked])
        bound = float(u.sum() + rho[chosen].sum())
        if bound > best + TOL:
            best, best_u, stall = bound, u, 0
        else:
            stall += 1
            if stall >= 5:
                scale, stall = scale / 2, 0
        if math.ceil(best - TOL) >= upper:
            break
        subgradient = 1.0 - (reduced[:, chosen] < 0).sum(axis=1)
        norm = float(subgradient @ subgradient)
        if norm == 0:
            break
        u = u + scale * (upper - bound) / norm * subgradient
    rho = np.minimum(sub - best_u[:, None], 0.0).sum(axis=0)
    return best, best_u, rho


def _node_fixing(
    state: np.ndarray, rho: np.ndarray, ranked: np.ndarray, need: int, bound: float, upper: float
) -> np.ndarray:
    """Reduced-cost fixing inside a node: close or open the free medians that must be so."""
    if need <= 0 or ranked.size <= need:
        return state
    gap_to = upper - 1 + TOL
    last, following = rho[ranked[need - 1]], rho[ranked[need]]
    state = state.copy()
    outside, inside = ranked[need:], ranked[:need]
    state[outside[bound + rho[outside] - last > gap_to]] = -1
    state[inside[bound - rho[inside] + following > gap_to]] = 1
    return state

