"""The travel of one day: a closed tour from the seller's base through that day's visits.

A day's visits are driven as one tour, not one round trip each. The tour is estimated by the
*nearest-neighbour* rule (from the base, always drive to the closest unvisited stop) improved
by *2-opt* (reverse a segment whenever that shortens the tour, until no reversal helps). On
the handful of stops of a sales day (rarely more than 6) this is within a few percent of the
optimal tour, and usually optimal; :func:`brute_force_tour` enumerates every order and is the
reference in the tests. Travel times are symmetric minutes: the travel model's road estimate
from great-circle distances (or the instance's travel matrix for base-to-account legs).
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import NDArray

from allocate.core.travel import TravelModel, haversine_km


def travel_matrix_min(
    lat: NDArray[np.float64], lon: NDArray[np.float64], model: TravelModel
) -> NDArray[np.float64]:
    """Symmetric travel minutes between the points ``(lat, lon)`` (point 0 is the base).

    Parameters
    ----------
    lat, lon
        Coordinates in degrees, the base first.
    model
        The travel model turning great-circle kilometres into minutes.

    Returns
    -------
    ndarray
        Square matrix of minutes.
    """
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    return model.minutes(haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :]))


def tour_length(dist: NDArray[np.float64], order: list[int] | tuple[int, ...]) -> float:
    """Length of the closed tour base (0) -> ``order`` -> base.

    Parameters
    ----------
    dist
        Square travel minutes, row 0 the base.
    order
        Stops (rows of ``dist``) in driving order.

    Returns
    -------
    float
        Minutes of the tour; 0 for no stops.
    """
    if not order:
        return 0.0
    path = [0, *order, 0]
    return float(sum(dist[a, b] for a, b in zip(path[:-1], path[1:], strict=True)))


def nearest_neighbour_tour(dist: NDArray[np.float64]) -> list[int]:
    """Stops ``1..n-1`` in nearest-neighbour order from the base 0 (ties: lowest index).

    Parameters
    ----------
    dist
        Square travel minutes, row 0 the base.

    Returns
    -------
    list of int
        Every stop once, in driving order.
    """
    n = len(dist)
    left = list(range(1, n))
    order: list[int] = []
    here = 0
    while left:
        k = min(range(len(left)), key=lambda j: (dist[here, left[j]], left[j]))
        here = left.pop(k)
        order.append(here)
    return order


def two_opt(dist: NDArray[np.float64], order: list[int]) -> list[int]:
    """Improve a closed tour by segment reversals until no reversal shortens it.

    Parameters
    ----------
    dist
        Square travel minutes, row 0 the base.
    order
        Stops in driving order (the base is not listed).

    Returns
    -------
    list of int
        The same stops in an order no single reversal shortens.
    """
    path = [0, *order, 0]
    n = len(path)
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 2):
            for j in range(i + 1, n - 1):
                a, b, c, d = path[i - 1], path[i], path[j], path[j + 1]
                if dist[a, c] + dist[b, d] < dist[a, b] + dist[c, d] - 1e-9:
                    path[i : j + 1] = path[i : j + 1][::-1]
                    improved = True
    return path[1:-1]


def estimate_tour(dist: NDArray[np.float64]) -> tuple[list[int], float]:
    """Nearest neighbour + 2-opt: the order of stops ``1..n-1`` and the tour length.

    Parameters
    ----------
    dist
        Square travel minutes, row 0 the base.

    Returns
    -------
    order : list of int
        The stops in driving order.
    length : float
        Minutes of the closed tour.
    """
    order = two_opt(dist, nearest_neighbour_tour(dist))
    return order, tour_length(dist, order)


def brute_force_tour(dist: NDArray[np.float64]) -> tuple[list[int], float]:
    """The optimal closed tour by enumeration (for checks; ``n - 1 <= 8`` stops).

    Parameters
    ----------
    dist
        Square travel minutes, row 0 the base.

    Returns
    -------
    order : list of int
        The stops in the first shortest order found.
    length : float
        Minutes of that tour.

    Raises
    ------
    ValueError
        With more than 8 stops.
    """
    n = len(dist)
    if n - 1 > 8:
        raise ValueError(f"brute force on {n - 1} stops is too slow; use estimate_tour")
    best: tuple[list[int], float] = ([], 0.0)
    first = True
    for perm in itertools.permutations(range(1, n)):
        length = tour_length(dist, perm)
        if first or length < best[1] - 1e-12:
            best, first = (list(perm), length), False
    return best


def cheapest_insertion(
    dist: NDArray[np.float64], order: list[int], stop: int
) -> tuple[list[int], float]:
    """Insert ``stop`` where it lengthens the closed tour ``order`` least; new order and length.

    Parameters
    ----------
    dist
        Square travel minutes, row 0 the base.
    order
        The current tour's stops in driving order.
    stop
        The stop to insert (a row of ``dist`` not in ``order``).

    Returns
    -------
    order : list of int
        The new tour's stops.
    length : float
        Minutes of the new tour.
    """
    path = [0, *order, 0]
    best_k, best_add = 1, float("inf")
    for k in range(1, len(path)):
        add = dist[path[k - 1], stop] + dist[stop, path[k]] - dist[path[k - 1], path[k]]
        if add < best_add - 1e-12:
            best_k, best_add = k, add
    new = path[1:best_k] + [stop] + path[best_k:-1]
    return new, tour_length(dist, new)
