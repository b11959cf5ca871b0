"""Measures summed per node."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from allocate.core.errors import InputError
from allocate.design.measures import account_measure, node_measures
from allocate.io import read_instance
from tests.conftest import TINY_ACCOUNTS, TINY_SELLERS, write_instance


def test_built_in_and_column_measures(tmp_path: Path) -> None:
    inst = read_instance(write_instance(tmp_path / "tiny", TINY_ACCOUNTS, TINY_SELLERS))
    node = np.array([0, 0, 1, 1])
    w = node_measures(
        inst, node, 2, ["count", "potential", "visits"], {"visits": np.array([1.0, 2.0, 3.0, 4.0])}
    )
    assert w.tolist() == [[2, 30000, 3], [2, 70000, 7]]
    wl = account_measure(inst, "workload", {})
    assert wl.shape == (4,) and np.all(wl > 0)


def test_unknown_or_bad_measures(tmp_path: Path) -> None:
    inst = read_instance(write_instance(tmp_path / "tiny", TINY_ACCOUNTS, TINY_SELLERS))
    with pytest.raises(InputError, match="unknown measure"):
        account_measure(inst, "nope", {})
    with pytest.raises(InputError, match="row 3"):
        account_measure(inst, "x", {"x": np.array([1.0, -1.0, 0.0, 0.0])})
