"""Lagrangian dual of the assignment problem: a lower bound made of vectorized passes.

Used when the LP relaxation (:mod:`allocate.solvers.lp`) does not finish in its budget. The
side constraints are moved into the objective, and what is left (every item once, locks) is
solved by each item taking its cheapest candidate:

* capacities with multipliers ``λ_s >= 0`` and account limits with ``ν_s >= 0``;
* each *soft* balance band through a linear minorant of its penalty. For a group ``G``, a
  measure with per-seller totals ``q_s`` (group total ``T``), band ``±τ`` around the shares
  ``κ_s T`` and weight ``w``, and any ``a_s, b_s`` in ``[0, w]``::

      w Σ_s [(q_s - (1+τ) κ_s T)^+ + ((1-τ) κ_s T - q_s)^+]
          >= Σ_s a_s (q_s - (1+τ) κ_s T) + b_s ((1-τ) κ_s T - q_s)
          =  Σ_s μ_s q_s,   μ_s = a_s - b_s + Σ_t κ_t ((1-τ) b_t - (1+τ) a_t)

  so the penalty is replaced by the price ``μ_s`` per unit of the measure given to ``s``.

For any such multipliers ::

    L(λ, ν, a, b) = Σ_i min_e (c'_e + λ_s l_e + ν_s n_i + Σ_m μ_ms w_me) - λ·C - ν·N

is a lower bound on the objective (``c'`` folds the move penalty into the cost; the move cap
and hard bands are dropped, which keeps it valid). Its maximum over the multipliers is the value
of the LP relaxation with the soft bands (the relaxed problem has integral vertices).

:func:`dual_ascent` maximizes it by a projected subgradient with Polyak steps towards a target
level that adapts to progress (deflected directions against zig-zagging), in coordinates
scaled so that each multiplier moves on the scale of the costs, first over the capacities
alone, then over all the multipliers from the capacity prices found. The iteration count is
the deterministic budget; the
clock is only the safety net. Every value returned is ``L`` at the multipliers returned,
computed on all entries, on the data given: :func:`polish` prices other data of the same
structure (the real data, when the ascent ran on the data rounded to CP-SAT's units) at the
multipliers found, then ascends there a few steps.

Measured on the product defaults (geography, FR, seed 11), against the LP values found by
GLOP without a limit: 20k x 100, 3,037.2 after 855 iterations (1.8 s) for an LP of 3,037.5
with the bands and 2,972.7 without them (the former capacity subgradient: 2,971.3);
100k x 500, 14,040 after 350 iterations (2.8 s; capacity subgradient 13,792.6, LP without
the bands 13,793.2). The second ascent from the first one's capacity prices (instead of
zero) costs geography a little there (13,989 after 350 iterations on the rounded data;
14,016 on the real data after 70 more) and gives size its bands' share (20k x 100, 133
iterations: 1,876.9 against 1,815.1; on the real data 1,853.3 at those multipliers, 1,865.3
after 26 more, against 1,796.8; the LP with the bands, HiGHS offline: 1,909.8).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.budget import Clock
from allocate.solvers.denselp import minimize
from allocate.solvers.problem import AssignmentProblem

log = logging.getLogger(__name__)

#: Each iteration is about this many vectorized passes over the candidate entries (prices,
#: per-item minima, the chosen entries, the totals): sizes the iteration count from seconds.
PASSES_PER_ITERATION = 4
#: Iterations without a new best value before the target level is lowered (halved distance).
PATIENCE = 16
#: Deflection: share of the last direction's opposing component removed from the new one.
DEFLECT = 1.5
#: First target level: this share of |L| above the first value (less with a known solution).
FIRST_TARGET = 0.05
#: Share of the iterations for a first ascent over the capacities and account limits alone
#: (the bands' prices at 0); the rest go to the ascent over all multipliers. On 20k x 100 the
#: size model's bound comes from its capacities (1,866 after 50 iterations of them alone,
#: 1,556 after 150 with the bands), geography's from its bands (3,037 with them, 2,973 without).
CAPACITY_ONLY = 1 / 3
#: First target level of :func:`polish` (its steps start near the maximum).
POLISH_TARGET = 0.001
#: The level bundle method (:func:`_bundle`) replaces the subgradient ascent over all the
#: multipliers when there are at most this many of them (its two small LPs grow with them:
#: on a 45-seller roles block of 20k x 100, 225 multipliers, 300 steps took 50 s for the LP's
#: value within 0.5 %, where the subgradient gets within 2 % in 2 s; on the 7-seller block,
#: 35 multipliers, the LP's value 379.4 in 35 steps and 1 s, the subgradient 63 in 3,000; on
#: the 41-seller SDR block of 100k x 500, 6,496.5 in 100 steps and 27 s, the subgradient 8.5).
BUNDLE_MAX_MULTIPLIERS = 250
#: ... and when the work budget affords this many of its steps (counted by :func:`_bundle_work`).
BUNDLE_MIN_STEPS = 40
#: What one cut of one multiplier costs in the bundle's small LPs, in array elements of the
#: numpy passes (:data:`~allocate.solvers.budget.NUMPY_ELEMENTS_PER_S`): 100 steps over 205
#: multipliers took 24 s of LPs on the 100k x 500 SDR block under a load of 5 (about 1.0e6
#: cells, 480e6 elements at 2e7 a second).
MASTER_ELEMENTS_PER_CELL = 500.0
#: Level of the bundle step: this share of the way from the best value to the cuts' maximum.
LEVEL = 0.5
#: Upper bound of the scaled capacity and account prices in the bundle's small LPs (the
#: multipliers met never come near it; any point is a valid bound, the box only keeps the
#: LPs bounded).
BUNDLE_BOX = 1e3
#: Weight of the newest relaxed solution in the running average of them (the primal point).
MIX = 0.1


@dataclass(frozen=True)
class DualResult:
    """Best Lagrangian bound met and its multipliers.

    Attributes
    ----------
    bound
        ``L`` at the multipliers below: a valid lower bound on the objective.
    capacity
        ``λ``, one per seller.
    price
        Reduced cost of each candidate entry at those multipliers (``inf`` for entries a lock
        excludes), without the constant ``-λ·C - ν·N``: a guide for the construction.
    iterations
        Iterations run.
    limit
        ``ν``, one per seller (0 where it has no account limit).
    bands
        ``(a, b)`` of each soft band priced, keyed by (index of the balance, index of the
        group): with ``capacity`` and ``limit``, every multiplier of the bound, so that
        :func:`bound_at` can price them on other data of the same structure.
    primal
        The relaxed solutions (each item's cheapest entry) of the subgradient ascent over all
        the multipliers, averaged with weight :data:`MIX` on the newest: a fractional point
        per entry near the LP's optimum, a guide for the rounding (None from the bundle
        method).
    """

    bound: float
    capacity: NDArray[np.float64]
    price: NDArray[np.float64]
    iterations: int
    limit: NDArray[np.float64] | None = None
    bands: tuple[tuple[tuple[int, int], NDArray[np.float64], NDArray[np.float64]], ...] = ()
    primal: NDArray[np.float64] | None = None


@dataclass(frozen=True)
class _Band:
    """One soft balance band of one group: its per-entry measure and its constants."""

    key: tuple[int, int]  # (index of the balance, index of the group)
    group: NDArray[np.int64]
    share: NDArray[np.float64]  # κ_s of the group's sellers
    tolerance: float
    weight: float
    measure: NDArray[np.float64]  # per candidate entry


class _Dual:
    """``L`` and a supergradient at given multipliers, in one pass over the entries."""

    def __init__(self, p: AssignmentProblem) -> None:
        self.p = p
        item_of = p.item_of
        self.item_of = item_of
        locked = (p.fixed[item_of] >= 0) & (p.seller != p.fixed[item_of])
        self.base = np.where(locked, np.inf, p.cost_weight * p.cost + p.move_weight * p.entry_moves)
        self.starts = p.indptr[:-1]
        self.counts = p.count[item_of].astype(float)
        self.limited = p.max_items >= 0
        self.bands: list[_Band] = []
        for k, bal in enumerate(p.balances):
            if bal.hard or bal.weight <= 0:
                continue  # a hard band is dropped (still a valid bound)
            if bal.measure == "load":
                w = p.load
            elif bal.measure == "potential":
                w = p.potential[item_of]
            else:
                w = self.counts
            for j, g in enumerate(p.balance_groups):
                cap = p.capacity[g]
                if len(g) < 2 or cap.sum() <= 0:
                    continue
                self.bands.append(_Band((k, j), g, cap / cap.sum(), bal.tolerance, bal.weight, np.asarray(w, dtype=float)))

    def prices(self, lam, nu, ab) -> NDArray[np.float64]:
        p = self.p
        per_seller_load = lam
        c = self.base + per_seller_load[p.seller] * p.load
        if self.limited.any():
            c = c + nu[p.seller] * self.counts
        for band, (a, b) in zip(self.bands, ab, strict=True):
            mu = np.zeros(p.n_sellers)
            k = float(band.share @ ((1 - band.tolerance) * b - (1 + band.tolerance) * a))
            mu[band.group] = a - b + k
            c = c + mu[p.seller] * band.measure
        return c

    def value(self, lam, nu, ab):
        p = self.p
        c = self.prices(lam, nu, ab)
        mins = np.minimum.reduceat(c, self.starts)
        value = float(mins.sum() - lam @ p.capacity - nu[self.limited] @ p.max_items[self.limited])
        # the chosen entry of each item: the first of its minima
        hit = np.flatnonzero(c == mins[self.item_of])
        chosen = hit[np.r_[True, self.item_of[hit][1:] != self.item_of[hit][:-1]]]
        s = p.seller[chosen]
        g_lam = np.bincount(s, weights=p.load[chosen], minlength=p.n_sellers) - p.capacity
        g_nu = np.where(self.limited, np.bincount(s, weights=self.counts[chosen], minlength=p.n_sellers) - p.max_items, 0.0)
        g_ab = []
        for band in self.bands:
            q = np.bincount(s, weights=band.measure[chosen], minlength=p.n_sellers)[band.group]
            t = q.sum()
            g_ab.append((q - (1 + band.tolerance) * band.share * t, (1 - band.tolerance) * band.share * t - q))
        self.chosen = chosen  # the relaxed solution of the last call
        return value, c, g_lam, g_nu, g_ab


def dual_ascent(
    problem: AssignmentProblem,
    iterations: int,
    clock: Clock | None = None,
    upper: float | None = None,
) -> DualResult:
    """Maximize the Lagrangian bound (see the module docstring) for ``iterations`` steps.

    Two ascents share the steps: one from zero over the capacities and account limits
    alone (:data:`CAPACITY_ONLY` of them, when the problem has soft bands), one over all the
    multipliers from the prices it found; the better bound stands.

    Parameters
    ----------
    problem
        The assignment problem.
    iterations
        Number of steps: the deterministic budget.
    clock
        The wall-clock safety net (the loop stops after the step that passes its deadline,
        and records it).
    upper
        Objective of a known solution, if any: caps the first target level.

    Returns
    -------
    DualResult
        The best bound met, its capacity multipliers and its reduced costs.
    """
    d = _Dual(problem)
    m = problem.n_sellers
    scale = _coords(d)[0]
    n_mult = int((scale > 0).sum())
    first = int(CAPACITY_ONLY * iterations) if d.bands else 0
    # the work of the subgradient steps left, in array elements: the bundle may spend it
    work = float(iterations - first) * PASSES_PER_ITERATION * max(1, problem.nnz)
    bundle = n_mult <= BUNDLE_MAX_MULTIPLIERS and _bundle_work(problem.nnz, n_mult, BUNDLE_MIN_STEPS) <= work
    alone = _ascend(d, first, False, upper, clock) if first else None
    if alone is not None and clock is not None and clock.expired():
        return alone  # the safety net stopped it (and recorded it)
    # the second ascent from the capacity and account prices of the first (on size, 20k x
    # 100, 133 steps on the data rounded to CP-SAT's units: 1,872.9 against 1,465.9 from zero,
    # where the first ascent ends at 1,815.1 and was the bound, its prices the guide)
    y0 = np.zeros(len(scale))
    if alone is not None:
        y0[:m] = alone.capacity / scale[:m]
        if alone.limit is not None:
            unit = scale[m:2 * m]
            y0[m:2 * m] = np.divide(alone.limit, unit, out=np.zeros(m), where=unit > 0)
    if bundle:
        # few multipliers (a block of a few sellers): cutting planes converge where the
        # subgradient crawls
        full = _bundle(d, iterations - first, y0, clock, work)
    else:
        full = _ascend(d, iterations - first, True, upper, clock, y0)
    done = full.iterations + (alone.iterations if alone is not None else 0)
    out = full if alone is None or full.bound > alone.bound else alone
    # the primal point of the ascent over all the multipliers (the bands priced), if any
    return replace(out, iterations=done, primal=full.primal)


def _coords(d: _Dual):
    """Scaled coordinates ``y`` (multiplier = scale * y), their upper bounds, block cuts and
    the split of a vector into (λ, ν, [(a, b) per band])."""
    p = d.p
    m = p.n_sellers
    finite = d.base[np.isfinite(d.base)]
    # the capacity and account prices on the scale of a cost per unit of load (of accounts),
    # the band prices a, b on [0, w]
    unit = max(1e-9, float(finite.mean())) if len(finite) else 1.0
    sizes = [m, m] + [len(b.group) for b in d.bands for _ in (0, 1)]
    cuts = np.cumsum([0, *sizes])
    scale = np.concatenate(
        [np.full(m, unit / max(1e-9, float(p.load.mean()) if p.nnz else 1.0)),
         np.where(d.limited, unit / max(1e-9, float(d.counts.mean()) if p.nnz else 1.0), 0.0)]
        + [np.full(len(b.group), b.weight) for b in d.bands for _ in (0, 1)]
    )
    top = np.concatenate([np.full(2 * m, np.inf), np.ones(int(cuts[-1]) - 2 * m)])

    def split(v):
        parts = [v[cuts[k]:cuts[k + 1]] for k in range(len(sizes))]
        return parts[0], parts[1], list(zip(parts[2::2], parts[3::2], strict=True))

    return scale, top, cuts, split


def _ascend(
    d: _Dual, iterations: int, bands: bool, upper: float | None, clock: Clock | None,
    y0: NDArray[np.float64] | None = None, target: float = FIRST_TARGET,
) -> DualResult:
    """Projected, deflected subgradient with Polyak steps from ``y0`` (scaled coordinates of
    :func:`_coords`; default zero multipliers), the first target level ``target`` of ``|L|``
    above the first value."""
    p = d.p
    m = p.n_sellers
    scale, top, cuts, split = _coords(d)
    y = np.zeros(int(cuts[-1])) if y0 is None else np.clip(y0, 0.0, top)

    best, best_y, best_price = -np.inf, y, d.base
    mix = np.zeros(p.nnz)  # the relaxed solutions, averaged: a fractional primal point
    grow = total = 0.0
    direction = np.zeros_like(y)
    metric = np.ones_like(y)
    delta = 0.0
    stall = 0
    done = 0
    while done < iterations:
        done += 1
        value, price, g_lam, g_nu, g_ab = d.value(*split(scale * y))
        if bands:
            # the newest with weight MIX, the average before with 1 - MIX (the first alone
            # at first): weights growing by 1 / (1 - MIX) a step, the sum scaled back now
            # and then, so that no step passes over every entry
            grow = grow / (1.0 - MIX) if done > 1 else 1.0
            w = grow * MIX if done > 1 else grow
            mix[d.chosen] += w
            total += w
            if grow > 1e100:
                mix /= total
                grow, total = grow / total, 1.0
        if best == -np.inf or value > best + 1e-12 * max(1.0, abs(best)):
            best, best_y, best_price = value, y, price
            stall = 0
        else:
            stall += 1
        if done == 1:
            size = max(1.0, abs(value))
            room = upper - value if upper is not None and upper > value else np.inf
            delta = max(1e-6 * size, min(room, target * size))
        if stall >= PATIENCE:
            delta *= 0.5  # the target was too ambitious: halve its distance to the best
            stall = 0
        # the supergradient in scaled coordinates, without the parts that leave the box
        g = scale * np.concatenate([g_lam, g_nu] + [x for pair in g_ab for x in pair])
        g = np.where(((y <= 0) & (g < 0)) | ((y >= top) & (g > 0)), 0.0, g)
        if not bands:
            g[2 * m:] = 0.0
        elif done == 1:
            at = g
            if y.any():
                # the metric from zero multipliers (one more step counted), as from a cold
                # start: at the prices of a first ascent the capacities' part is near 0 and
                # would damp the bands' to nothing (geography, 100k x 500, 350 steps: 13,781
                # so, 14,040 from zero)
                _, _, l0, n0, ab0 = d.value(*split(np.zeros_like(y)))
                at = np.maximum(0.0, scale * np.concatenate([l0, n0] + [x for pair in ab0 for x in pair]))
                done += 1
            metric = _block_metric(at, cuts)
        g = metric * g
        # deflection (Camerini, Fratta, Maffioli): damp the part opposing the last direction
        dot = float(direction @ g)
        beta = -DEFLECT * dot / float(direction @ direction) if dot < 0 else 0.0
        direction = g + beta * direction
        norm2 = float(direction @ direction)
        if norm2 <= 1e-24:
            break  # the relaxed solution meets every relaxed row: L is at its maximum
        # Polyak's step towards the target level
        y = np.clip(y + (best + delta - value) / norm2 * direction, 0.0, top)
        if clock is not None and clock.expired():
            clock.fired("Lagrangian bound")
            break
    return replace(_result(d, best, scale * best_y, best_price, done), primal=mix / total if total > 0 else None)


def _result(d: _Dual, bound: float, x: NDArray[np.float64], price: NDArray[np.float64], done: int) -> DualResult:
    """The result at multipliers ``x`` (unscaled, in the order of :func:`_coords`)."""
    lam, nu, ab = _coords(d)[3](x)
    bands = tuple((band.key, a.copy(), b.copy()) for band, (a, b) in zip(d.bands, ab, strict=True))
    return DualResult(bound, lam.copy(), price, done, nu.copy(), bands)


def _point(d: _Dual, dual: DualResult) -> NDArray[np.float64]:
    """The multipliers of ``dual`` as a point of ``d``'s scaled coordinates (:func:`_coords`),
    projected on the multipliers' domain; a band ``d`` has and ``dual`` did not price is at 0."""
    p = d.p
    m = p.n_sellers
    scale, top, cuts, _ = _coords(d)
    lam = np.maximum(0.0, np.asarray(dual.capacity, dtype=float))
    nu = np.maximum(0.0, dual.limit) if dual.limit is not None else np.zeros(m)
    found = {key: (a, b) for key, a, b in dual.bands}
    parts = [lam, np.where(d.limited, nu, 0.0)]  # a seller without a limit has no row to price
    for band in d.bands:
        zero = np.zeros(len(band.group))
        a, b = found.get(band.key, (zero, zero))
        parts += [a, b]
    x = np.concatenate(parts)
    y = np.divide(x, scale, out=np.zeros(len(scale)), where=scale > 0)
    return np.clip(y, 0.0, top)


