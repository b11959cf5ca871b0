r"""Knapsack Lagrangian bound of the capacitated p-median, and the reduced-cost fixing it allows.

Relaxing "every client is served once" with multipliers leaves one 0-1 knapsack per candidate
(capacities kept), solved by dynamic programming; subgradient steps improve the multipliers,
and the final reduced costs close candidates that cannot appear in a better solution.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from allocate.sizing.capacitated.problem import CapacitatedProblem
from allocate.sizing.pmedian.fixing import median_fixing
from allocate.sizing.pmedian.scaling import TOL

#: Largest ``clients x candidates x (capacity + 1)`` the knapsack dynamic programme handles.
_KNAPSACK_CELLS = 20_000_000
#: Subgradient steps without improvement before the knapsack bound halves its step.
_KNAPSACK_STALL = 20


@dataclass(frozen=True)
class KnapsackBound:
    """Best Lagrangian bound with the assignment rows relaxed (see :func:`knapsack_bound`).

    Attributes
    ----------
    bound
        Lower bound on the optimal cost (a float; the optimum is at least its ceiling).
    multipliers
        Multipliers ``u`` of the assignment rows at the best bound.
    rho
        Knapsack value of every candidate at those multipliers (``inf``: it cannot open).
    """

    bound: float
    multipliers: np.ndarray
    rho: np.ndarray


def _knapsack_values(
    problem: CapacitatedProblem, u: np.ndarray, columns: np.ndarray
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Knapsack value of each candidate in ``columns`` and the DP's take decisions per client.

    ``rho_j = min sum_i (c_ij - u_i) z_i`` over ``z`` with ``sum_i d_i z_i <= Q_j`` and
    ``z_k(j) = 1``. ``dp[j, q]`` is the least reduced cost within capacity ``q``; clients with
    a non-negative reduced cost are never worth taking and are skipped.
    """
    costs, demand = problem.costs, problem.demand
    n = costs.shape[0]
    reduced = costs[:, columns] - u[:, None]
    own = problem.colocated[columns]
    has_own = own >= 0
    room = problem.capacity[columns] - np.where(has_own, demand[np.maximum(own, 0)], 0)
    width = int(max(room.max(), 0)) + 1
    dp = np.zeros((columns.size, width))
    decisions: list[tuple[np.ndarray, np.ndarray]] = []
    for i in range(n):
        w = reduced[i].copy()
        w[own == i] = 0.0  # the co-located client is forced in below
        active = np.flatnonzero(w < 0)
        di = int(demand[i])
        if active.size == 0 or di >= width:
            decisions.append((active[:0], np.zeros((0, width), dtype=bool)))
            continue
        block = dp[active]
        candidate = block[:, : width - di] + w[active, None]
        take = np.zeros(block.shape, dtype=bool)
        take[:, di:] = candidate < block[:, di:]
        block[:, di:] = np.where(take[:, di:], candidate, block[:, di:])
        dp[active] = block
        decisions.append((active, take))
    rho = np.full(columns.size, np.inf)
    ok = room >= 0
    forced = np.where(has_own, reduced[np.maximum(own, 0), np.arange(columns.size)], 0.0)
    rho[ok] = dp[ok, room[ok]] + forced[ok]
    return rho, decisions


