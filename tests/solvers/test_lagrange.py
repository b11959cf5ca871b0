"""The Lagrangian dual: a valid bound (never above the LP or the integer optimum), close to the
LP with the soft bands, and deterministic."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from allocate.solvers.lagrange import dual_ascent, lagrangian_bound
from allocate.solvers.lp import lp_relaxation
from allocate.solvers.problem import AssignmentProblem, Balance, evaluate
from tests.solvers.cpsat.conftest import three_items


def _random(seed: int, n: int, m: int, k: int, tight: float = 0.9, limit: bool = False) -> AssignmentProblem:
    """``n`` items with ``k`` random candidates among ``m`` sellers, soft load/potential/count
    bands, a move penalty, today's sellers and a lock; capacity ``tight`` of a mean load, and
    with ``limit`` an account limit on every other seller."""
    rng = np.random.default_rng(seed)
    seller = np.concatenate([np.sort(rng.choice(m, size=k, replace=False)) for _ in range(n)])
    indptr = np.arange(0, (n + 1) * k, k)
    load = rng.uniform(0.5, 3.0, n * k)
    cap = np.full(m, load.sum() / k / m / tight)
    current = seller[indptr[:-1] + rng.integers(0, k, n)]
    fixed = np.full(n, -1)
    fixed[0] = current[0]
    count = rng.integers(1, 4, n)
    max_items = np.where(np.arange(m) % 2 == 0, int(count.sum() / m / tight), -1) if limit else np.full(m, -1)
    return AssignmentProblem(
        capacity=cap,
        indptr=indptr,
        seller=seller,
        cost=rng.uniform(0.0, 5.0, n * k),
        load=load,
        count=count,
        max_items=max_items,
        potential=rng.uniform(1e3, 5e4, n),
        fixed=fixed,
        current=current,
        balance_groups=(np.arange(m),),
        balances=(
            Balance("load", 0.1, weight=2.0),
            Balance("potential", 0.2, weight=5e-5),
            Balance("count", 0.15, weight=0.5),
        ),
        move_weight=0.3,
    )


def _brute_force(p: AssignmentProblem) -> float:
    """The integer optimum by enumeration of every assignment (tiny problems only)."""
    options = [range(p.indptr[i], p.indptr[i + 1]) for i in range(p.n_items)]
    best = np.inf
    for choice in itertools.product(*options):
        ev = evaluate(p, np.array(choice))
        if ev.feasible:
            best = min(best, ev.objective)
    return best


def test_lagrangian_bound_by_hand() -> None:
    p = three_items(capacity=(3.0, 4.0))
    assert lagrangian_bound(p, np.zeros(2)) == pytest.approx(4.0)
    # λ = (1, 0): item costs at seller 0 rise by their 2 h: min(3, 5) + min(3, 4) + min(5, 2) - 3
    assert lagrangian_bound(p, np.array([1.0, 0.0])) == pytest.approx(5.0)


@pytest.mark.parametrize("seed", range(6))
def test_never_above_the_integer_optimum(seed: int) -> None:
    p = _random(seed, n=7, m=3, k=2, tight=0.6, limit=seed % 2 == 1)
    opt = _brute_force(p)
    out = dual_ascent(p, 300)
    assert np.isfinite(opt)
    assert out.bound <= opt + 1e-9
    # and it is the value of L at the multipliers it returns (capacity part checked alone)
    assert lagrangian_bound(p, out.capacity) <= opt + 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_never_above_the_lp_and_close_to_it(seed: int) -> None:
    p = _random(100 + seed, n=60, m=6, k=3, limit=seed % 2 == 1)
    lp = lp_relaxation(p)  # GLOP, with the soft bands' slacks
    assert lp.optimal
    out = dual_ascent(p, 400)
    assert out.bound <= lp.bound + 1e-6 * max(1.0, abs(lp.bound))
    # the bands priced: well above the capacities-only bound at λ = 0, near the LP
    assert out.bound > lagrangian_bound(p, np.zeros(p.n_sellers))
    assert out.bound >= lp.bound - 0.01 * abs(lp.bound)


def test_deterministic() -> None:
    p = _random(7, n=200, m=8, k=3)
    a, b = dual_ascent(p, 150), dual_ascent(p, 150)
    assert a.bound == b.bound
    assert np.array_equal(a.capacity, b.capacity)
    assert np.array_equal(a.price, b.price)
    # the bundle method (few multipliers) may stop early on its proof of the maximum
    assert a.iterations == b.iterations <= 150


def test_locked_entries_are_never_priced_below_infinity() -> None:
    p = _random(3, n=20, m=4, k=3)
    out = dual_ascent(p, 50)
    item_of = p.item_of
    excluded = (p.fixed[item_of] >= 0) & (p.seller != p.fixed[item_of])
    assert excluded.any() and np.all(np.isinf(out.price[excluded]))
    assert np.all(np.isfinite(out.price[~excluded]))


def test_the_clock_is_a_recorded_safety_net() -> None:
    from allocate.solvers.budget import Clock

    p = _random(5, n=30, m=4, k=3)
    lp = lp_relaxation(p)
    late = Clock.after(-1.0)  # already passed: one step of each ascent at most, recorded
    out = dual_ascent(p, 300, late)
    assert "Lagrangian bound" in late.stopped and out.iterations < 300
    assert out.bound <= lp.bound + 1e-9
    # an earlier stage stopped by the clock does not stop this one while time is left
    early = Clock.after(60.0)
    early.fired("LP relaxation")
    out = dual_ascent(p, 300, early)
    assert early.stopped == ["LP relaxation"] and out.bound >= lp.bound - 1e-3 * abs(lp.bound)


@pytest.mark.parametrize("seed", range(4))
def test_few_multipliers_reach_the_lp_value(seed: int) -> None:
    # 5 sellers, three bands: 35 multipliers, the level bundle method (dual_ascent takes it
    # when its budget affords BUNDLE_MIN_STEPS of its steps, not on a problem this small);
    # its maximum of L is the LP relaxation's value (the relaxed problem has integral vertices)
    from allocate.solvers import lagrange

    p = _random(200 + seed, n=80, m=5, k=3, limit=seed % 2 == 1)
    lp = lp_relaxation(p)
    assert lp.optimal
    d = lagrange._Dual(p)
    out = lagrange._bundle(d, 300, np.zeros(len(lagrange._coords(d)[0])), None)
    assert out.bound <= lp.bound + 1e-6 * max(1.0, abs(lp.bound))
    assert out.bound >= lp.bound - 1e-4 * abs(lp.bound)


def test_the_bundle_work_budget_is_kept() -> None:
    from allocate.solvers import lagrange

    p = _random(300, n=80, m=5, k=3)
    d = lagrange._Dual(p)
    n_mult = int((lagrange._coords(d)[0] > 0).sum())
    work = lagrange._bundle_work(p.nnz, n_mult, 7)
    out = lagrange._bundle(d, 300, np.zeros(len(lagrange._coords(d)[0])), None, work)
    assert out.iterations == 7


def rounding_matters() -> AssignmentProblem:
    """Two sellers of equal capacity, a soft potential band at ±0 (0.1 per € outside it).

    Items 0 and 1 have one candidate each (sellers 0 and 1), potentials 149 € and 151 €: 1 €
    each side of the target 150 €, a penalty of 0.2. Rounded to CP-SAT's units of 100 € they
    become 100 € and 200 €, 50 € each side: 10.0. Item 2 (no potential) costs 1 at seller 0
    and 3 at seller 1. The optimum on the real data is 1.2; on the rounded data 11.0.
    """
    return AssignmentProblem(
        capacity=np.array([10.0, 10.0]),
        indptr=np.array([0, 1, 2, 4]),
        seller=np.array([0, 1, 0, 1]),
        cost=np.array([0.0, 0.0, 1.0, 3.0]),
        load=np.full(4, 1.0),
        potential=np.array([149.0, 151.0, 0.0]),
        balance_groups=(np.arange(2),),
        balances=(Balance("potential", 0.0, weight=0.1),),
    )


def test_the_bound_of_rounded_multipliers_is_priced_on_the_real_data() -> None:
    from allocate.solvers.lagrange import bound_at
    from allocate.solvers.scaling import scales_for, snap

    raw = rounding_matters()
    rounded = snap(raw, scales_for(raw))
    opt = _brute_force(raw)
    assert opt == pytest.approx(1.2)
    out = dual_ascent(rounded, 300)
    # the rounding matters: the ascent on the rounded data passes the real optimum ...
    assert out.bound > opt + 1.0
    # ... and its multipliers priced on the real data give a valid bound, near the optimum
    real = bound_at(raw, out)
    assert real <= opt + 1e-9
    assert real >= opt - 0.05
    # on the data it was found on, the same multipliers give the same value
    assert bound_at(rounded, out) == pytest.approx(out.bound)


@pytest.mark.parametrize("seed", range(3))
def test_polished_on_the_real_data_stays_a_bound(seed: int) -> None:
    # the ascent on the rounded data (loads up, capacities down, potentials to 100 €), its
    # steps then on the real data: never below the re-evaluation, never above the real LP
    from allocate.solvers.lagrange import bound_at, polish
    from allocate.solvers.scaling import scales_for, snap

    raw = _random(400 + seed, n=60, m=6, k=3, tight=0.97, limit=seed == 1)
    raw = replace(raw, load=raw.load * 1.0003, potential=raw.potential + 37.0)  # off the grids
    rounded = snap(raw, scales_for(raw))
    lp = lp_relaxation(raw)
    assert lp.optimal
    out = dual_ascent(rounded, 200)
    at = bound_at(raw, out)
    polished = polish(raw, out, 40)
    assert at - 1e-9 <= polished.bound <= lp.bound + 1e-6 * max(1.0, abs(lp.bound))
    # the guide stays the rounded data's
    assert np.array_equal(polished.price, out.price)


def test_the_primal_point_is_a_fractional_assignment() -> None:
    # the averaged relaxed solutions: every item once, locked-out entries never taken
    p = _random(8, n=200, m=8, k=3)
    out = dual_ascent(p, 150)
    assert out.primal is not None
    x = out.primal
    assert np.all(x >= 0) and np.all(x <= 1 + 1e-12)
    assert np.allclose(np.add.reduceat(x, p.indptr[:-1]), 1.0)
    excluded = (p.fixed[p.item_of] >= 0) & (p.seller != p.fixed[p.item_of])
    assert excluded.any() and np.all(x[excluded] == 0)
