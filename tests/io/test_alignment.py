"""An alignment file is checked like every other input (issue 14 item 13).

A hand-edited ``alignment.csv`` with a duplicated account, an account on two sellers or a blank
seller used to be accepted, and the account was planned twice (or for nobody).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.core.errors import InputError
from allocate.io.alignment import alignment_problems, item_column
from allocate.io.runfolder import read_alignment
from allocate.io.tables import read_table


def _problems(tiny, tmp_path: Path, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.csv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_alignment(path, tiny)
    return [str(p).replace(str(tmp_path) + "/", "") for p in err.value.problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the same row twice: the account would be planned twice
        (
            "account_id,seller_id\nA1,PAR\nA2,PAR\nA1,PAR\n",
            [
                "a.csv, row 4, column 'account_id': account 'A1' is given twice (first on row 2); it would be planned twice"
            ],
        ),
        # one account on two sellers
        (
            "account_id,seller_id\nA1,PAR\nA1,LYO\n",
            [
                "a.csv, row 3, column 'account_id': account 'A1' is on two sellers: 'PAR' on row 2 and 'LYO' here"
            ],
        ),
        # a blank seller
        (
            "account_id,seller_id\nA1,\nA2,PAR\n",
            [
                "a.csv, row 2, column 'seller_id': missing seller (delete the row to leave the account unplanned)"
            ],
        ),
        # a blank account
        ("account_id,seller_id\n,PAR\n", ["a.csv, row 2, column 'account_id': missing value"]),
        # unknown ids
        (
            "account_id,seller_id\nZZ,PAR\nA3,NOPE\n",
            [
                "a.csv, row 2, column 'account_id': unknown account 'ZZ'",
                "a.csv, row 3, column 'seller_id': unknown seller 'NOPE'",
            ],
        ),
        # split by product line: the same line twice on two sellers, and a line the account lacks
        (
            "account_id,seller_id,product_line\nA2,PAR,payroll\nA2,LYO,hr\nA2,LYO,payroll\nA3,LYO,payroll\n",
            [
                "a.csv, row 4, column 'account_id': account 'A2' (product_line 'payroll') is on two sellers: 'PAR' on row 2 and 'LYO' here",
                "a.csv, row 5, column 'product_line': 'payroll' is not a product line of this account (hr)",
            ],
        ),
        # split by role: a role that does not exist, an empty one
        (
            "account_id,seller_id,role\nA1,PAR,CSM\nA2,PAR,Boss\nA3,LYO,\n",
            [
                "a.csv, row 3, column 'role': 'Boss' is not a role (generalist, MRR, SDR, AE, CSM)",
                "a.csv, row 4, column 'role': missing value",
            ],
        ),
        # no seller column
        (
            "account_id,owner\nA1,PAR\n",
            ["a.csv, row 1, column 'seller_id': required column is missing"],
        ),
    ],
)
def test_defects_are_named(tiny, tmp_path, text, expected):  # type: ignore[no-untyped-def]
    assert _problems(tiny, tmp_path, text) == expected


def test_a_valid_split_alignment_and_a_partial_one(tiny, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "a.csv"
    path.write_text(
        "account_id,seller_id,product_line\nA2,PAR,payroll\nA2,LYO,hr\nA1,LYO,payroll\n"
    )
    al = read_alignment(path, tiny)
    assert al.key == ("payroll", "hr", "payroll") and al.key_kind == "product_line"
    assert al.seller.tolist() == [0, 1, 1]
    # an account left out is simply not planned
    path.write_text("account_id,seller_id\nA3,LYO\n")
    assert read_alignment(path, tiny).account.tolist() == [2]


def test_problems_are_bounded(tiny, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "a.csv"
    path.write_text("account_id,seller_id\n" + "ZZ,NOPE\n" * 200)
    assert len(alignment_problems(read_table(path), tiny, str(path))) == 50


def test_item_column(tmp_path):  # type: ignore[no-untyped-def]
    import pandas as pd

    assert item_column(pd.DataFrame(columns=["account_id", "seller_id"])) == ""
    assert item_column(pd.DataFrame(columns=["account_id", "seller_id", "role"])) == "role"
