"""Derivations: segment thresholds, stages, roles, owners (15/18-character ids) and groups."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocate.core.nomenclature import ROLES
from allocate.io.crm.derive import (
    OwnerIndex,
    group_roots,
    parse_number,
    role_of,
    segment_of,
    stage_of,
)
from allocate.io.crm.mapping import DEFAULT_SEGMENTS, Source, preset


@pytest.mark.parametrize(
    ("employees", "segment"),
    [(0, "micro"), (9, "micro"), (10, "small"), (49, "small"), (50, "mid"), (249, "mid"), (250, "large"), (1e6, "large")],
)
def test_default_segment_thresholds(employees: float, segment: str) -> None:
    assert segment_of(employees, DEFAULT_SEGMENTS) == segment


def test_configured_thresholds() -> None:
    assert segment_of(30, {"small": 20, "big": None}) == "big"


@pytest.mark.parametrize(
    ("text", "value"),
    [("1234.5", 1234.5), ("1 234,5", 1234.5), ("12 000 000", 12e6), ("$1,234", 1234.0), ("7,5", 7.5),
     ("", None), ("n/a", None), ("12k", None)],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


def test_stages_of_each_crm() -> None:
    sf, hs = preset(Source.SALESFORCE).values["stage"], preset(Source.HUBSPOT).values["stage"]
    assert stage_of("Customer - Direct", sf) == "customer"
    assert stage_of("  customer -  direct ", sf) == "customer"  # case and spaces do not matter
    assert stage_of("Sales Qualified Lead", hs) == "prospect"
    assert stage_of("opportunity", {}) == "opportunity"  # our own stage names pass
    assert stage_of("Partner", sf) is None


@pytest.mark.parametrize(
    ("title", "role"),
    [("Account Executive - West", "AE"), ("Account Executives", "AE"), ("SDR", "SDR"),
     ("Business Development Rep", "SDR"), ("Customer Success Manager", "CSM"), ("Inbound desk", "MRR"),
     ("Aerospace engineer", "generalist"), ("", "generalist")],
)
def test_roles_from_titles(title: str, role: str) -> None:
    assert role_of(title, {}, "generalist")[0] == role


def test_role_table_wins_over_words() -> None:
    assert role_of("Account Executive", {"account executive": "CSM"}, "generalist") == ("CSM", "values.role")


@given(st.text(max_size=60))
def test_any_title_gives_a_known_role(title: str) -> None:
    assert role_of(title, {}, "generalist")[0] in ROLES


def test_owner_by_id_15_char_id_email_and_name() -> None:
    idx = OwnerIndex(["0055e000001AbCf", "0055e000001AbCdAAK"], ["ines@x.fr", ""], ["Inès Durand", "Élodie Martin"])
    assert idx.find("0055e000001AbCfAAK") == ("0055e000001AbCf", "15-character id")
    assert idx.find("0055e000001AbCdAAK") == ("0055e000001AbCdAAK", "id")
    assert idx.find("INES@x.fr") == ("0055e000001AbCf", "e-mail")
    assert idx.find("élodie martin") == ("0055e000001AbCdAAK", "name")
    assert idx.find("0055e000001AbCF")[0] is None  # ids are case-sensitive
    assert idx.find("Nobody") == (None, "not in the users file")


def test_two_users_with_one_name_is_no_match() -> None:
    assert OwnerIndex(["1", "2"], ["", ""], ["Jo", "Jo"]).find("Jo")[0] is None


def test_group_roots_follow_the_chain_and_survive_cycles() -> None:
    groups, cycles = group_roots(["A", "B", "C", "D", "E", "F"], ["", "A", "B", "", "F", "E"])
    assert groups[:4] == ["A", "A", "A", ""]
    assert cycles == [4, 5]
    assert groups2(["X"], ["OUT"]) == ["OUT"]  # a parent outside the file is the group


def groups2(ids: list[str], parents: list[str]) -> list[str]:
    return group_roots(ids, parents)[0]
