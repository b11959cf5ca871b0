"""Offline geocoding: each method, in order, and never a silent guess."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocate.io.crm.geocode import Geocoder, normalize_name

#: the 15,000-inhabitant list loads fast and still holds the towns below
GEO = Geocoder({"75001": (48.862, 2.336)}, {"frankreich": "FR"}, "", 15000)


def test_given_coordinates_win() -> None:
    p = GEO.locate(lat="45.5", lon="4,8", postcode="75001", city="Paris", country="FR")
    assert (p.lat, p.lon, p.method) == (45.5, 4.8, "given")


def test_postcode_through_units_then_says_what_was_wrong_before() -> None:
    p = GEO.locate(lat="48.9", lon="", postcode="75001", country="France")
    assert (p.lat, p.lon, p.method) == (48.862, 2.336, "units")
    assert "latitude without longitude" in p.detail  # the fallback is not silent


def test_us_zip_and_zip_plus_4() -> None:
    p = GEO.locate(postcode="10001-1234", country="USA")
    assert p.method == "zip" and p.lat == pytest.approx(40.75, abs=0.05) and "ZIP+4" in p.detail
    assert GEO.locate(postcode="98101", country="").method == "zip"  # no country: a ZIP is tried


def test_city_with_country_name_alias_and_accents() -> None:
    p = GEO.locate(city="St-Etienne", country="Frankreich")
    assert p.method == "city" and p.lat == pytest.approx(45.43, abs=0.05)


def test_ambiguous_city_is_flagged_not_guessed() -> None:
    p = GEO.locate(city="Springfield", country="United States")
    assert not p.found and p.method == "none" and "ambiguous" in p.detail


def test_region_resolves_the_ambiguity() -> None:
    p = GEO.locate(city="Springfield", region="Illinois", country="US")
    assert p.method == "city" and p.lat == pytest.approx(39.80, abs=0.05)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({}, "no coordinates, postcode or city"),
        ({"city": "Paris"}, "without a known country"),
        ({"city": "Atlantis", "country": "FR"}, "not found"),
        ({"city": "Paris", "country": "Narnia"}, "country 'Narnia' not known"),
        ({"lat": "95", "lon": "2"}, "out of range"),
        ({"lat": "north", "lon": "2"}, "not numbers"),
        ({"postcode": "00000", "country": "US"}, "ZIP code 00000 not found"),
    ],
)
def test_failures_say_why(kwargs: dict, reason: str) -> None:
    p = GEO.locate(**kwargs)
    assert not p.found and reason in p.detail


def test_normalize_name() -> None:
    assert normalize_name("Saint-Étienne") == normalize_name("ST ETIENNE") == "saint etienne"


@settings(max_examples=200, deadline=None)
@given(
    lat=st.text(max_size=12), lon=st.text(max_size=12), postcode=st.text(max_size=12),
    city=st.text(max_size=20), region=st.text(max_size=6), country=st.sampled_from(["", "FR", "US", "xx", "France"]),
)
def test_never_crashes_and_always_says_how(lat, lon, postcode, city, region, country) -> None:
    p = GEO.locate(lat=lat, lon=lon, postcode=postcode, city=city, region=region, country=country)
    assert p.method in ("given", "units", "zip", "city", "none")
    assert p.found == (p.method != "none") and p.detail
    if p.found:
        assert -90 <= p.lat <= 90 and -180 <= p.lon <= 180
