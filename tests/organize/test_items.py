"""Rows and bundles: what must share one seller becomes one solver item."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from allocate import read_instance
from allocate.core.scenario import Scenario
from allocate.organize.items import bundle_rows
from allocate.organize.presets import build_model
from tests.unit_grid import write_grid


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory):
    return read_instance(write_grid(tmp_path_factory.mktemp("grid")))


def test_one_bundle_per_row_without_groups(tiny) -> None:
    account = np.array([0, 1, 1, 2])
    out = bundle_rows(tiny, account, ("", "payroll", "hr", ""), by_unit=False)
    assert out.tolist() == [0, 1, 2, 3]


def test_groups_and_units_share_a_bundle_per_key(grid) -> None:
    acc = grid.accounts
    group = np.full(len(acc), -1, dtype=np.int64)
    group[[0, 4]] = 0  # accounts 0 and 4 form a multi-site group
    unit = acc.unit.copy()
    unit[2] = unit[1]  # account 2 moved into account 1's unit
    inst = replace(grid, accounts=replace(acc, group=group, unit=unit))
    account = np.array([0, 4, 1, 2, 1, 3])
    key = ("a", "a", "a", "a", "b", "a")
    out = bundle_rows(inst, account, key, by_unit=True).tolist()
    assert out[0] == out[1]  # the group, same key
    assert out[2] == out[3]  # one unit, same key
    assert out[4] not in out[:4]  # same unit, another key
    assert len(set(out)) == 4
    # without units, the two accounts of one unit are apart
    out = bundle_rows(inst, account, key, by_unit=False).tolist()
    assert out[2] != out[3] and out[0] == out[1]


def test_the_geography_model_problem(grid) -> None:
    mp = build_model(grid, Scenario(model="geography"))
    assert mp.problem.n_items == 9 and len(mp.rows) == 9
    assert sorted(mp.rows.bundle.tolist()) == list(range(9))
    assert mp.problem.n_sellers == 2 and mp.sellers.tolist() == [0, 1]
    # every account is a customer served weekly: 1.5 h of desk time plus travel
    assert np.all(mp.problem.load >= 1.5)
