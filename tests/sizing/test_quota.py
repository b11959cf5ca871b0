"""Seller quotas: the split keeps the total, the bounds and the shares; attainability is checked."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocate.core.errors import InputError
from allocate.core.quota import QuotaSpec
from allocate.sizing.quota import seller_quotas, split_target, win_probability


def test_proportional_split_without_bounds() -> None:
    q = split_target(1000.0, np.array([1.0, 3.0]))
    assert q.tolist() == [250.0, 750.0]


def test_a_floor_is_met_and_the_rest_is_spread_in_proportion() -> None:
    q = split_target(1000.0, np.array([0.0, 1.0, 3.0]), floor=100.0)
    assert q[0] == 100.0
    assert q.sum() == pytest.approx(1000.0)
    assert q[2] / q[1] == pytest.approx(3.0)  # the free sellers keep their ratio


def test_a_cap_is_met_and_the_rest_goes_to_the_others() -> None:
    q = split_target(1000.0, np.array([8.0, 1.0, 1.0]), cap=500.0)
    assert q.tolist() == pytest.approx([500.0, 250.0, 250.0])


def test_rounding_keeps_the_total_and_gives_multiples() -> None:
    q = split_target(1000.0, np.array([1.0, 1.0, 1.0]), rounding=10.0)
    assert q.sum() == 1000.0 and all(v % 10 == 0 for v in q)
    assert sorted(q.tolist()) == [330.0, 330.0, 340.0]


@pytest.mark.parametrize(
    ("floor", "cap", "column"),
    [(400.0, None, "quota.floor"), (None, 300.0, "quota.cap")],  # 3 x 400 > 1000; 3 x 300 < 1000
)
def test_impossible_bounds_are_bad_input(floor: float | None, cap: float | None, column: str) -> None:
    with pytest.raises(InputError) as err:
        split_target(1000.0, np.ones(3), floor=floor, cap=cap, source="scenario.yaml")
    assert err.value.problems[0].column == column and err.value.problems[0].file == "scenario.yaml"


@settings(max_examples=150, deadline=None)
@given(
    weights=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=12),
    total=st.floats(1, 1e9),
    floor_share=st.floats(0, 1),
    cap_share=st.floats(1, 5),
)
def test_any_feasible_split_keeps_total_and_bounds(weights, total, floor_share, cap_share) -> None:
    n = len(weights)
    floor, cap = floor_share * total / n, cap_share * total / n
    q = split_target(total, np.array(weights), floor=floor, cap=cap)
    assert q.sum() == pytest.approx(total, rel=1e-9)
    assert (q >= floor - 1e-6 * total).all() and (q <= cap + 1e-6 * total).all()


def test_win_probability_follows_the_conversion_rates(tiny) -> None:
    nom = tiny.nomenclature
    p = win_probability(nom)
    c = nom.conversion
    assert p["opportunity"] == pytest.approx(c["opportunity"])
    assert p["lead"] == pytest.approx(c["lead"] * c["prospect"] * c["opportunity"])
    assert p["customer"] == pytest.approx(1 - nom.churn_rate)


def test_seller_quotas_recomputed_by_hand(tiny) -> None:
    acc = tiny.accounts
    owner = np.array(acc.current_seller)
    table = seller_quotas(tiny, owner, QuotaSpec(total=100_000))
    pot = np.bincount(owner, weights=acc.potential, minlength=len(tiny.sellers))
    assert table["quota"].to_numpy() == pytest.approx(100_000 * pot / pot.sum(), abs=0.01)
    p = win_probability(tiny.nomenclature)
    reach = [sum(acc.potential[a] * p[acc.stage[a]] for a in range(len(acc)) if owner[a] == s)
             for s in range(len(tiny.sellers))]
    assert table["reachable"].to_numpy() == pytest.approx(reach, abs=0.01)
    assert table["attainable"].tolist() == [q <= r + 1e-6 for q, r in zip(table["quota"], reach, strict=True)]


def test_history_method_needs_history(tiny) -> None:
    with pytest.raises(InputError, match="history"):
        seller_quotas(tiny, np.array(tiny.accounts.current_seller), QuotaSpec(total=10, method="history"))
    hist = np.arange(len(tiny.accounts), dtype=float) + 1
    t = seller_quotas(tiny, np.array(tiny.accounts.current_seller), QuotaSpec(total=10, method="history"), hist)
    assert t["quota"].sum() == pytest.approx(10)


def test_rounding_steps_outside_floor_and_cap_are_refused() -> None:
    # a cap of 1,500 leaves one step of 1,000 per seller: 3 sellers reach 3,000, not 4,000
    with pytest.raises(InputError, match="adds up to the total"):
        split_target(4000.0, np.array([1.0, 2.0, 3.0]), floor=700.0, cap=1500.0, rounding=1000.0)
