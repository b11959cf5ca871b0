"""Every corrupted instance of ``tests/bad_inputs`` is refused cleanly by the CLI.

Each case copies the small valid instance ``tests/bad_inputs/_base`` into a temporary folder,
applies one defect (see ``tests/bad_inputs/cases.py``, one comment per case) and runs
``allocate validate`` and ``allocate solve`` in-process (Typer's runner; one case also runs
through the real console script in a subprocess). Each run must:

- exit with code 2 (bad input), or 3 for the infeasible organizations;
- print one line that names the file, the row and the column of the defect;
- print no traceback, create no output folder, and leave the input files untouched.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from allocate.cli import app
from allocate.io import read_instance

_spec = importlib.util.spec_from_file_location(
    "bad_input_cases", Path(__file__).parent / "bad_inputs" / "cases.py"
)
assert _spec is not None and _spec.loader is not None
cases = importlib.util.module_from_spec(_spec)
sys.modules["bad_input_cases"] = cases
_spec.loader.exec_module(cases)

runner = CliRunner()


def _instance(tmp_path: Path, case) -> Path:
    folder = tmp_path / "inst"
    shutil.copytree(cases.BASE, folder)
    case.patch(folder)
    return folder


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _run(*args: object):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _line_naming(text: str, case) -> str | None:
    """The first message line naming the case's file, row and column (as far as they apply)."""
    for line in text.splitlines():
        if case.file is not None and case.file not in line:
            continue
        if case.file is None and "error:" not in line:
            continue
        if case.row == cases.ANY_ROW and not re.search(r", row \d+", line):
            continue
        if case.row not in (None, cases.ANY_ROW) and f", row {case.row}" not in line:
            continue
        if case.column is not None and f"column '{case.column}'" not in line:
            continue
        return line
    return None


def test_corpus_is_large_and_varied():
    ids = [c.id for c in cases.CASES]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)
    assert {c.file for c in cases.CASES} >= {
        "accounts.csv",
        "sellers.csv",
        "nomenclature.yaml",
        "units.geojson",
    }


def test_base_instance_is_valid():
    result = _run("validate", cases.BASE)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("case", cases.CASES, ids=[c.id for c in cases.CASES])
def test_bad_input_exits_2_and_names_the_cell(case, tmp_path):
    folder = _instance(tmp_path, case)
    before = _snapshot(folder)
    out = tmp_path / "run"
    for args in (("validate", folder), ("solve", folder, "--out", out, "--time-limit", "1")):
        result = _run(*args)
        text = result.stdout + result.stderr
        assert result.exit_code == 2, f"{case.why}: {args[0]} exited {result.exit_code}\n{text}"
        assert "Traceback" not in text
        assert _line_naming(text, case), (
            f"{case.why}: no line names {case.file}/{case.row}/{case.column}:\n{text}"
        )
        assert all(len(line) < 700 for line in text.splitlines())
    assert not out.exists(), "a refused solve must not create its output folder"
    assert _snapshot(folder) == before, "reading must not modify the instance"
    assert not (tmp_path / "pwned").exists(), "a YAML tag was executed"


@pytest.mark.parametrize("case", cases.INFEASIBLE, ids=[c.id for c in cases.INFEASIBLE])
def test_infeasible_organization_exits_3_and_names_the_short_group(case, tmp_path):
    folder = _instance(tmp_path, case)
    assert _run("validate", folder).exit_code == 0  # the files themselves are fine
    out = tmp_path / "run"
    result = _run("solve", folder, "--model", case.solve_model, "--out", out, "--time-limit", "1")
    text = result.stderr
    assert result.exit_code == 3, result.stdout + text
    assert "Traceback" not in text and not out.exists()
    short = [line for line in text.splitlines() if line.startswith("infeasible: short:")]
    assert short, text
    if case.id == "inf_no_seller_of_role":
        assert "role=AE" in short[0] and "no eligible seller" in short[0]
    else:
        hours = [float(h.replace(",", "")) for h in re.findall(r"short by ([\d,.]+) h/week", text)]
        assert hours and all(h > 0 for h in hours), text
        group = {"inf_segment_capacity": "segment=large", "inf_locked_over_capacity": "S003"}[
            case.id
        ]
        assert any(group in line for line in short), text


