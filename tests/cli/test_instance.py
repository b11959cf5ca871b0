"""The instance commands: ``validate``, ``info`` and ``generate``.

The corrupted-instance catalogue (one defect per case) is in :mod:`tests.cli.test_bad_inputs`;
here each command is checked once on the tiny instance of ``tests/conftest.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from allocate.cli import app
from allocate.io import read_instance
from tests.conftest import TINY_ACCOUNTS, TINY_SELLERS, write_instance

runner = CliRunner()


def _run(*args: object):
    # wide enough that Rich never wraps a message line
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def test_validate_accepts_a_good_instance(tiny_dir: Path) -> None:
    result = _run("validate", tiny_dir)
    assert result.exit_code == 0, result.output
    assert "valid instance" in result.output


def test_validate_names_file_row_and_column_of_a_defect(tmp_path: Path) -> None:
    accounts = list(TINY_ACCOUNTS)
    accounts[3] = accounts[3].replace("45.7719", "north")  # A3: the 3rd data row, line 4
    folder = write_instance(tmp_path / "broken", accounts, TINY_SELLERS)
    result = _run("validate", folder)
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines, result.stderr
    line = next(line for line in lines if "accounts.csv" in line)
    assert re.search(r"\brow 4\b", line) and "lat" in line, line
    assert "Traceback" not in result.output


def test_info_prints_workload_capacity_and_sellers_needed(tiny_dir: Path) -> None:
    result = _run("info", tiny_dir)
    assert result.exit_code == 0, result.output
    assert "tiny: 4 accounts, 2 sellers" in result.output
    # 4 customers x (1 h visit + 0.5 h call) a week = 6 h, plus 1.5 h of travel from the
    # nearest bases; 2 sellers x 40 h; the build-up needs ceil(7.5 / 40) = 1 seller
    m = re.search(
        r"total workload ([\d.,]+) h/week against capacity ([\d.,]+) h/week \((\d+)%\); "
        r"sellers needed: (\d+)",
        result.output,
    )
    assert m, result.output
    assert float(m[1]) == 7.5 and float(m[2]) == 80.0 and m[3] == "9" and m[4] == "1"
    assert "Workload build-up by role" in result.output and "CSM" in result.output
    assert "Workload build-up by segment" in result.output


def test_info_on_a_missing_folder_is_bad_input(tmp_path: Path) -> None:
    result = _run("info", tmp_path / "nope")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_generate_writes_a_valid_instance(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    result = _run("generate", "--accounts", 30, "--sellers", 3, "--seed", 5, "--out", out)
    assert result.exit_code == 0, result.output
    assert "wrote 4 files" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "accounts.csv",
        "nomenclature.yaml",
        "sellers.csv",
        "units.geojson",
    ]
    assert _run("validate", out).exit_code == 0
    inst = read_instance(out)
    assert len(inst.accounts) == 30 and len(inst.sellers) == 3


def test_generate_is_deterministic_per_seed(tmp_path: Path) -> None:
    def files(out: Path) -> dict[str, bytes]:
        assert _run("generate", "--accounts", 20, "--sellers", 2, "--seed", 3, "--out", out).exit_code == 0
        return {p.name: p.read_bytes() for p in out.iterdir()}

    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_generate_refuses_an_unknown_country(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    result = _run("generate", "--country", "XX", "--out", out)
    assert result.exit_code == 2
    assert "--country" in result.stderr and "'XX'" in result.stderr
    assert not out.exists()


def test_generate_refuses_an_out_of_range_option(tmp_path: Path) -> None:
    result = _run("generate", "--accounts", 5, "--out", tmp_path / "gen")  # min 10
    assert result.exit_code == 2
    assert not (tmp_path / "gen").exists()


def test_validate_checks_scenario_files_too(tiny_dir: Path, tmp_path: Path) -> None:
    good, bad, loop = tmp_path / "good.yaml", tmp_path / "bad.yaml", tmp_path / "loop.yaml"
    good.write_text("model: geography\n")
    bad.write_text("model: geography\nmax_moves_share: 7\n")
    loop.write_text("balance: &b [*b]\n")
    ok = _run("validate", tiny_dir, "--scenario", good)
    assert ok.exit_code == 0 and "good.yaml valid too" in ok.output.replace("\n", "")
    for path, words in ((bad, "max_moves_share"), (loop, "recursive alias")):
        result = _run("validate", tiny_dir, "--scenario", path)
        assert result.exit_code == 2 and words in result.stderr, result.output
