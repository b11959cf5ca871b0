"""The per-country tables."""

from __future__ import annotations

import re

import pytest

from allocate.generate.countries import COUNTRIES, FR, US


def test_countries_are_keyed_by_their_code() -> None:
    assert COUNTRIES == {"FR": FR, "US": US}
    assert all(spec.code == code for code, spec in COUNTRIES.items())


@pytest.mark.parametrize("code", ["FR", "US"])
def test_tables_are_sane(code: str) -> None:
    spec = COUNTRIES[code]
    lat_min, lat_max, lon_min, lon_max = spec.bbox
    assert -90 < lat_min < lat_max < 90 and -180 < lon_min < lon_max < 180
    assert spec.group_spread_km > 0 and spec.link_km > 0
    for words in (spec.legal_forms, spec.company_prefixes, spec.company_words, spec.first_names, spec.last_names):
        assert words and len(set(words)) == len(words)


def test_district_patterns_catch_districts_only() -> None:
    fr = re.compile(FR.district_pattern)
    assert fr.match("Paris 11e Arrondissement") and fr.match("Lyon 03")
    assert not fr.match("Paris") and not fr.match("Lyon")
    us = re.compile(US.district_pattern)
    assert us.match("Brooklyn") and us.match("The Bronx")
    assert not us.match("New York City") and not us.match("Brooklyn Park")
    assert US.excluded_admin1 == {"AK", "HI"} and not FR.excluded_admin1
