"""Independent blocks of an assignment problem, solved one by one.

Two items are linked when they share a candidate seller, and two sellers when they are in
the same balance group (the band's mean couples them). When these links split the problem
into several connected *blocks*, nothing else couples them (without a move cap): the
objective is a sum over blocks (travel and moves per item, each band per group) and every
constraint lives inside one block. The optimum is then the sum of the blocks' optima, and so is
any lower bound: each block's bound is valid for it, their sum for the whole.

This is the structure of the ``roles`` model (an (account, role) item may only go to a seller
of that role, and each role is its own balance group) and of ``size`` when every seller
serves one segment class only. On the 20k × 100 instance the roles model is 4 blocks of
23k-55k candidate entries instead of one of 197k: the LP, CP-SAT and the searches see
models a quarter the size (GLOP finishes where the whole model needed the Lagrangian).

Each block gets the share of the time limit of its candidate entries; the deterministic
budgets of a block are sized from its own share, so a run stays reproducible.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from allocate.core.status import SolveStatus
from allocate.solvers.budget import Clock
from allocate.solvers.problem import AssignmentProblem, evaluate

log = logging.getLogger(__name__)

#: Smallest share of the time limit a block gets (a small block still needs its LP and start).
MIN_SHARE = 0.05
#: A block's safety net is this many times its share of the time left (a loaded machine slows
#: a block past its share before its deterministic budgets end it).
SAFETY = 2.0


@dataclass(frozen=True)
class Block:
    """One independent part of a problem: its items and sellers (indices of the whole)."""

    items: NDArray[np.int64]
    sellers: NDArray[np.int64]


def independent_blocks(problem: AssignmentProblem) -> list[Block]:
    """The blocks of ``problem`` that hold items, in order of their first item.

    Parameters
    ----------
    problem
        The assignment problem.

    Returns
    -------
    list of Block
        One block per connected part with items; a single block (or none) when the problem
        does not split. A move cap couples every item, so with ``max_moves`` the whole
        problem is one block.
    """
    p = problem
    n, m = p.n_items, p.n_sellers
    if p.max_moves is not None or n == 0:
        return [Block(np.arange(n, dtype=np.int64), np.arange(m, dtype=np.int64))]
    rows = [p.item_of]
    cols = [n + p.seller]
    for g in p.balance_groups:
        if len(g) >= 2 and p.balances:  # the band's mean links the group's sellers
            rows.append(n + g[:-1])
            cols.append(n + g[1:])
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(n + m, n + m))
    k, label = connected_components(graph, directed=False)
    if k == 1:
        return [Block(np.arange(n, dtype=np.int64), np.arange(m, dtype=np.int64))]
    item_label = label[:n]
    seller_label = label[n:]
    out = []
    # blocks in order of their first item (labels are numbered in order of first node)
    for lab in dict.fromkeys(item_label.tolist()):
        out.append(Block(np.flatnonzero(item_label == lab).astype(np.int64),
                         np.flatnonzero(seller_label == lab).astype(np.int64)))
    return out


def block_entries(problem: AssignmentProblem, block: Block) -> NDArray[np.int64]:
    """Candidate entries of the block's items, in item order (entry ``j`` of the block's
    problem is entry ``block_entries[j]`` of the whole)."""
    lo = problem.indptr[block.items]
    width = problem.indptr[block.items + 1] - lo
    first = np.repeat(np.cumsum(width) - width, width)
    return (np.repeat(lo, width) + np.arange(int(width.sum())) - first).astype(np.int64)


def subproblem(problem: AssignmentProblem, block: Block) -> AssignmentProblem:
    """The block's own :class:`AssignmentProblem` (its sellers renumbered from 0).

    Parameters
    ----------
    problem
        The whole problem.
    block
        One of its :func:`independent_blocks`.

    Returns
    -------
    AssignmentProblem
        Same data restricted to the block; its balance groups are those of the block's sellers.
    """
    p = problem
    entries = block_entries(p, block)
    local = np.full(p.n_sellers, -1, dtype=np.int64)
    local[block.sellers] = np.arange(len(block.sellers))
    width = np.diff(p.indptr)[block.items]

    def seller_map(a: NDArray[np.int64]) -> NDArray[np.int64]:
        return np.where(a >= 0, local[np.maximum(a, 0)], -1).astype(np.int64)

    groups = tuple(local[g] for g in p.balance_groups if len(g) and local[g[0]] >= 0)
    return AssignmentProblem(
        capacity=p.capacity[block.sellers],
        indptr=np.r_[0, np.cumsum(width)].astype(np.int64),
        seller=local[p.seller[entries]],
        cost=p.cost[entries],
        load=p.load[entries],
        count=p.count[block.items],
        potential=p.potential[block.items],
        max_items=p.max_items[block.sellers],
        fixed=seller_map(p.fixed[block.items]),
        current=seller_map(p.current[block.items]),
        stays=p.stays[entries],
        movable=p.movable[block.items],
        balance_groups=groups,
        balances=p.balances,
        cost_weight=p.cost_weight,
        move_weight=p.move_weight,
        max_moves=None,
        labels=tuple(p.labels[i] for i in block.items) if p.labels else (),
        seller_labels=tuple(p.seller_labels[s] for s in block.sellers) if p.seller_labels else (),
    )


def solve_blocks(problem: AssignmentProblem, blocks: list[Block], params, solve: Callable):
    """Solve each block with ``solve`` on its share of the time, and join the solutions.

    Parameters
    ----------
    problem
        The whole problem.
    blocks
        Its independent blocks (at least two).
    params
        The whole solve's :class:`~allocate.solvers.pipeline.SolveParams`.
    solve
        The solver of one problem (:func:`~allocate.solvers.pipeline.solve_assignment`).

    Returns
    -------
    AssignmentSolution
        The joined choice, its objective recomputed on the whole problem, the sum of the
        blocks' bounds (each valid for its block, so their sum for the whole), optimal only
        when every block is.
    """
    from allocate.solvers.pipeline import AssignmentSolution

    t0 = time.perf_counter()
    clock = params.clock or Clock.after(params.time_limit_s, t0)
    parts = [(b, subproblem(problem, b)) for b in blocks]
    # shares of the time from the model sizes (a deterministic rule), each at least MIN_SHARE
    size = np.array([max(1, sp.nnz) for _, sp in parts], dtype=float)
    share = np.maximum(size / size.sum(), MIN_SHARE)
    share /= share.sum()
    choice = np.zeros(problem.n_items, dtype=np.int64)
    bound = lp_bound = solver_obj = 0.0
    statuses = []
    deterministic = True
    interrupted = False
    for j, (b, sp) in enumerate(parts):
        # the safety net: twice the block's share of what is left of the clock (its budgets,
        # sized from its share of the limit, normally end it well before), never past the end
        left = max(0.05, clock.left())
        sub_clock = Clock(time.perf_counter() + left * min(1.0, SAFETY * share[j] / share[j:].sum()), clock.stopped)
        prm = replace(
            params,
            time_limit_s=params.time_limit_s * share[j],
            clock=sub_clock,
            on_solution=None,
            feasible_s=None if params.feasible_s is None else params.feasible_s * share[j],
            feasible_grace_s=None if params.feasible_grace_s is None else params.feasible_grace_s * share[j],
            # a block is one role or one skill group: swaps between its sellers pay for
            # travel and moves too (roles on 20k x 100: 2,009 -> 1,679 offline)
            swaps=True if params.swaps is None else params.swaps,
        )
        sol = solve(sp, prm)
        log.info("block %d of %d (%d items, %d sellers): objective %.4f, bound %.4f (%s)",
                 j + 1, len(parts), len(b.items), len(b.sellers), sol.objective, sol.best_bound, sol.status.value)
        choice[b.items] = block_entries(problem, b)[sol.choice]
        bound += sol.best_bound
        lp_bound += sol.lp_bound
        solver_obj += sol.solver_objective
        statuses.append(sol.status)
        deterministic &= sol.deterministic
        interrupted |= sol.interrupted
    ev = evaluate(problem, choice)
    if SolveStatus.UNKNOWN in statuses or not ev.feasible:
        status = SolveStatus.UNKNOWN
    elif all(s is SolveStatus.OPTIMAL for s in statuses):
        status = SolveStatus.OPTIMAL
    else:
        status = SolveStatus.FEASIBLE
    if params.on_solution is not None and ev.feasible:
        params.on_solution(time.perf_counter() - t0, ev.objective)
    return AssignmentSolution(
        status=status,
        choice=choice,
        objective=ev.objective,
        # each block's bound is at most its objective: the sum differs from the recomputed
        # objective by float rounding only
        best_bound=min(bound, ev.objective),
        lp_bound=lp_bound,
        wall_s=time.perf_counter() - t0,
        deterministic=deterministic and clock.deterministic,
        solver_objective=solver_obj,
        interrupted=interrupted,
    )
