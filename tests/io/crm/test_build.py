"""Building the tables: derivations, every row in the report, bad input before any write."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocate.core.errors import InputError
from allocate.core.nomenclature import Nomenclature, default_nomenclature_dict
from allocate.io.crm.build import build_import
from allocate.io.crm.geocode import Geocoder
from allocate.io.crm.mapping import Source, preset
from allocate.io.crm.sources import read_exports

NOM = Nomenclature.model_validate(default_nomenclature_dict())
GEO = Geocoder(None, {}, "", 15000)


def _files(tmp_path: Path, accounts: str, users: str, **more: str) -> list[Path]:
    paths = []
    for name, text in {"Account.csv": accounts, "User.csv": users, **more}.items():
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths


def _build(tmp_path: Path, accounts: str, users: str, **more: str):
    m = preset(Source.SALESFORCE)
    return build_import(read_exports(_files(tmp_path, accounts, users, **more), m, Source.SALESFORCE), m, NOM, GEO)


USERS = "Id,Name,UserRole.Name,Latitude,Longitude\nU1,Ann,AE,48.85,2.35\nU2,Bob,CSM,45.76,4.83\n"


def test_derivations(tmp_path: Path) -> None:
    accounts = (
        "Id,Name,BillingLatitude,BillingLongitude,OwnerId,AnnualRevenue,NumberOfEmployees,Type,ParentId\n"
        "A1,HQ,48.80,2.30,U1,1000000,300,Customer - Direct,\n"
        "A2,Site,45.70,4.80,U2,,12,Prospect,A1\n"
        "A3,Solo,48.90,2.40,,,,,\n"
    )
    opp = "AccountId,StageName,Amount\nA2,Negotiation,5000\nA1,Closed Won,\"1,500\"\n"
    res = _build(tmp_path, accounts, USERS, **{"Opportunity.csv": opp})
    acc = res.accounts.set_index("account_id")
    assert acc.loc["A1", "segment"] == "large" and acc.loc["A2", "segment"] == "small"
    assert acc.loc["A3", "segment"] == "small"  # the default, reported
    assert acc.loc["A2", "stage"] == "opportunity"  # an open opportunity lifts a prospect
    assert acc.loc["A1", "potential"] == 1500 and acc.loc["A1", "history"] == 1500  # won amounts
    assert acc.loc["A2", "potential"] == 5000  # open amounts
    assert acc.loc["A3", "potential"] == NOM.deal_value["small"]  # no revenue, no opportunity
    assert acc.loc["A1", "group_id"] == acc.loc["A2", "group_id"] == "A1" and acc.loc["A3", "group_id"] == ""
    assert acc.loc["A2", "current_seller_id"] == "U2" and acc.loc["A3", "current_seller_id"] == ""
    assert set(res.sellers["role"]) == {"AE", "CSM"}
    assert len(res.report) == 3 + 2 + 2  # every input row once
    assert "segment small (default: no employees)" in res.report[2]["detail"]


@pytest.mark.parametrize(
    ("accounts", "row", "column", "message"),
    [
        ("Id,Name,OwnerId\nA1,X,U1\nA1,Y,U2\n", 3, "Id", "duplicate id 'A1'"),
        ("Id,Name,OwnerId\n,X,U1\n", 2, "Id", "empty id"),
        ("Id,Name,OwnerId\nA1,X,U9\n", 2, "OwnerId", "not in the users file"),
        # one record given as its 18- and its 15-character id, in either order
        ("Id,Name,OwnerId\n001Aa000001AbCeIAK,X,U1\n001Aa000001AbCe,Y,U2\n", 3, "Id", "same Salesforce record"),
        ("Id,Name,OwnerId\n001Aa000001AbCe,X,U1\n001Aa000001AbCeIAK,Y,U2\n", 3, "Id", "15- and 18-character"),
    ],
)
def test_bad_accounts(tmp_path: Path, accounts: str, row: int, column: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        _build(tmp_path, accounts, USERS)
    p = err.value.problems[0]
    assert (p.row, p.column) == (row, column) and message in p.message and p.file.endswith("Account.csv")


def test_ids_that_differ_only_in_case_are_two_records(tmp_path: Path) -> None:
    # 15-character ids are case-sensitive: 001aa... and 001AA... are two accounts
    res = _build(tmp_path, "Id,Name,OwnerId,BillingLatitude,BillingLongitude\n"
                           "001Aa000001AbCe,X,U1,48,2\n001AA000001ABCE,Y,U2,45,4\n", USERS)
    assert res.accounts["account_id"].tolist() == ["001Aa000001AbCe", "001AA000001ABCE"]


def test_a_user_given_twice_in_two_id_forms_is_refused(tmp_path: Path) -> None:
    users = "Id,Name,Latitude,Longitude\n005Aa000000XyZ1IAQ,Ann,48.85,2.35\n005Aa000000XyZ1,Ann,48.85,2.35\n"
    with pytest.raises(InputError) as err:
        _build(tmp_path, "Id,Name,OwnerId,BillingLatitude,BillingLongitude\nA1,X,005Aa000000XyZ1,48,2\n", users)
    p = err.value.problems[0]
    assert (p.row, p.column) == (3, "Id") and p.file.endswith("User.csv")


def test_bad_opportunity_amount(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        _build(tmp_path, "Id,Name,OwnerId,BillingLatitude,BillingLongitude\nA1,X,U1,48,2\n", USERS,
               **{"Opportunity.csv": "AccountId,StageName,Amount\nA1,Open,lots\n"})
    p = err.value.problems[0]
    assert (p.row, p.column) == (2, "Amount") and p.file.endswith("Opportunity.csv")


def test_unlocated_seller_falls_back_to_its_accounts_and_then_is_left_out(tmp_path: Path) -> None:
    users = "Id,Name,UserRole.Name\nU1,Ann,AE\nU2,Bob,CSM\n"
    accounts = "Id,Name,BillingLatitude,BillingLongitude,OwnerId\nA1,X,48.0,2.0,U1\nA2,Y,48.2,2.2,U1\n"
    res = _build(tmp_path, accounts, users)
    s = res.sellers.set_index("seller_id")
    assert list(s.index) == ["U1"] and (s.loc["U1", "lat"], s.loc["U1", "lon"]) == (48.1, 2.1)
    assert [r["method"] for r in res.report if r["kind"] == "seller"] == ["owned_accounts", "none"]


def test_etm_associations_give_the_current_seller(tmp_path: Path) -> None:
    accounts = "Id,Name,BillingLatitude,BillingLongitude,OwnerId\nA1,X,48.0,2.0,U1\nA2,Y,45.7,4.8,U1\n"
    ota = "ObjectId,Territory2DeveloperName,AssociationCause\nA2,T_U2,Territory2Manual\nZZ,T_U2,Territory2Manual\n"
    uta = "UserId,Territory2DeveloperName,RoleInTerritory2\nU2,T_U2,CSM\n"
    res = _build(tmp_path, accounts, USERS, **{"ota.csv": ota, "uta.csv": uta})
    acc = res.accounts.set_index("account_id")
    assert acc.loc["A1", "current_seller_id"] == "U1" and acc.loc["A2", "current_seller_id"] == "U2"
    assert res.counts["associations ignored"] == 1  # ZZ is not an account of the file


NAMES = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(NAMES, st.sampled_from(["", "48.5", "x", "91"]), st.sampled_from(["", "2.1", "y"]),
                               st.sampled_from(["", "Paris", "Springfield", "Lyon"]),
                               st.sampled_from(["", "FR", "US", "?"]), st.sampled_from(["", "5", "-3", "abc", "1e9"])),
                     min_size=1, max_size=8))
def test_every_row_is_accounted_for_and_nothing_crashes(tmp_path: Path, rows) -> None:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Id", "Name", "BillingLatitude", "BillingLongitude", "BillingCity", "BillingCountry", "NumberOfEmployees"])
    for k, (name, lat, lon, city, country, emp) in enumerate(rows):
        w.writerow([f"A{k}", name, lat, lon, city, country, emp])
    try:
        res = _build(tmp_path, buf.getvalue(), USERS)
    except InputError as err:  # only "nothing located" may stop it, and it says so
        assert "no account could be located" in str(err)
        return
    accounts = [r for r in res.report if r["kind"] == "account"]
    assert [r["row"] for r in accounts] == list(range(2, len(rows) + 2))
    assert len(res.accounts) == sum(r["action"] == "imported" for r in accounts)
    assert res.accounts["lat"].between(-90, 90).all()


def test_18_char_references_find_15_char_accounts(tmp_path: Path) -> None:
    accounts = "Id,Name,BillingLatitude,BillingLongitude,OwnerId\n0015e00000A1b2e,X,48.0,2.0,U1\n"
    opp = "AccountId,StageName,Amount\n0015e00000A1b2eAAB,Closed Won,700\n"
    res = _build(tmp_path, accounts, USERS, **{"Opportunity.csv": opp})
    assert res.accounts["account_id"].tolist() == ["0015e00000A1b2e"]
    assert res.accounts["history"].tolist() == [700.0] and res.accounts["stage"].tolist() == ["customer"]


def test_state_and_country_picklist_codes_place_the_town(tmp_path: Path) -> None:
    # orgs with State and Country Picklists export BillingStateCode / BillingCountryCode
    m = preset(Source.SALESFORCE)
    accounts = ("Id,Name,BillingCity,BillingStateCode,BillingCountryCode,OwnerId\n"
                "A1,X,Saint-Vallier,26,FR,U1\nA2,Y,Saint-Vallier,FR-BFC,FR,U1\n")
    res = build_import(read_exports(_files(tmp_path, accounts, USERS), m, Source.SALESFORCE), m, NOM, Geocoder())
    lat = res.accounts.set_index("account_id")["lat"].astype(float)
    assert lat["A1"] == pytest.approx(45.17, abs=0.05) and lat["A2"] == pytest.approx(46.64, abs=0.05)
