"""Instances of the workflow tests: the 3 x 3 grid and a generated French instance."""

from __future__ import annotations

import numpy as np
import pytest

from allocate import read_instance
from allocate.core.scenario import BalanceSet, Scenario, Weights
from tests.unit_grid import write_grid


@pytest.fixture(scope="session")
def fr300(tmp_path_factory: pytest.TempPathFactory):
    from allocate.generate import generate_instance
    from allocate.generate import write_instance as write_generated

    folder = tmp_path_factory.mktemp("fr300")
    write_generated(generate_instance("FR", 300, 4, 5), folder)
    return read_instance(folder)


@pytest.fixture(scope="session")
def grid(tmp_path_factory: pytest.TempPathFactory):
    return read_instance(write_grid(tmp_path_factory.mktemp("grid")))


def grid_scenario(**kw) -> Scenario:
    """Travel only: no balance, no compactness, nobody has a current seller."""
    options = {
        "model": "geography",
        "balance": BalanceSet(workload=None, potential=None, count=None),
        "weights": Weights(travel=1.0, move=0.0, compactness=0.0),
        "time_limit_s": 4,
    }
    return Scenario(**(options | kw))


def a_cells(instance, result) -> set[str]:
    """The cells of seller A's accounts (``"00"`` for c00...)."""
    sel = np.asarray(result.alignment.seller)
    return {
        instance.accounts.ids[a][1:]
        for a, s in zip(result.alignment.account, sel, strict=True)
        if instance.sellers.ids[s] == "A"
    }


def bundle_choice(mp, sellers: np.ndarray) -> np.ndarray:
    """The candidate entry of each bundle, from the alignment's seller per row."""
    choice = np.empty(mp.problem.n_items, dtype=np.int64)
    for r, b in enumerate(mp.rows.bundle):
        choice[b] = mp.problem.candidate_index(int(b), int(sellers[r]))
    assert (choice >= 0).all()
    return choice
