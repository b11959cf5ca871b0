"""Travel time between seller bases and accounts.

Road travel is estimated from the great-circle (haversine) distance times a *circuity* factor
(roads are not straight; 1.3 is a common figure for European and US road networks) divided by an
average door-to-door speed. A user-supplied matrix (``travel.csv`` of the instance folder, read by
:func:`allocate.io.instance.read_instance`) can replace the estimate.

Large instances never get a dense accounts × sellers matrix: :func:`nearest_sellers` uses a
k-d tree on 3-D unit vectors to return the ``k`` nearest bases of each account (a sparse matrix).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class TravelModel:
    """Parameters of the travel estimate.

    Parameters
    ----------
    circuity
        Road distance divided by great-circle distance.
    speed_kmh
        Average door-to-door speed.
    """

    circuity: float = 1.3
    speed_kmh: float = 70.0

    def __post_init__(self) -> None:
        if not self.circuity >= 1.0:
            raise ValueError(f"circuity must be >= 1, got {self.circuity}")
        if not self.speed_kmh > 0:
            raise ValueError(f"speed_kmh must be > 0, got {self.speed_kmh}")

    def minutes(self, km: ArrayLike) -> NDArray[np.float64]:
        """One-way travel minutes for great-circle distances ``km``.

        Parameters
        ----------
        km
            Great-circle distances (scalar or array).

        Returns
        -------
        numpy.ndarray
            ``km × circuity / speed_kmh × 60``.
        """
        return np.asarray(km, dtype=np.float64) * self.circuity / self.speed_kmh * 60.0


def haversine_km(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle (haversine) distance in km on a sphere of radius :data:`EARTH_RADIUS_KM`.

    Parameters
    ----------
    lat1, lon1, lat2, lon2
        Degrees; they broadcast like numpy arrays.

    Returns
    -------
    numpy.ndarray
        Distances in km.
    """
    p1, l1, p2, l2 = (np.radians(np.asarray(x, dtype=np.float64)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _unit_vectors(lat: ArrayLike, lon: ArrayLike) -> NDArray[np.float64]:
    phi, lam = np.radians(np.asarray(lat, dtype=np.float64)), np.radians(np.asarray(lon, dtype=np.float64))
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def _lat_lon(v: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    return np.degrees(np.arcsin(np.clip(v[:, 2], -1, 1))), np.degrees(np.arctan2(v[:, 1], v[:, 0]))


def nearest_sellers(
    acc_lat: ArrayLike,
    acc_lon: ArrayLike,
    sel_lat: ArrayLike,
    sel_lon: ArrayLike,
    k: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The ``k`` nearest seller bases of each account, by great-circle distance.

    Sellers at the same base count as one: the result holds every seller of the ``k``
    nearest distinct bases, padded with ``-1`` (distance ``inf``) where rows differ in width.

    Parameters
    ----------
    acc_lat, acc_lon
        Account positions in degrees.
    sel_lat, sel_lon
        Seller bases in degrees.
    k
        Number of distinct bases wanted per account (at most the number of bases).

    Returns
    -------
    (idx, km)
        Arrays of shape ``(n_accounts, width)``, sorted by distance.
    """
    sel = _unit_vectors(sel_lat, sel_lon)
    # Sellers sharing an office are all candidates together: search the k nearest distinct
    # bases, then expand (otherwise accounts near a big office would see only k of its sellers).
    bases, base_of = np.unique(np.round(sel, 9), axis=0, return_inverse=True)
    base_of = np.asarray(base_of).reshape(-1)
    if len(bases) < len(sel):
        idx_b, km_b = nearest_sellers(acc_lat, acc_lon, *_lat_lon(bases), k)
        # the sellers of each base, in index order, padded with -1 to the largest base
        size = np.bincount(base_of, minlength=len(bases))
        by_base = np.argsort(base_of, kind="stable")
        slot = np.arange(len(sel)) - np.repeat(np.cumsum(size) - size, size)
        members = np.full((len(bases), int(size.max())), -1, dtype=np.int64)
        members[base_of[by_base], slot] = by_base
        n = len(idx_b)
        cols = members[idx_b].reshape(n, -1)  # each account's bases' sellers, nearest first
        dist = np.repeat(km_b, members.shape[1], axis=1)
        # move the padding to the end of each row, keeping the order of the sellers
        pack = np.argsort(cols < 0, axis=1, kind="stable")
        cols = np.take_along_axis(cols, pack, axis=1)
        dist = np.where(cols >= 0, np.take_along_axis(dist, pack, axis=1), np.inf)
        width = int((cols >= 0).sum(axis=1).max()) if n else 0
        return cols[:, :width], dist[:, :width]
    k = int(min(k, len(sel)))
    if k <= 0:
        n = len(np.atleast_1d(acc_lat))
        return np.zeros((n, 0), dtype=np.int64), np.zeros((n, 0))
    from scipy.spatial import cKDTree  # here: scipy.spatial costs every command 0.3 s to import

    tree = cKDTree(sel)
    chord, idx = tree.query(_unit_vectors(acc_lat, acc_lon), k=k)
    chord = np.asarray(chord).reshape(-1, k)
    idx = np.asarray(idx, dtype=np.int64).reshape(-1, k)
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0.0, 1.0))
    return idx, km