def test_locked_shortfall_hours_are_the_locked_workload(tmp_path):
    """The 'short by' figure is the workload locked to S003 minus its 0.5 h/week."""
    from allocate.core.workload import account_workload

    case = next(c for c in cases.INFEASIBLE if c.id == "inf_locked_over_capacity")
    folder = _instance(tmp_path, case)
    inst = read_instance(folder)
    s3 = inst.sellers.ids.index("S003")
    wl = account_workload(inst)
    locked = np.flatnonzero(inst.accounts.locked & (inst.accounts.current_seller == s3))
    from allocate.core.travel import haversine_km

    km = haversine_km(
        inst.accounts.lat[locked],
        inst.accounts.lon[locked],
        inst.sellers.lat[s3],
        inst.sellers.lon[s3],
    )
    travel_h = km * inst.travel.circuity / inst.travel.speed_kmh
    need = float(np.sum(wl.total_desk_h[locked] + wl.total_visits[locked] * 2 * travel_h))
    result = _run("solve", folder, "--model", "geography", "--out", tmp_path / "run")
    m = re.search(
        r"locked accounts of S003: needs ([\d,.]+) h/week.*short by ([\d,.]+) h/week", result.stderr
    )
    assert m, result.stderr
    assert float(m.group(1)) == pytest.approx(need, abs=0.051)
    assert float(m.group(2)) == pytest.approx(need - 0.5, abs=0.051)


def test_french_excel_csv_reads_like_the_base(tmp_path):
    case = next(c for c in cases.POSITIVE if c.id == "pos_excel_fr_csv")
    folder = _instance(tmp_path, case)
    raw = (folder / "accounts.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw and b"44,15777" in raw
    assert _run("validate", folder).exit_code == 0
    base, fr = read_instance(cases.BASE), read_instance(folder)
    assert fr.accounts.ids == base.accounts.ids
    for name in ("lat", "lon", "potential"):
        np.testing.assert_array_equal(getattr(fr.accounts, name), getattr(base.accounts, name))
    np.testing.assert_array_equal(fr.sellers.capacity_h, base.sellers.capacity_h)
    assert fr.accounts.product_lines == base.accounts.product_lines  # ';' lists survive a ';' file


def test_lambert93_geojson_is_reprojected_and_solved(tmp_path):
    case = next(c for c in cases.POSITIVE if c.id == "pos_geojson_lambert93")
    folder = _instance(tmp_path, case)
    assert (
        '"EPSG","2154"' in (folder / "accounts.geojson").read_text().replace(" ", "")
        or "2154" in (folder / "accounts.geojson").read_text()
    )
    base, geo = read_instance(cases.BASE), read_instance(folder)
    np.testing.assert_allclose(geo.accounts.lat, base.accounts.lat, atol=1e-6)
    np.testing.assert_allclose(geo.accounts.lon, base.accounts.lon, atol=1e-6)
    out = tmp_path / "run"
    result = _run("solve", folder, "--model", "size", "--out", out, "--time-limit", "1")
    assert result.exit_code == 0, result.stderr
    assert (out / "alignment.csv").is_file()


def test_plain_xlsx_is_accepted(tmp_path):
    case = next(c for c in cases.POSITIVE if c.id == "pos_xlsx")
    folder = _instance(tmp_path, case)
    assert _run("validate", folder).exit_code == 0
    np.testing.assert_array_equal(
        read_instance(folder).accounts.lat, read_instance(cases.BASE).accounts.lat
    )


def test_markup_in_data_is_printed_verbatim(tmp_path):
    """A Rich markup tag in an id must not crash the error printer or be interpreted."""
    folder = tmp_path / "inst"
    shutil.copytree(cases.BASE, folder)
    cases.set_cell("accounts.csv", 3, "current_seller_id", "[/red][bold]S9")(folder)
    result = _run("validate", folder)
    assert result.exit_code == 2
    assert "'[/red][bold]S9'" in result.stderr


def test_real_console_script_refuses_python_tag(tmp_path):
    """Through the installed entry point: exit 2, one clean line, nothing executed or written."""
    case = next(c for c in cases.CASES if c.id == "nom_python_tag")
    folder = _instance(tmp_path, case)
    exe = Path(sys.executable).with_name("allocate")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "allocate.cli"]
    out = tmp_path / "run"
    proc = subprocess.run(
        [*cmd, "solve", str(folder), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "300"},
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "nomenclature.yaml, row 1: invalid YAML: unsafe or unknown YAML tag" in proc.stderr
    assert not (tmp_path / "pwned").exists() and not out.exists()


def test_parquet_with_typed_and_list_columns_reads_like_the_base(tmp_path):
    """Parquet keeps types (floats, bools, lists); they read as the same instance as the CSV."""
    import pandas as pd

    folder = tmp_path / "inst"
    shutil.copytree(cases.BASE, folder)
    df = pd.read_csv(folder / "accounts.csv", dtype={"account_id": str, "group_id": str})
    df["product_lines"] = df["product_lines"].str.split(";")
    df.to_parquet(folder / "accounts.parquet")
    (folder / "accounts.csv").unlink()
    base, pq = read_instance(cases.BASE), read_instance(folder)
    assert pq.accounts.product_lines == base.accounts.product_lines
    assert pq.accounts.group_ids == base.accounts.group_ids
    np.testing.assert_array_equal(pq.accounts.locked, base.accounts.locked)
    np.testing.assert_array_equal(pq.accounts.potential, base.accounts.potential)
