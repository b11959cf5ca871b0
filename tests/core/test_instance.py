"""Plain instance data: shapes checked, arrays read-only, skills, travel matrix lookup."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from allocate.core.instance import WORKDAYS_PER_WEEK, TravelMatrix, Units, read_only, short_weeks
from allocate.core.travel import TravelModel


def test_accounts_arrays_are_read_only(build):
    acc = build.accounts([48.0, 45.0], [2.0, 4.0])
    assert len(acc) == 2
    for name in ("lat", "lon", "potential", "group", "current_seller", "locked", "unit"):
        assert not getattr(acc, name).flags.writeable, name
    with pytest.raises(ValueError):
        acc.lat[0] = 0.0


def test_accounts_shapes_must_match_ids(build):
    acc = build.accounts([48.0, 45.0], [2.0, 4.0])
    with pytest.raises(ValueError, match=r"Accounts.potential has shape \(3,\), expected \(2,\)"):
        dataclasses.replace(acc, potential=np.ones(3))
    with pytest.raises(ValueError, match="Accounts.stage has 1 rows, expected 2"):
        dataclasses.replace(acc, stage=("lead",))


def test_sellers_daily_h_defaults_to_nan(build):
    sel = build.sellers([48.0, 45.0], [2.0, 4.0])
    assert len(sel) == 2
    assert np.isnan(sel.daily_h).all() and not sel.daily_h.flags.writeable
    with pytest.raises(ValueError, match=r"Sellers.capacity_h has shape \(1,\), expected \(2,\)"):
        dataclasses.replace(sel, capacity_h=np.array([40.0]))


def test_sellers_skills_empty_means_all(build):
    sel = build.sellers(
        [48.0, 45.0], [2.0, 4.0], segments=((), ("mid", "large")), product_lines=(("hr",), ())
    )
    assert sel.serves_segment(0, "micro")
    assert sel.serves_segment(1, "large") and not sel.serves_segment(1, "small")
    assert sel.serves_line(0, "hr") and not sel.serves_line(0, "payroll")
    assert sel.serves_line(1, "payroll")


def test_short_weeks():
    assert WORKDAYS_PER_WEEK == 5
    daily = np.array([8.0, 7.0, np.nan, 10.0])
    weekly = np.array([40.0, 40.0, 40.0, 35.0])
    # 7 h × 5 days = 35 h < 40 h; NaN means no daily limit
    assert short_weeks(daily, weekly).tolist() == [1]


def test_travel_matrix_lookup():
    tm = TravelMatrix(
        seller=np.array([0, 1, 1]), account=np.array([1, 0, 1]), minutes=np.array([5.0, 7.0, 9.0])
    )
    hit, minutes = tm.lookup(np.array([1, 0, 0, 1]), np.array([1, 1, 0, 0]))
    assert hit.tolist() == [True, True, False, True]
    assert minutes[hit].tolist() == [9.0, 5.0, 7.0]
    assert tm.as_dict() == {(0, 1): 5.0, (1, 0): 7.0, (1, 1): 9.0}


def test_travel_matrix_lookup_does_not_alias_accounts_beyond_its_range():
    # keys are seller * 2 + account: (0, 3) would collide with (1, 1) without the range check
    tm = TravelMatrix(seller=np.array([1]), account=np.array([1]), minutes=np.array([9.0]))
    hit, _ = tm.lookup(np.array([0]), np.array([3]))
    assert hit.tolist() == [False]


def test_empty_travel_matrix_has_no_pair():
    tm = TravelMatrix(
        seller=np.zeros(0, dtype=np.int64), account=np.zeros(0, dtype=np.int64), minutes=np.zeros(0)
    )
    hit, minutes = tm.lookup(np.array([0, 1]), np.array([0, 0]))
    assert hit.tolist() == [False, False] and minutes.shape == (2,)


def test_instance_indices_and_product_lines(build):
    acc = build.accounts([48.0, 45.0, 46.0], [2.0, 4.0, 5.0])
    acc = dataclasses.replace(acc, product_lines=(("payroll", "hr"), ("hr",), ("crm", "payroll")))
    inst = build.instance(acc, build.sellers([48.0], [2.0]))
    assert inst.product_lines == ("payroll", "hr", "crm")  # first-seen order
    assert inst.seller_index() == {"S0": 0}
    assert inst.account_index() == {"A0": 0, "A1": 1, "A2": 2}
    assert inst.travel == TravelModel() and inst.units is None and inst.travel_matrix is None


def test_units_length():
    units = Units(ids=("u1", "u2"), geometry=(None, None), neighbours=((1,), (0,)))
    assert len(units) == 2


def test_read_only_freezes_in_place_or_copies():
    a = np.arange(4, dtype=np.int64)
    out = read_only(a)
    assert out is a and not a.flags.writeable
    strided = np.arange(8.0)[::2]
    frozen = read_only(strided, dtype=np.int64)
    assert frozen.flags.c_contiguous and not frozen.flags.writeable
    assert frozen.dtype == np.int64 and frozen.tolist() == [0, 2, 4, 6]
    assert strided.flags.writeable  # the copy is frozen, not the caller's array
    assert read_only([1.5, 2.5]).tolist() == [1.5, 2.5]
    with pytest.raises(ValueError, match="read-only"):
        out[0] = 1
