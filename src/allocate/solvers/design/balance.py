"""Balance bands: each territory's total of every measure within ±tau of the mean."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: Weight of the square term of :meth:`Bands.excess`.
QUAD = 5.0


@dataclass(frozen=True)
class Bands:
    """The band of every measure: ``lo[m] <= total of a territory <= hi[m]``.

    Parameters
    ----------
    mean
        The mean per territory of each measure (total / K).
    tolerance
        The relative tolerance of each measure.
    """

    mean: NDArray[np.float64]
    tolerance: NDArray[np.float64]

    def __post_init__(self) -> None:
        mean = np.asarray(self.mean, dtype=np.float64)
        scale = np.where(mean > 0, mean, 1.0)
        object.__setattr__(self, "_scale", scale)
        # a margin far below the checker's slack (1e-12 of the mean): exact bands stay usable
        object.__setattr__(self, "_lo", mean * (1.0 - self.tolerance) - 1e-13 * scale)
        object.__setattr__(self, "_hi", mean * (1.0 + self.tolerance) + 1e-13 * scale)

    @classmethod
    def of(
        cls, weights: NDArray[np.float64], k: int, tolerance: NDArray[np.float64] | float
    ) -> Bands:
        """The bands of the measures ``weights`` (units x measures) for ``k`` territories."""
        w = np.asarray(weights, dtype=np.float64).reshape(len(weights), -1)
        tol = np.broadcast_to(np.asarray(tolerance, dtype=np.float64), (w.shape[1],)).copy()
        return cls(mean=w.sum(axis=0) / k, tolerance=tol)

    @property
    def scale(self) -> NDArray[np.float64]:
        """The divisor that turns an amount into a share of the mean (1 for a zero mean)."""
        return self._scale  # type: ignore[attr-defined,no-any-return]

    @property
    def lo(self) -> NDArray[np.float64]:
        """Lowest total allowed, per measure (the band, to 1e-13 of the mean)."""
        return self._lo  # type: ignore[attr-defined,no-any-return]

    @property
    def hi(self) -> NDArray[np.float64]:
        """Highest total allowed, per measure (the band, to 1e-13 of the mean)."""
        return self._hi  # type: ignore[attr-defined,no-any-return]

    def excess(self, totals: NDArray[np.float64]) -> NDArray[np.float64]:
        """The amount outside the bands, as a share of the mean, summed over measures.

        ``totals`` has measures on its last axis; the result drops that axis. Each amount
        ``e`` counts ``e + QUAD x e**2``: the square term makes a transfer from a territory
        slightly outside its band to one far outside it an improvement. It is 0 exactly when
        every total is inside its band.
        """
        # a total is above hi or below lo, never both: the larger gap, when positive
        over = np.maximum(totals - self._hi, self._lo - totals)  # type: ignore[attr-defined]
        over = np.maximum(over, 0.0) / self._scale  # type: ignore[attr-defined]
        return (over + QUAD * over**2).sum(axis=-1)  # type: ignore[no-any-return]


def deviations(totals: NDArray[np.float64], mean: NDArray[np.float64]) -> NDArray[np.float64]:
    """The relative deviation ``|total - mean| / mean`` of each territory and measure."""
    scale = np.where(mean > 0, mean, 1.0)
    return np.abs(totals - mean) / scale
