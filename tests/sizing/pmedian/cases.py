"""Brute-force optimum of small uncapacitated p-medians, shared by the p-median tests."""

from __future__ import annotations

import itertools

import numpy as np


def brute_force(cost: np.ndarray, p: int) -> float:
    """Optimal uncapacitated value by enumerating every set of p candidates."""
    return min(
        float(cost[:, list(medians)].min(axis=1).sum())
        for medians in itertools.combinations(range(cost.shape[1]), p)
    )