def polish(problem: AssignmentProblem, dual: DualResult, iterations: int, clock: Clock | None = None) -> DualResult:
    """The bound of ``dual``'s multipliers on ``problem``'s data, then ``iterations`` more
    ascent steps there from them (the subgradient, or the bundle method when
    :func:`dual_ascent` would take it).

    An ascent run on the data rounded to CP-SAT's units (:func:`~allocate.solvers.scaling.snap`:
    loads up, capacities down) gives a bound for that data only; its multipliers give a valid
    bound for the real data (:func:`bound_at`), lower where the capacities bind (the rounding
    takes hours from them); the steps on the real data win part of it back.

    Parameters
    ----------
    problem
        The problem to bound (same structure as the one ``dual`` was found on).
    dual
        A result of :func:`dual_ascent`.
    iterations
        Steps on ``problem``'s data (the deterministic budget); 0 re-evaluates only.
    clock
        The wall-clock safety net.

    Returns
    -------
    DualResult
        ``L`` on ``problem`` at the best multipliers met, from ``dual``'s on.
    """
    d = _Dual(problem)
    y0 = _point(d, dual)
    scale = _coords(d)[0]
    if iterations <= 0:
        value = float(d.value(*_coords(d)[3](scale * y0))[0])
        return replace(_result(d, value, scale * y0, dual.price, 0), primal=dual.primal)
    n_mult = int((scale > 0).sum())
    work = float(iterations) * PASSES_PER_ITERATION * max(1, problem.nnz)
    if n_mult <= BUNDLE_MAX_MULTIPLIERS and _bundle_work(problem.nnz, n_mult, BUNDLE_MIN_STEPS) <= work:
        out = _bundle(d, iterations, y0, clock, work)
    else:
        # the capacity and account prices only (the bands' as found): the rounding moved
        # the capacities, not the bands' shape (size, 20k x 100: 1,882.3 at the rounded
        # data's multipliers, 1,892.9 after 26 such steps, 1,890.0 over all of them)
        out = _ascend(d, iterations, False, None, clock, y0, POLISH_TARGET)
    return replace(out, price=dual.price, primal=dual.primal)


