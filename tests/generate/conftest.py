"""Two generated instances shared by the generator's tests (drawing one takes seconds)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from allocate.generate import GeneratedInstance, generate_instance
from allocate.generate.towns import country_towns


@pytest.fixture(scope="session")
def fr() -> GeneratedInstance:
    return generate_instance("FR", 2000, 30, seed=11)


@pytest.fixture(scope="session")
def us() -> GeneratedInstance:
    return generate_instance("US", 1000, 16, seed=5, multisite_share=0.25, max_units=300)


def region_of(country: str, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """admin1 code of the nearest real town (accounts are jittered by at most ~1.4 km)."""
    towns = country_towns(country)
    _, idx = cKDTree(np.column_stack([towns.lat, towns.lon])).query(np.column_stack([lat, lon]))
    return np.array(towns.admin1)[idx]
