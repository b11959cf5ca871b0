"""Recognising the files of an export; a file that is not the announced export is bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.core.errors import InputError
from allocate.io.crm.mapping import Kind, Source, preset
from allocate.io.crm.sources import read_export, read_exports

FIXTURES = Path(__file__).parent / "fixtures"
SF = FIXTURES / "salesforce"


@pytest.mark.parametrize(
    ("name", "kind"),
    [("Account.csv", Kind.ACCOUNT), ("User.csv", Kind.SELLER), ("Opportunity.csv", Kind.OPPORTUNITY)],
)
def test_salesforce_files_are_recognised(name: str, kind: Kind) -> None:
    f = read_export(SF / name, preset(Source.SALESFORCE), Source.SALESFORCE)
    assert f.kind == kind


def test_bom_and_semicolons_are_read_and_ids_stay_text() -> None:
    f = read_export(SF / "Account.csv", preset(Source.SALESFORCE), Source.SALESFORCE)
    assert f.columns["id"] == "Id"  # the BOM is not part of the first column name
    assert f.cell(2, "id") == "0015e00000A1b2e"  # the 15-character id
    assert f.cell(0, "name") == "Boulangerie Dupré SARL"


def test_hubspot_ids_are_never_floats() -> None:
    f = read_export(FIXTURES / "hubspot" / "companies.csv", preset(Source.HUBSPOT), Source.HUBSPOT)
    assert f.kind == Kind.ACCOUNT and f.cell(0, "id") == "12345678901"


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "x.csv"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("text", "row", "column", "message"),
    [
        ("foo,bar\n1,2\n", 1, None, "not a salesforce export"),  # nothing recognisable
        ("Name,BillingCity,OwnerId\nA,Paris,005\n", 1, "Id", "required column"),  # an Account without Id
        ("AccountId,StageName\n001,Won\n", 1, "Amount", "required column"),  # opportunities without Amount
    ],
)
def test_bad_files_name_file_row_and_column(tmp_path: Path, text: str, row: int, column: str | None, message: str) -> None:
    with pytest.raises(InputError) as err:
        read_export(_write(tmp_path, text), preset(Source.SALESFORCE), Source.SALESFORCE)
    p = err.value.problems[0]
    assert (p.row, p.column) == (row, column) and message in p.message and p.file.endswith("x.csv")


def test_a_hubspot_file_announced_as_salesforce_is_refused() -> None:
    with pytest.raises(InputError, match="not a salesforce export"):
        read_export(FIXTURES / "hubspot" / "companies.csv", preset(Source.SALESFORCE), Source.SALESFORCE)


def test_two_account_files_or_no_users_are_refused() -> None:
    m = preset(Source.SALESFORCE)
    with pytest.raises(InputError, match="second"):
        read_exports([SF / "Account.csv", SF / "Account.csv", SF / "User.csv"], m, Source.SALESFORCE)
    with pytest.raises(InputError, match="no users"):
        read_exports([SF / "Account.csv"], m, Source.SALESFORCE)


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_export(tmp_path / "gone.csv", preset(Source.CSV), Source.CSV)
    with pytest.raises(InputError, match="is a folder"):
        read_export(tmp_path, preset(Source.CSV), Source.CSV)
