"""The CP-SAT assignment model: variables, constraint families, objective constant, hint."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.sat.python import cp_model

from allocate.solvers.cpsat.model import AssignmentModel
from allocate.solvers.cpsat.solve import solve_model
from allocate.solvers.scaling import scales_for
from tests.solvers.cpsat.conftest import three_items


def _model(p, **kw) -> AssignmentModel:
    return AssignmentModel(p, scales_for(p), **kw)


def test_one_literal_per_candidate_entry(problem) -> None:
    m = _model(problem)
    assert m.entries.tolist() == [0, 1, 2, 3, 4, 5]
    assert m.entry_item.tolist() == [0, 0, 1, 1, 2, 2]
    assert len(m.x) == 6
    # every item once (3 exactly-one), two capacities: no other constraint without options
    constraints = m.model.Proto().constraints
    assert sum(c.has_exactly_one() for c in constraints) == 3
    assert sum(c.has_linear() for c in constraints) == 2
    assert len(constraints) == 5


def test_fixed_items_become_constants(problem) -> None:
    base = np.array([0, 2, 5])
    m = _model(problem, free=np.array([2]), base=base)
    assert m.entries.tolist() == [4, 5]  # only item 2 gets literals
    sc = m.sc
    assert m.base_load.tolist() == [int(sc.loads(np.array([4.0]))[0]), 0]  # items 0, 1 at seller 0
    assert m.base_count.tolist() == [2, 0]
    assert m.offset() == pytest.approx(2.0)  # their travel, 1 + 1


def test_a_strict_free_subset_needs_a_base(problem) -> None:
    with pytest.raises(ValueError, match="base choice"):
        _model(problem, free=np.array([0]))


def test_sellers_restrict_the_entries_but_keep_the_base(problem) -> None:
    base = np.array([0, 2, 5])  # items 0 and 1 at seller 0, item 2 at seller 1
    m = _model(problem, base=base, sellers=np.array([1]))
    # seller 1's entries, plus each item's current entry (it may stay)
    assert m.entries.tolist() == [0, 1, 2, 3, 5]


def test_the_base_is_hinted(problem) -> None:
    m = _model(problem, base=np.array([1, 2, 5]))
    hint = m.model.Proto().solution_hint
    values = dict(zip(hint.vars, hint.values, strict=True))
    assert [values[x.Index()] for x in m.x] == [0, 1, 1, 0, 0, 1]


def test_locks_and_max_items_shape_the_optimum() -> None:
    # item 0 locked to seller 1 (cost 5): item 1 still goes to seller 0, item 2 to seller 1
    p = three_items(fixed=np.array([1, -1, -1]))
    out = solve_model(_model(p), 5.0, 1, 0)
    assert out.status == cp_model.OPTIMAL
    assert out.choice.tolist() == [1, 2, 5]
    assert out.objective == pytest.approx(5 + 1 + 2)
    # at most one account for seller 0: it keeps the item it saves most on (item 0: 4, item 1: 3)
    p = three_items(max_items=np.array([1, -1]))
    out = solve_model(_model(p), 5.0, 1, 0)
    assert out.choice.tolist() == [0, 3, 5]


def test_moves_are_counted_and_capped() -> None:
    # today every item is with seller 1 (room for all three); a move costs 10: nobody moves
    today = np.array([1, 1, 1])
    p = three_items(capacity=(4.0, 6.0), current=today, move_weight=10.0)
    out = solve_model(_model(p), 5.0, 1, 0)
    assert out.choice.tolist() == [1, 3, 5]
    assert out.objective == pytest.approx(5 + 4 + 2)
    # free moves, but at most one: the best single move is item 0 (saves 4), not the optimum's two
    p = three_items(capacity=(4.0, 6.0), current=today, max_moves=1)
    out = solve_model(_model(p), 5.0, 1, 0)
    assert out.choice.tolist() == [0, 3, 5]
    assert out.objective == pytest.approx(1 + 4 + 2)


def test_a_lower_bound_cuts_every_better_objective(problem) -> None:
    m = _model(problem)
    m.add_lower_bound(4.0)  # the optimum: still reachable
    assert solve_model(m, 5.0, 1, 0).objective == pytest.approx(4.0)
    m = _model(problem)
    m.add_lower_bound(4.5)  # above the optimum: the next best, item 1 to seller 1 too (7)
    out = solve_model(m, 5.0, 1, 0)
    assert out.objective == pytest.approx(7.0) and out.choice.tolist() == [0, 3, 5]
    m = _model(problem)
    m.add_lower_bound(float("-inf"))  # nothing added
    assert len(m.model.Proto().constraints) == len(_model(problem).model.Proto().constraints)


def _thirds(tolerance: float, load: float = 1.0):
    """Three sellers of equal capacity (shares of 1/3), six items: a hard count band."""
    from dataclasses import replace

    from allocate.solvers.problem import Balance, dense_problem

    rng = np.random.default_rng(3)
    p = dense_problem(rng.integers(0, 9, size=(3, 6)).astype(float), np.full((3, 6), load), np.full(3, 10.0))
    return replace(p, balance_groups=(np.arange(3),), balances=(Balance("count", tolerance, True),))


def test_a_hard_band_of_thirds_is_exact() -> None:
    # 2 items each meets a band of 0 exactly. A band multiplied out to 1/10,000 (1/3 -> 3333)
    # allowed at most 1.9998 items per seller: "infeasible" without a proof.
    p = _thirds(0.0)
    model = AssignmentModel(p, scales_for(p))
    out = solve_model(model, 5.0, 1, 0)
    assert out.status == cp_model.OPTIMAL and not model.hard_tightened
    assert np.bincount(p.seller[out.choice], minlength=3).tolist() == [2, 2, 2]


def test_a_hard_band_on_rounded_loads_is_tightened_and_says_so() -> None:
    # loads of 1.0004 h are 1.001 h for CP-SAT: the band leaves room for that rounding, and
    # its infeasibility would be no proof
    from dataclasses import replace

    from allocate.solvers.problem import Balance

    p = replace(_thirds(0.5, load=1.0004), balances=(Balance("load", 0.5, True),))
    model = AssignmentModel(p, scales_for(p))
    out = solve_model(model, 5.0, 1, 0)
    assert model.hard_tightened and out.choice is not None
    loads = np.bincount(p.seller[out.choice], weights=p.load[out.choice], minlength=3)
    target = loads.sum() / 3
    assert np.all(loads <= 1.5 * target + 1e-12) and np.all(loads >= 0.5 * target - 1e-12)