def bound_at(problem: AssignmentProblem, dual: DualResult) -> float:
    """``L`` on ``problem`` at the multipliers of ``dual``: a valid lower bound for its data.

    Any non-negative capacity and limit prices and any band prices in ``[0, w]`` give a lower
    bound (module docstring), so the multipliers an ascent found on other numbers of the same
    structure (the data rounded to CP-SAT's units, :func:`~allocate.solvers.scaling.snap`)
    price the real data too; the band shares ``κ`` are this problem's capacities'. A band of
    ``problem`` the ascent did not price is priced at 0 (still a bound).

    Parameters
    ----------
    problem
        The problem to bound (same items, candidates, sellers, balances and groups as the one
        ``dual`` was found on).
    dual
        A result of :func:`dual_ascent`.

    Returns
    -------
    float
        ``L`` at those multipliers on ``problem``'s data.
    """
    return polish(problem, dual, 0).bound


def _bundle_work(nnz: int, n_mult: int, steps: int) -> float:
    """Array elements that ``steps`` bundle steps are counted as: each prices the entries
    (like a subgradient step) and solves two LPs over the cuts met so far."""
    return steps * PASSES_PER_ITERATION * max(1, nnz) + MASTER_ELEMENTS_PER_CELL * n_mult * steps * (steps + 1) / 2


