"""Incremental territory pieces equal a full recount after random moves."""

from __future__ import annotations

import numpy as np

from allocate.serve.territory import TerritoryPieces
from allocate.solvers.contiguity.graph import seller_units, territory_components


def _grid(n: int) -> tuple[tuple[int, ...], ...]:
    nb = []
    for u in range(n * n):
        i, j = divmod(u, n)
        nb.append(tuple(v for v, ok in ((u - n, i > 0), (u + n, i < n - 1), (u - 1, j > 0), (u + 1, j < n - 1)) if ok))
    return tuple(nb)


def test_pieces_follow_random_moves() -> None:
    rng = np.random.default_rng(5)
    nb = _grid(8)
    unit = np.r_[np.arange(64), rng.integers(0, 64, 40), [-1, -1]]
    seller = (unit % 8 >= 4).astype(np.int64) + 2 * (unit >= 32)  # four quadrants: one piece each
    seller[unit < 0] = 0
    tp = TerritoryPieces(nb, unit, seller)
    assert tp.split() == {}
    for _ in range(30):
        rows = rng.choice(len(unit), size=int(rng.integers(1, 6)), replace=False)
        new = rng.integers(0, 4, size=len(rows))
        tp.move(unit[rows], seller[rows].copy(), new)
        seller[rows] = new
        keep = unit >= 0
        full = {s: len(c) for s, c in territory_components(nb, seller_units(unit[keep], seller[keep])).items() if len(c) > 1}
        assert tp.split() == full
