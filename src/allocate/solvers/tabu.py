"""Tabu search with strategic oscillation for tightly capacitated assignments.

CP-SAT proves optimality fast on loose capacities, but when every seller is nearly full (the
hard classes of the generalized assignment problem stand in for such alignments) its
neighbourhoods stall: improving the cost needs chains of moves that cross infeasible states.
This search walks through them on purpose.

State and penalized objective
-----------------------------
Each movable item ``i`` sits at a seller ``a(i)``. With :math:`c_{is}` the linear cost of the
pair (weighted travel or assignment cost, minus the move weight when ``s`` is today's seller),
:math:`w_{is}` its load, :math:`n_i` its account count, :math:`Q_s` the capacity and
:math:`N_s` the account limit, the search minimizes

.. math::

    f(a) = \\sum_i c_{i a(i)} + \\sum_s \\alpha_s \\Big[ \\big(L_s - Q_s\\big)^+
           + \\rho \\big(K_s - N_s\\big)^+ \\Big],
    \\qquad L_s = \\sum_{a(i) = s} w_{is}, \\; K_s = \\sum_{a(i) = s} n_i,

where :math:`\\rho` converts accounts into hours (mean load per account).

Moves and rules
---------------
* **Shift**: one item to another candidate seller. **Swap**: two items of different sellers
  exchange sellers. Every move of the neighbourhood is priced at once with numpy (swaps over
  a seeded sample of items when there are many); the best non-tabu move is made even when it
  worsens ``f``.
* **Tabu**: an item that leaves seller ``s`` may not return to ``s`` for a random tenure; a tabu
  move is allowed when it gives a feasible solution better than the best one (aspiration).
* **Strategic oscillation**: each seller has its own penalty weight ``alpha_s`` (the formula
  above with ``alpha`` inside the sum). After an infeasible step the weights of the
  overloaded sellers grow by 5 %; after a feasible step every weight shrinks by 5 %. The
  search keeps crossing the capacity boundary from both sides, and sellers that are
  persistently overloaded become expensive to fill.
* **Intensification**: after ``RESTART`` iterations without a new best, the search goes back to
  the best solution with an empty tabu list.

Only the capacity and account limits enter: the search runs when the objective is linear in
the assignment (no balance bands, no cap on moves), and it returns the best *feasible*
solution it met. Its length is a number of iterations (not seconds), so the result is
reproducible for a given seed.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.problem import AssignmentProblem

#: Largest number of items priced in the swap neighbourhood at each iteration.
SWAP_SAMPLE = 400
#: Tabu tenure: drawn in ``[a, a + max(b, movable items // c)]`` for ``TENURE = (a, b, c)``.
TENURE = (2, 2, 40)
#: Iterations without a new best after which the search restarts from the best solution.
RESTART = 1000
#: Factor by which a seller's penalty weight rises (overloaded) or every weight falls (feasible).
PENALTY_STEP = 1.05


def applies(problem: AssignmentProblem) -> bool:
    """The search handles linear objectives with capacity and account limits only.

    Parameters
    ----------
    problem
        The assignment problem.

    Returns
    -------
    bool
        True without balance bands or move cap, with at least two unlocked items and two sellers.
    """
    p = problem
    free = int((p.fixed < 0).sum())
    return not p.balances and p.max_moves is None and free >= 2 and p.n_sellers >= 2


def work_per_iteration(problem: AssignmentProblem) -> int:
    """Entries priced per iteration (shifts plus sampled swaps): the unit of the budget.

    Parameters
    ----------
    problem
        The assignment problem.

    Returns
    -------
    int
        Unlocked items times sellers, plus the square of the swap sample.
    """
    n = int((problem.fixed < 0).sum())
    k = min(n, SWAP_SAMPLE)
    return n * problem.n_sellers + k * k


def tabu_search(
    problem: AssignmentProblem,
    choice: NDArray[np.int64],
    iterations: int,
    seed: int = 0,
    deadline: float | None = None,
) -> tuple[NDArray[np.int64], bool]:
    """Improve a choice vector; returns the best feasible choice met and whether it finished.

    Parameters
    ----------
    problem
        The assignment problem (see :func:`applies`).
    choice
        Starting candidate entry per item (feasible or not).
    iterations
        Number of moves to make: the deterministic budget.
    seed
        Seeds the tabu tenures and the swap sample.
    deadline
        ``time.perf_counter()`` value after which the search stops early (then the second
        value returned is ``False`` and the result may differ from run to run).

    Returns
    -------
    choice : ndarray of int
        The best feasible choice met, or a copy of ``choice`` when none was feasible.
    finished : bool
        False when ``deadline`` stopped the search early.
    """
    p = problem
    rng = np.random.default_rng(seed)
    n, m = p.n_items, p.n_sellers
    items = p.item_of
    unit = p.cost_weight * p.cost + p.move_weight * p.entry_moves
    cost = np.full((n, m), np.inf)
    cost[items, p.seller] = unit
    load = np.zeros((n, m))
    load[items, p.seller] = p.load
    entry = np.full((n, m), -1, dtype=np.int64)
    entry[items, p.seller] = np.arange(p.nnz)

    movable = np.flatnonzero(p.fixed < 0)
    count = p.count.astype(float)
    cap = p.capacity.astype(float)
    limit_n = np.where(p.max_items >= 0, p.max_items, np.inf).astype(float)
    rho = float(p.load.mean() / max(count.mean(), 1e-9)) if p.nnz else 1.0

    seller = p.seller[choice].copy()
    loads = np.bincount(seller, weights=load[np.arange(n), seller], minlength=m)
    counts = np.bincount(seller, weights=count, minlength=m)

    has_limit = bool(np.isfinite(limit_n).any())

    def excess(
        l_now: NDArray, k_now: NDArray | None, s: NDArray[np.int64] | slice
    ) -> NDArray[np.float64]:
        over = np.maximum(l_now - cap[s], 0.0)
        if has_limit and k_now is not None:
            over += rho * np.maximum(k_now - limit_n[s], 0.0)
        return over

    finite = np.isfinite(cost[movable])
    scale = (
        float(np.abs(cost[movable][finite]).mean() / max(load[movable][finite].mean(), 1e-9))
        if finite.any()
        else 1.0
    )
    alpha0 = max(scale, 1e-6)
    alpha = np.full(m, alpha0)
    base_cost = float(cost[np.arange(n), seller].sum())
    best_seller = seller.copy() if excess(loads, counts, slice(None)).sum() <= 1e-9 else None
    best_cost = base_cost if best_seller is not None else np.inf
    tabu_until = np.zeros((n, m), dtype=np.int64)
    tenure_lo = TENURE[0]
    tenure_hi = TENURE[0] + max(TENURE[1], len(movable) // TENURE[2])
    stale = 0
    lower = np.tri(min(len(movable), SWAP_SAMPLE), dtype=bool)
    mv = movable
    finished = True
    for it in range(1, iterations + 1):
        if deadline is not None and it % 64 == 0 and time.perf_counter() > deadline:
            finished = False
            break
        ex_now = excess(loads, counts, slice(None))
        total_ex = float(ex_now.sum())
        s_mv = seller[mv]
        cur_c = cost[mv, s_mv]
        cur_w = load[mv, s_mv]
        # -- shifts: item (row) to seller (column)
        d_src = excess(loads[s_mv] - cur_w, counts[s_mv] - count[mv], s_mv) - ex_now[s_mv]
        d_dst = (
            excess(loads[None, :] + load[mv], counts[None, :] + count[mv, None], slice(None))
            - ex_now[None, :]
        )
        d_ex = d_src[:, None] + d_dst
        d_cost = cost[mv] - cur_c[:, None]
        shift = d_cost + alpha[s_mv][:, None] * d_src[:, None] + alpha[None, :] * d_dst
        shift[np.arange(len(mv)), s_mv] = np.inf
        feasible_after = total_ex + d_ex <= 1e-9
        aspire = feasible_after & (base_cost + d_cost < best_cost - 1e-9)
        shift[(tabu_until[mv] >= it) & ~aspire] = np.inf
        k_shift = int(np.argmin(shift))
        best_move = float(shift.flat[k_shift])
        # -- swaps over a sample: item u goes to v's seller and v to u's
        smp = (
            np.arange(len(mv))
            if len(mv) <= SWAP_SAMPLE
            else np.sort(rng.choice(len(mv), SWAP_SAMPLE, replace=False))
        )
        u = mv[smp]
        su = s_mv[smp]
        c_to = cost[np.ix_(u, su)]  # c_to[x, y]: item u[x] at seller su[y]
        w_to = load[np.ix_(u, su)]
        cu, wu, ku = cur_c[smp], cur_w[smp], count[u]
        d_cost_sw = c_to + c_to.T - cu[:, None] - cu[None, :]
        new_a = loads[su][:, None] - wu[:, None] + w_to.T  # seller of x gets y
        new_b = loads[su][None, :] - wu[None, :] + w_to  # seller of y gets x
        k_a = counts[su][:, None] - ku[:, None] + ku[None, :] if has_limit else None
        k_b = counts[su][None, :] - ku[None, :] + ku[:, None] if has_limit else None
        d_a = excess(new_a, k_a, su[:, None]) - ex_now[su][:, None]
        d_b = excess(new_b, k_b, su[None, :]) - ex_now[su][None, :]
        d_ex_sw = d_a + d_b
        swap = d_cost_sw + alpha[su][:, None] * d_a + alpha[su][None, :] * d_b
        swap[su[:, None] == su[None, :]] = np.inf
        swap[lower[: len(u), : len(u)]] = np.inf
        tabu_to = tabu_until[np.ix_(u, su)] >= it
        tabu_sw = tabu_to | tabu_to.T
        aspire_sw = (total_ex + d_ex_sw <= 1e-9) & (base_cost + d_cost_sw < best_cost - 1e-9)
        swap[tabu_sw & ~aspire_sw] = np.inf
        k_swap = int(np.argmin(swap))
        if float(swap.flat[k_swap]) < best_move:
            x, y = divmod(k_swap, len(u))
            moves = [(int(u[x]), int(su[y])), (int(u[y]), int(su[x]))]
            base_cost += float(d_cost_sw[x, y])
        elif np.isfinite(best_move):
            r, t = divmod(k_shift, m)
            moves = [(int(mv[r]), int(t))]
            base_cost += float(d_cost[r, t])
        else:
            break  # every move is tabu or impossible
        for i, t in moves:
            s = int(seller[i])
            loads[s] -= load[i, s]
            counts[s] -= count[i]
            loads[t] += load[i, t]
            counts[t] += count[i]
            seller[i] = t
            tabu_until[i, s] = it + int(rng.integers(tenure_lo, tenure_hi + 1))
        over = excess(loads, counts, slice(None)) > 1e-9
        if not over.any():
            alpha = np.maximum(alpha / PENALTY_STEP, alpha0 * 1e-3)
            if base_cost < best_cost - 1e-9:
                best_cost = base_cost
                best_seller = seller.copy()
                stale = 0
        else:
            alpha[over] = np.minimum(alpha[over] * PENALTY_STEP, alpha0 * 1e3)
        stale += 1
        if stale >= RESTART and best_seller is not None:
            # intensify: back to the best solution, with a fresh tabu list
            seller = best_seller.copy()
            loads = np.bincount(seller, weights=load[np.arange(n), seller], minlength=m)
            counts = np.bincount(seller, weights=count, minlength=m)
            base_cost = best_cost
            tabu_until[:] = 0
            stale = 0
    if best_seller is None:
        return choice.copy(), finished
    return entry[np.arange(n), best_seller], finished
