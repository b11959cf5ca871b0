"""The whole import: the Salesforce fixture, its report, and nothing written on bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from allocate.core.errors import InputError
from allocate.io import read_instance
from allocate.io.crm.importer import import_export, prepare_import, report_frame, unit_points
from allocate.io.crm.mapping import Source
from allocate.io.crm.names import IMPORT_REPORT

SF = Path(__file__).parent / "fixtures" / "salesforce"
SF_FILES = [SF / "Account.csv", SF / "User.csv", SF / "Opportunity.csv"]


@pytest.fixture(scope="module")
def sf_result():
    return prepare_import(Source.SALESFORCE, SF_FILES, units_path=SF / "units.geojson")[0]


def test_unit_points_lie_inside_their_polygons() -> None:
    pts = unit_points(SF / "units.geojson")
    assert set(pts) == {"75001", "69002", "33000"}
    lat, lon = pts["75001"]
    assert abs(lat - 48.862) < 0.03 and abs(lon - 2.336) < 0.03


def test_salesforce_fixture_report(sf_result) -> None:
    rep = {r["record_id"]: r for r in sf_result.report if r["kind"] == "account"}
    assert len(rep) == 12  # every account row, the skipped one included
    assert rep["0015e00000A1b2e"]["method"] == "city"  # the 15-character id, by town
    assert rep["0015e00000A1b2iAAB"]["action"] == "skipped" and "ambiguous" in rep["0015e00000A1b2iAAB"]["detail"]
    assert rep["0015e00000A1b2fAAB"]["method"] == "units"  # a missing longitude: the postcode, said so
    assert "latitude without longitude" in rep["0015e00000A1b2fAAB"]["detail"]
    c = sf_result.counts
    assert (c["account imported"], c["account skipped"], c["seller imported"]) == (11, 1, 3)
    assert (c["geocode given"], c["geocode units"], c["geocode city"], c["geocode none"]) == (5, 5, 4, 1)
    frame = report_frame(sf_result)
    assert frame.iloc[-1]["kind"] == "summary" and "11 imported, 1 skipped" in frame.iloc[-1]["detail"]
    assert len(frame) == 12 + 3 + 5 + 1  # accounts, users, opportunities, summary


def test_owner_given_as_18_chars_maps_to_the_15_char_user(sf_result) -> None:
    acc = sf_result.accounts.set_index("account_id")
    assert acc.loc["0015e00000A1b2e", "current_seller_id"] == "0055e000001AbCf"


def test_an_account_without_owner_says_so(sf_result, tmp_path: Path) -> None:
    rep = {r["record_id"]: r for r in sf_result.report if r["kind"] == "account"}
    assert "no current seller (empty owner cell)" in rep["0015e00000A1b2nAAB"]["detail"]  # OwnerId left blank
    # an export without its owner column: every account says why it has no seller today
    text = (SF / "Account.csv").read_text(encoding="utf-8-sig")
    header, *rows = text.splitlines()
    cols = header.split(";")
    drop = cols.index("OwnerId")
    keep = [";".join(c for k, c in enumerate(line.split(";")) if k != drop) for line in [header, *rows]]
    (tmp_path / "Account.csv").write_text("\n".join(keep) + "\n", encoding="utf-8")
    res = prepare_import(Source.SALESFORCE, [tmp_path / "Account.csv", SF / "User.csv"])[0]
    imported = [r for r in res.report if r["kind"] == "account" and r["action"] == "imported"]
    assert imported and all("no current seller (the file has no owner column)" in r["detail"] for r in imported)
    assert (res.accounts["current_seller_id"] == "").all()


def test_import_writes_a_valid_instance(tmp_path: Path) -> None:
    out = tmp_path / "inst"
    import_export(out, Source.SALESFORCE, SF_FILES, units_path=SF / "units.geojson")
    inst = read_instance(out)
    assert len(inst.accounts) == 11 and inst.units is not None
    rep = pd.read_csv(out / IMPORT_REPORT, dtype=str, keep_default_na=False)
    assert rep["record_id"].iloc[:12].tolist()[2] == "0015e00000A1b2e"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # the staging folder is gone


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "Account.csv"
    bad.write_text((SF / "Account.csv").read_text(encoding="utf-8-sig").replace("0055e000001AbCeAAK", "005NOBODY", 1),
                   encoding="utf-8")
    out = tmp_path / "inst"
    with pytest.raises(InputError) as err:
        import_export(out, Source.SALESFORCE, [bad, SF / "User.csv"])
    p = err.value.problems[0]
    assert (p.file, p.row, p.column) == (str(bad), 3, "OwnerId")
    assert not out.exists()


def test_an_outlier_is_named_by_its_input_row(tmp_path: Path) -> None:
    accounts = tmp_path / "Account.csv"
    accounts.write_text(
        "Id,Name,BillingLatitude,BillingLongitude,OwnerId\n"
        + "".join(f"A{k},X,{48 + k / 10},{2 + k / 10},U1\n" for k in range(6))
        + "A9,Far,40.7,-74.0,U1\n",
        encoding="utf-8",
    )
    users = tmp_path / "User.csv"
    users.write_text("Id,Name,Latitude,Longitude,Email\nU1,Ann,48.8,2.3,a@x\n", encoding="utf-8")
    out = tmp_path / "inst"
    with pytest.raises(InputError) as err:
        import_export(out, Source.SALESFORCE, [accounts, users])
    p = err.value.problems[0]
    assert (p.file, p.row, p.column) == (str(accounts), 8, "BillingLatitude") and "km from" in p.message
    assert not out.exists()


def test_segments_outside_the_nomenclature_name_the_mapping(tmp_path: Path) -> None:
    m = tmp_path / "mapping.yaml"
    m.write_text("segments: {tiny: 5, huge: null}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        prepare_import(Source.SALESFORCE, SF_FILES, mapping_path=m)
    assert (err.value.problems[0].file, err.value.problems[0].column) == (str(m), "segments")


def test_a_salesforce_report_export_is_read_by_its_labels(tmp_path: Path) -> None:
    from allocate.core.nomenclature import Nomenclature, default_nomenclature_dict
    from allocate.io.crm.build import build_import
    from allocate.io.crm.geocode import Geocoder
    from allocate.io.crm.mapping import Source, preset
    from allocate.io.crm.sources import read_exports

    files = {
        "acc.csv": '"Account ID","Account Name","Billing City","Billing State/Province","Billing Country",'
                   '"Account Owner","Employees","Type"\n'
                   '"001Aa000001AbCdIAK","Dupont SA","Paris","Île-de-France","France","Élodie Martin","12",'
                   '"Customer - Direct"\n',
        "usr.csv": '"User ID","Full Name","Role","City","Country","Active"\n'
                   '"005Aa000000XyZ1IAQ","Élodie Martin","Account Executive","Paris","France","1"\n',
        "opp.csv": '"Opportunity Name","Account Name","Account ID","Stage","Amount"\n'
                   '"Deal","Dupont SA","001Aa000001AbCd","Closed Won","12000"\n',
    }
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_bytes(("\ufeff" + text).encode("utf-8"))
        paths.append(tmp_path / name)
    m = preset(Source.SALESFORCE)
    res = build_import(read_exports(paths, m, Source.SALESFORCE), m,
                       Nomenclature.model_validate(default_nomenclature_dict()), Geocoder())
    acc = res.accounts.iloc[0]
    assert acc["account_id"] == "001Aa000001AbCdIAK" and acc["current_seller_id"] == "005Aa000000XyZ1IAQ"
    assert acc["potential"] == 12000 and acc["stage"] == "customer" and acc["segment"] == "small"
    assert res.sellers.iloc[0]["role"] == "AE"


def test_a_problem_that_is_not_the_point_keeps_its_own_column(tmp_path: Path) -> None:
    # an empty default product line was reported against the town column ('Ville')
    csv_fix = Path(__file__).parent / "fixtures" / "csv"
    mapping = tmp_path / "mapping.yaml"
    text = (csv_fix / "mapping.yaml").read_text(encoding="utf-8")
    mapping.write_text(text.replace("product_line: conseil", 'product_line: ""'), encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_export(tmp_path / "inst", Source.CSV, [csv_fix / "accounts.csv", csv_fix / "sellers.csv"], mapping)
    p = err.value.problems[0]
    assert p.file == str(csv_fix / "accounts.csv") and "product line" in p.message
    assert p.column == "product_lines (imported)", p.column
    assert not (tmp_path / "inst").exists()
