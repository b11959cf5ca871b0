"""The LP relaxation on the hand-checked three-item case."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.solvers.lp import lp_relaxation
from tests.solvers.cpsat.conftest import three_items


def test_lp_bound_when_capacity_does_not_bind() -> None:
    lp = lp_relaxation(three_items())
    assert lp.feasible and lp.optimal
    assert lp.bound == pytest.approx(4.0)  # everyone at its cheapest seller: the integer optimum


def test_lp_splits_an_item_on_a_tight_capacity() -> None:
    # seller 0 carries 3 h: item 0 (saves 4) whole and half of item 1 (saves 3):
    # 1 + (0.5 * 1 + 0.5 * 4) + 2 = 5.5, below the integer optimum 7
    lp = lp_relaxation(three_items(capacity=(3.0, 4.0)))
    assert lp.bound == pytest.approx(5.5)
    assert lp.x[:4] == pytest.approx([1.0, 0.0, 0.5, 0.5])
    assert lp.overflow == pytest.approx([0.0, 0.0])


def test_lp_overflow_when_capacity_is_short() -> None:
    lp = lp_relaxation(three_items(capacity=(2.0, 2.0)))  # 6 h on 4
    assert not lp.feasible
    assert float(np.sum(lp.overflow)) == pytest.approx(2.0)


class _StoppedSolver:
    """A GLOP stand-in that stops at its budget with an unfinished point full of overflow."""

    def __init__(self, _name: str, status=None) -> None:
        self._status = status

    def set_solver_specific_parameters(self, _text: str) -> None:
        pass

    def set_time_limit_in_seconds(self, _s: float) -> None:
        pass

    def solve(self, model) -> None:
        self._n = model.num_variables()

    def status(self):
        return self._status

    def has_solution(self) -> bool:
        return True

    def variable_values(self):
        return np.full(self._n, 5.0)  # every overflow column at 5 h: "short" if believed

    def objective_value(self) -> float:
        return 1e9


@pytest.mark.parametrize("status", ["FEASIBLE", "NOT_SOLVED", "ABNORMAL"])
def test_an_lp_stopped_by_its_budget_proves_nothing(monkeypatch, status) -> None:
    # issue 14: an unfinished LP's overflow was read as a proof of infeasibility (exit 3)
    from allocate.solvers import lp as lp_module

    code = getattr(lp_module.mbh.SolveStatus, status)
    monkeypatch.setattr(lp_module.mbh, "ModelSolverHelper", lambda name: _StoppedSolver(name, code))
    lp = lp_relaxation(three_items(capacity=(3.0, 4.0)))
    assert lp.feasible  # no proof either way
    assert not lp.optimal  # and no bound: the caller falls back to the Lagrangian one


def test_overflow_at_the_optimum_needs_the_overflow_only_lp_to_confirm(monkeypatch) -> None:
    # the first LP "finishes" with overflow, the overflow-only LP finds none: not a proof
    from allocate.solvers import lp as lp_module

    calls = []

    class Confirming(_StoppedSolver):
        def variable_values(self):
            calls.append(1)
            return np.full(self._n, 5.0 if len(calls) == 1 else 0.0)

    ok = lp_module.mbh.SolveStatus.OPTIMAL
    monkeypatch.setattr(lp_module.mbh, "ModelSolverHelper", lambda name: Confirming(name, ok))
    lp = lp_relaxation(three_items(capacity=(3.0, 4.0)))
    assert len(calls) == 2
    assert lp.feasible and not lp.optimal


def test_a_real_shortage_is_proven_by_the_overflow_only_lp() -> None:
    lp = lp_relaxation(three_items(capacity=(2.0, 2.0)), seconds=0.01)  # smallest budget
    assert not lp.feasible and lp.optimal
    assert float(np.sum(lp.overflow)) == pytest.approx(2.0)  # 6 h on 4: the minimum overflow


def test_an_optimum_reached_near_the_wall_clock_is_kept(monkeypatch) -> None:
    # under load a GLOP that finishes on its deterministic budget may still take most of the
    # wall time: its optimum was dropped, so a loaded run lost the bound (and its guide) that a
    # quiet run of the same seed kept, while both said "deterministic"
    import time

    from allocate.solvers import lp as lp_module
    from allocate.solvers.budget import Clock

    real = lp_module.mbh.ModelSolverHelper

    class Slow:
        def __init__(self, name: str) -> None:
            self._s, self._limit = real(name), 0.0

        def set_time_limit_in_seconds(self, s: float) -> None:
            self._limit = s
            self._s.set_time_limit_in_seconds(s)

        def solve(self, model) -> None:
            self._s.solve(model)
            time.sleep(0.95 * self._limit)

        def __getattr__(self, name):
            return getattr(self._s, name)

    monkeypatch.setattr(lp_module.mbh, "ModelSolverHelper", Slow)
    lp = lp_relaxation(three_items(capacity=(3.0, 4.0)), clock=Clock.after(1.0))
    assert lp.feasible and lp.optimal
    assert lp.bound == pytest.approx(5.5)  # the hand-checked value above


def test_a_model_of_20k_accounts_x_100_sellers_gets_glops_full_lp_with_the_soft_bands() -> None:
    # the geography model of a generated 20k x 100 instance has 59,714 candidate entries: GLOP
    # solves its full LP (soft bands included) in about a second, where PDLP's reduced LP drops
    # the bands (its bound was 2 % lower) and its guide rounded 4.6 % above the optimum
    from allocate.solvers.lagrange import dual_ascent
    from allocate.solvers.problem import AssignmentProblem, Balance

    rng = np.random.default_rng(3)
    n, m, k = 10_000, 100, 6  # 60,000 entries
    seller = np.stack([rng.choice(m, size=k, replace=False) for _ in range(n)]).reshape(-1)
    load = rng.uniform(0.5, 1.5, n * k)
    p = AssignmentProblem(
        capacity=np.full(m, 1.15 * n / m),
        indptr=np.arange(0, n * k + 1, k, dtype=np.int64),
        seller=seller.astype(np.int64),
        # half of the sellers cheaper: without the band they would fill up to capacity
        cost=rng.uniform(0.0, 1.0, n * k) + (seller >= m // 2),
        load=load,
        balance_groups=(np.arange(m),),
        balances=(Balance("load", 0.05, weight=2.0),),
    )
    lp = lp_relaxation(p, seconds=30.0)
    assert lp.optimal and lp.feasible
    # every entry's value is a GLOP vertex's (0 or 1 for all but a few items)
    best = np.maximum.reduceat(lp.x, p.indptr[:-1])
    assert int((best < 1 - 1e-6).sum()) < 0.05 * n
    # the full LP is at least as strong as any Lagrangian dual of it (the bands priced)
    assert lp.bound >= dual_ascent(p, 300).bound - 1e-6 * abs(lp.bound)
