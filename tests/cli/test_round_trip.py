"""Our own outputs read back: ``solve`` -> ``schedule`` -> ``map`` -> ``report`` (issue 14 item 5).

Ids that begin with ``= + - @`` used to be accepted, then written ``'``-prefixed against
formula injection, so ``schedule``, ``map`` and ``report`` on that very run refused them
("unknown seller \"'+S004\""). They are now refused where they enter, with one clear line;
ids that merely *contain* those characters, and hostile names, go through every command and
come back exactly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from allocate.cli import app
from allocate.io import read_instance
from allocate.io.runfolder import read_alignment
from tests.base_instance import BASE, rows, write_rows

runner = CliRunner()


def _run(*args: object):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "300"})


def _rename_seller(folder: Path, old: str, new: str) -> None:
    for name, col in (("sellers.csv", "seller_id"), ("accounts.csv", "current_seller_id")):
        table = rows(folder / name)
        j = table[0].index(col)
        for r in table[1:]:
            if r[j] == old:
                r[j] = new
        write_rows(folder / name, table)


@pytest.mark.parametrize("bad", ["+S004", "=S004", "-S004", "@S004"])
def test_formula_like_seller_id_is_refused_by_every_reader(tmp_path: Path, bad: str) -> None:
    folder = tmp_path / "inst"
    shutil.copytree(BASE, folder)
    _rename_seller(folder, "S004", bad)
    out = tmp_path / "run"
    for args in (("validate", folder), ("solve", folder, "--out", out, "--time-limit", "1")):
        result = _run(*args)
        assert result.exit_code == 2, result.output
        (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
        assert "sellers.csv, row 5, column 'seller_id'" in line
        assert f"id {bad!r} starts with {bad[0]!r}, which spreadsheets read as a formula" in line
    assert not out.exists()


def test_solve_schedule_map_report_read_their_own_outputs(tmp_path: Path) -> None:
    folder = tmp_path / "inst"
    shutil.copytree(BASE, folder)
    # ids with the formula characters inside, and names that start like formulas
    _rename_seller(folder, "S004", "S=004+@-")
    sellers = rows(folder / "sellers.csv")
    sellers[1][1] = '=HYPERLINK("http://x","y")'
    sellers[2][1] = '-Dupont, "Jean"'
    write_rows(folder / "sellers.csv", sellers)
    inst = read_instance(folder)
    run = tmp_path / "run"
    steps = [
        ("solve", folder, "--model", "size", "--out", run, "--time-limit", "2"),
        (
            "schedule",
            folder,
            "--alignment",
            run / "alignment.csv",
            "--out",
            run,
            "--weeks",
            "1",
            "--start",
            "2027-01-04",
            "--time-limit",
            "3",
            "--workers",
            "1",
        ),
        ("map", run, "--out", tmp_path / "map.html"),
        ("report", run, "--out", tmp_path / "report"),
        ("validate", folder, "--alignment", run / "alignment.csv"),
    ]
    for args in steps:
        result = _run(*args)
        assert result.exit_code == 0, f"{args[0]}: {result.output}"
    # the machine-readable file holds the ids exactly, and reads back as written
    written = pd.read_csv(run / "alignment.csv", dtype=str, keep_default_na=False)
    assert set(written["seller_id"]) <= set(inst.sellers.ids)
    assert "S=004+@-" in set(written["seller_id"])
    back = read_alignment(run / "alignment.csv", inst)
    assert [inst.accounts.ids[a] for a in back.account] == list(written["account_id"])
    assert [inst.sellers.ids[s] for s in back.seller] == list(written["seller_id"])