def _bundle(d: _Dual, iterations: int, y0: NDArray[np.float64], clock: Clock | None, work: float = np.inf) -> DualResult:
    """Level bundle method: cutting planes of ``L`` with a level step projected in the L1 norm.

    Every value of ``L`` met gives a cut ``θ <= L_k + G_k (y - y_k)``. A small LP over the
    cuts gives an upper estimate ``U`` of ``max L`` (in the box); the next point is the one
    nearest the best point (L1 norm, a second small LP) whose cuts all reach the level
    ``best + LEVEL (U - best)``. Unlike the subgradient steps, this converges on blocks with
    few sellers where the band prices and the capacities fight (the SDR block of roles on
    20k x 100: 63 after 3,000 subgradient steps, against an LP of 379).
    """
    p = d.p
    scale, top, cuts, split = _coords(d)
    n = len(scale)
    hi = np.where(np.isfinite(top), top, BUNDLE_BOX)
    hi = np.where(scale > 0, hi, 0.0)
    y = np.clip(y0, 0.0, hi)
    rows_g: list[NDArray[np.float64]] = []
    rows_c: list[float] = []
    best, best_y, best_price = -np.inf, y, d.base
    done = 0
    n_mult = int((scale > 0).sum())
    while done < iterations and _bundle_work(p.nnz, n_mult, done + 1) <= work:
        done += 1
        value, price, g_lam, g_nu, g_ab = d.value(*split(scale * y))
        if value > best:
            best, best_y, best_price = value, y, price
        g = scale * np.concatenate([g_lam, g_nu] + [x for pair in g_ab for x in pair])
        rows_g.append(g)
        rows_c.append(value - float(g @ y))
        if clock is not None and clock.expired():
            clock.fired("Lagrangian bound")
            break
        G = np.array(rows_g)
        c0 = np.array(rows_c)
        # upper estimate: max θ, θ - G y <= c0, y in the box
        up = minimize(np.r_[np.zeros(n), -1.0], np.c_[-G, np.ones(len(c0))], c0,
                      np.r_[np.zeros(n), -np.inf], np.r_[hi, np.inf])
        if up is None:
            break
        upper = -up[1]
        if upper - best <= 1e-7 * max(1.0, abs(best)):
            break  # the cuts prove ``best`` is the maximum over the box
        level = best + LEVEL * (upper - best)
        # the point nearest the best one whose cuts reach the level: y = best_y + u - w
        eye = np.eye(n)
        proj = minimize(np.r_[np.zeros(n), np.ones(2 * n)],
                        np.c_[-G, np.zeros((len(c0), 2 * n))], c0 - level,
                        np.zeros(3 * n), np.r_[hi, np.full(2 * n, np.inf)],
                        np.c_[eye, -eye, eye], best_y)
        if proj is None:
            break
        y = np.clip(proj[0][:n], 0.0, hi)
    return _result(d, best, scale * best_y, best_price, done)