def _knapsack_members(
    problem: CapacitatedProblem,
    column: int,
    candidate: int,
    decisions: list[tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """Clients taken by the knapsack of ``candidate`` (position ``column`` in the DP)."""
    demand, n = problem.demand, problem.costs.shape[0]
    k = int(problem.colocated[candidate])
    q = int(problem.capacity[candidate]) - (int(demand[k]) if k >= 0 else 0)
    members = np.zeros(n, dtype=bool)
    for i in range(n - 1, -1, -1):
        active, take = decisions[i]
        pos = np.searchsorted(active, column)
        if pos < active.size and active[pos] == column and take[pos, q]:
            members[i] = True
            q -= int(demand[i])
    if k >= 0:
        members[k] = True
    return members


def knapsack_bound(
    problem: CapacitatedProblem,
    upper: float,
    start: np.ndarray,
    deadline: float,
    max_steps: int = 600,
) -> KnapsackBound | None:
    r"""Lagrangian bound of the capacitated p-median, relaxing "every client served once".

    .. math::

        L(u) = \sum_i u_i + \min_{|S| = p} \sum_{j \in S} \rho_j(u), \qquad
        \rho_j(u) = \min \Big\{ \sum_i (c_{ij} - u_i) z_i :
            \sum_i d_i z_i \le Q_j, \; z_{k(j)} = 1, \; z \in \{0, 1\}^I \Big\}

    Each :math:`\rho_j` is a 0-1 knapsack solved by dynamic programming over the capacity
    (vectorised over candidates), and ``u`` is improved by subgradient steps towards
    ``upper``. Keeping the capacities in the subproblem makes this bound much stronger than the
    uncapacitated one.

    Parameters
    ----------
    problem
        The instance.
    upper
        Cost of the incumbent (the subgradient steps aim at it).
    start
        Starting multipliers, one per client.
    deadline
        ``time.monotonic()`` value after which the steps stop.
    max_steps
        Subgradient steps at most.

    Returns
    -------
    KnapsackBound or None
        The best bound, its multipliers and knapsack values; ``None`` when the capacities are
        too large for the dynamic programme (``_KNAPSACK_CELLS``), e.g. for scaled fractional
        demands, or when fewer than ``p`` candidates can open.
    """
    n, m = problem.costs.shape
    p = problem.p
    if n * m * (int(problem.capacity.max()) + 1) > _KNAPSACK_CELLS:
        return None
    everyone = np.arange(m)
    u = start.astype(float).copy()
    best: KnapsackBound | None = None
    step_scale, stall = 2.0, 0
    for _ in range(max_steps):
        if time.monotonic() > deadline:
            break
        rho, decisions = _knapsack_values(problem, u, everyone)
        chosen = np.argpartition(rho, p - 1)[:p] if p < m else everyone
        if not np.isfinite(rho[chosen]).all():
            return None  # fewer than p candidates can open at all: left to the exact stage
        value = float(u.sum() + rho[chosen].sum())
        if best is None or value > best.bound + TOL:
            best, stall = KnapsackBound(value, u.copy(), rho), 0
        else:
            stall += 1
            if stall >= _KNAPSACK_STALL:
                step_scale, stall = step_scale / 2, 0
        if np.ceil(best.bound - TOL) >= upper or step_scale < 1e-3:
            break
        covered = np.zeros(n)
        for j in np.sort(chosen).tolist():  # columns are all candidates: column j is candidate j
            covered += _knapsack_members(problem, j, j, decisions)
        subgradient = 1.0 - covered
        norm = float(subgradient @ subgradient)
        if norm == 0:
            break
        u = u + step_scale * (upper - value) / norm * subgradient
    return best


def knapsack_fixing(
    problem: CapacitatedProblem,
    lagrangian: KnapsackBound,
    upper: float,
    medians: np.ndarray,
    assignment: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reduced-cost fixing with the knapsack bound against the integer incumbent ``upper``.

    Opening a candidate outside the best ``p`` raises the bound by at least
    ``rho_j - rho_(p)``; serving client ``i`` from ``j`` raises it by at least the positive part
    of ``c_ij - u_i`` (dropping ``i`` from that knapsack leaves a feasible one). Whatever
    would push the bound above ``upper - 1`` cannot appear in a strictly better solution.

    Parameters
    ----------
    problem
        The instance.
    lagrangian
        The knapsack bound and its multipliers.
    upper
        Integer cost of the incumbent.
    medians, assignment
        The incumbent.

    Returns
    -------
    tuple of numpy.ndarray
        ``(allowed pairs, closed candidates, fixed-open candidates)``; the incumbent's medians
        and pairs are always kept.
    """
    n, m = problem.costs.shape
    p, rho, bound = problem.p, lagrangian.rho, lagrangian.bound
    gap_to = upper - 1 + TOL
    open_penalty, closed, fixed_open = median_fixing(rho, p, bound, gap_to, medians)
    extra = np.maximum(problem.costs - lagrangian.multipliers[:, None], 0.0)
    own = problem.colocated
    extra[own[own >= 0], np.flatnonzero(own >= 0)] = 0.0
    allowed = bound + open_penalty[None, :] + extra <= gap_to
    allowed &= ~closed[None, :]
    allowed[np.arange(n), assignment] = True
    return allowed, closed, fixed_open
