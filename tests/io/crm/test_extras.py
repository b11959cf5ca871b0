"""The extra columns of an import: accounts' ``history`` and sellers' ``email``, in instance order."""

from __future__ import annotations

import pytest

from allocate.core.errors import InputError
from allocate.io import read_instance
from allocate.io.crm.extras import read_history, read_seller_emails
from tests.conftest import TINY_ACCOUNTS, TINY_SELLERS, write_instance


def test_absent_column_is_none(tiny_dir, tiny) -> None:
    assert read_history(tiny_dir, tiny) is None


def test_values_in_instance_order(tmp_path) -> None:
    accounts = [TINY_ACCOUNTS[0] + ",history"] + [r + f",{v}" for r, v in zip(TINY_ACCOUNTS[1:], ["10", "", "\"1 000,5\"", "7"], strict=True)]
    folder = write_instance(tmp_path / "i", accounts, TINY_SELLERS)
    assert read_history(folder, read_instance(folder)).tolist() == [10.0, 0.0, 1000.5, 7.0]


def test_bad_cell_names_row_and_column(tmp_path) -> None:
    accounts = [TINY_ACCOUNTS[0] + ",history"] + [r + ",-5" for r in TINY_ACCOUNTS[1:]]
    folder = write_instance(tmp_path / "i", accounts, TINY_SELLERS)
    with pytest.raises(InputError) as err:
        read_history(folder, read_instance(folder))
    assert (err.value.problems[0].row, err.value.problems[0].column) == (2, "history")


def test_seller_emails(tmp_path) -> None:
    sellers = [TINY_SELLERS[0] + ",email", TINY_SELLERS[1] + ",par@x.fr", TINY_SELLERS[2] + ","]
    folder = write_instance(tmp_path / "i", TINY_ACCOUNTS, sellers)
    assert read_seller_emails(folder, read_instance(folder)) == ("par@x.fr", "")


def test_no_email_column(tiny_dir, tiny) -> None:
    assert read_seller_emails(tiny_dir, tiny) is None
