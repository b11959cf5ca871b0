"""Column conversion and schema checks name the file, the spreadsheet row and the column."""

from __future__ import annotations

import math

import pandas as pd
import pandera.pandas as pa
import pytest

from allocate.core.errors import Problem
from allocate.io.schemas import (
    ACCOUNT_COLUMNS,
    SELLER_COLUMNS,
    ColumnSpec,
    _located_rows,
    account_schema,
    convert_columns,
    schema_problems,
    seller_schema,
)


def _sellers(**cols):
    base = {
        "seller_id": ["S1", "S2"],
        "name": ["Ann", ""],
        "lat": ["48.85", "45.76"],
        "lon": ["2.35", "4.83"],
        "role": ["CSM", "AE"],
        "capacity_h": ["40", "35,5"],
        "segments": ["small; mid;", ""],
        "product_lines": ["", "hr"],
    }
    base.update(cols)
    return pd.DataFrame(base, dtype=object)


def test_convert_columns_types_the_cells():
    out, problems = convert_columns(_sellers(), SELLER_COLUMNS, "sellers.csv")
    assert problems == []
    assert out["lat"].tolist() == [48.85, 45.76]
    assert out["capacity_h"].tolist() == [40.0, 35.5]  # decimal comma
    assert out["segments"].tolist() == [("small", "mid"), ()]  # ';' list, blanks dropped
    assert out["product_lines"].tolist() == [(), ("hr",)]
    assert out["name"].tolist() == ["Ann", ""]  # nullable


def test_french_grouped_thousands():
    df = _sellers(capacity_h=["1\u00a0234,5", "1 000"])
    out, problems = convert_columns(df, SELLER_COLUMNS, "s.csv")
    assert problems == [] and out["capacity_h"].tolist() == [1234.5, 1000.0]


def test_missing_required_columns_are_named_on_the_header_row():
    df = pd.DataFrame({"account_id": ["A1"], "lat": ["1"]}, dtype=object)
    _, problems = convert_columns(df, ACCOUNT_COLUMNS, "accounts.csv")
    missing = [p.column for p in problems]
    assert missing == ["name", "lon", "segment", "potential", "stage", "product_lines"]
    assert all(p.row == 1 and p.file == "accounts.csv" for p in problems)
    assert str(problems[1]) == "accounts.csv, row 1, column 'lon': required column is missing"


def test_bad_cells_name_their_spreadsheet_row():
    df = _sellers(lat=["48.8", "north"], lon=["", "4.8"], max_accounts=["2.5", "3"])
    _, problems = convert_columns(df, SELLER_COLUMNS, "s.csv")
    assert set(problems) == {
        Problem("s.csv", "missing value", 2, "lon"),
        Problem("s.csv", "not a number: 'north'", 3, "lat"),
        Problem("s.csv", "must be a whole number", 2, "max_accounts"),
    }


def test_booleans_in_english_and_french():
    spec = (ColumnSpec("locked", "bool", nullable=True),)
    df = pd.DataFrame({"locked": ["true", "Oui", "0", "", "non", "maybe"]}, dtype=object)
    out, problems = convert_columns(df, spec, "a.csv")
    assert out["locked"].tolist() == [True, True, False, False, False, False]
    assert problems == [Problem("a.csv", "not a boolean (true/false): 'maybe'", 7, "locked")]


def test_schema_problems_describe_each_failure():
    df = _sellers(seller_id=["S1", "S1"], lat=["95", "45"], role=["CSM", "boss"], capacity_h=["40", "0"])
    out, found = convert_columns(df, SELLER_COLUMNS, "s.csv")
    assert found == []
    problems = [str(p) for p in schema_problems(out, seller_schema(), "s.csv")]
    assert problems == [
        "s.csv, row 2, column 'lat': 95.0 is out of range [-90, 90]",
        "s.csv, row 2, column 'seller_id': duplicate id 'S1'",
        "s.csv, row 3, column 'capacity_h': 0.0 must be > 0",
        "s.csv, row 3, column 'role': 'boss' is not one of ['generalist', 'MRR', 'SDR', 'AE', 'CSM']",
        "s.csv, row 3, column 'seller_id': duplicate id 'S1'",
    ]


def test_account_schema_uses_the_nomenclature_segments():
    df = pd.DataFrame(
        {
            "account_id": ["A1", "A2"],
            "name": ["", ""],
            "lat": ["48", "45"],
            "lon": ["2", "4"],
            "segment": ["small", "huge"],
            "potential": ["-1", "10"],
            "stage": ["lead", "customer"],
            "product_lines": ["hr", "hr"],
        },
        dtype=object,
    )
    out, found = convert_columns(df, ACCOUNT_COLUMNS, "a.csv")
    assert found == []
    problems = schema_problems(out, account_schema(["small", "mid"]), "a.csv")
    assert [(p.row, p.column) for p in problems] == [(2, "potential"), (3, "segment")]
    assert problems[0].message == "-1.0 must be >= 0"
    assert schema_problems(out, account_schema(["small", "huge"]), "a.csv")[0].column == "potential"


def test_valid_sellers_have_no_schema_problem():
    out, _ = convert_columns(_sellers(daily_h=["8", ""]), SELLER_COLUMNS, "s.csv")
    assert schema_problems(out, seller_schema(), "s.csv") == []
    assert math.isnan(out["daily_h"].iloc[1])


@pytest.mark.parametrize("specs", [ACCOUNT_COLUMNS, SELLER_COLUMNS])
def test_column_specs_have_unique_names(specs):
    names = [c.name for c in specs]
    assert len(names) == len(set(names))
    assert {c.kind for c in specs} <= {"str", "float", "int", "bool", "list"}


def test_accounts_and_sellers_share_the_id_and_point_checks():
    rows = _located_rows("seller_id")
    assert list(rows) == ["seller_id", "lat", "lon"]
    assert rows["seller_id"].unique and not rows["lat"].unique
    for schema, id_column in ((seller_schema(), "seller_id"), (account_schema(["small"]), "account_id")):
        for name, column in _located_rows(id_column).items():
            assert [str(c) for c in schema.columns[name].checks] == [str(c) for c in column.checks]
    df = pd.DataFrame({"seller_id": ["S1", ""], "lat": [91.0, 0.0], "lon": [0.0, -181.0]})
    located = pa.DataFrameSchema(_located_rows("seller_id"))
    assert [str(p) for p in schema_problems(df, located, "s.csv")] == [
        "s.csv, row 2, column 'lat': 91.0 is out of range [-90, 90]",
        "s.csv, row 3, column 'lon': -181.0 is out of range [-180, 180]",
        "s.csv, row 3, column 'seller_id': empty id",
    ]