def _block_metric(g: NDArray[np.float64], cuts: NDArray[np.int64]) -> NDArray[np.float64]:
    """A fixed diagonal metric from the first supergradient: each band's block (a or b) whose
    part of it outweighs the capacities' is damped to the same norm, so that one badly scaled
    measure (potential in euros) does not take every step."""
    ref = float(np.linalg.norm(g[cuts[0]:cuts[1]]))
    out = np.ones_like(g)
    for k in range(2, len(cuts) - 1):
        part = float(np.linalg.norm(g[cuts[k]:cuts[k + 1]]))
        if ref > 0 and part > ref:
            out[cuts[k]:cuts[k + 1]] = ref / part
    return out


def lagrangian_bound(problem: AssignmentProblem, lam: NDArray[np.float64]) -> float:
    """``L`` at capacity multipliers ``lam >= 0`` (no account-limit or balance prices).

    Parameters
    ----------
    problem
        The assignment problem.
    lam
        One non-negative multiplier per seller capacity.

    Returns
    -------
    float
        A valid lower bound on the objective.
    """
    d = _Dual(problem)
    m = problem.n_sellers
    ab = [(np.zeros(len(b.group)), np.zeros(len(b.group))) for b in d.bands]
    return d.value(np.asarray(lam, dtype=float), np.zeros(m), ab)[0]
