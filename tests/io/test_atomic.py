"""Outputs are written atomically, neutralized against CSV injection, and kept inside their folder."""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocate.cli import app
from allocate.core.errors import InputError
from allocate.io.atomic import (
    atomic_rename_dir,
    atomic_write_text,
    atomic_write_with,
    neutralize_cell,
    restore_cell,
    safe_child,
)

BASE = Path(__file__).parents[1] / "cli" / "bad_inputs" / "_base"


# ----------------------------------------------------------------------------- atomic writes


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() to kill a writer mid-write")
def test_sigkill_during_atomic_write_leaves_old_or_new_file(tmp_path):
    """A writer killed at random moments never leaves a truncated or mixed file behind."""
    target = tmp_path / "big.csv"
    size = 4_000_000
    versions = [ch * size for ch in "ABCD"]
    atomic_write_text(target, versions[0])
    rng = random.Random(7)
    killed_mid_write = 0
    for _ in range(25):
        pid = os.fork()
        if pid == 0:  # child: rewrite the file forever, alternating contents
            try:
                k = 1
                while True:
                    atomic_write_text(target, versions[k % 4])
                    k += 1
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.08))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        text = target.read_text()
        assert text in versions, f"truncated or mixed file: {len(text)} chars"
        killed_mid_write += any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
        for p in tmp_path.glob(".big.csv.*.tmp"):  # leftovers of killed writers, never the target
            p.unlink()
    # the kills must actually land during writes for the test to mean something
    assert killed_mid_write >= 5


def test_atomic_write_keeps_permissions_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.csv"
    atomic_write_text(target, "a\n")
    assert target.stat().st_mode & 0o777 == 0o644
    os.chmod(target, 0o600)
    atomic_write_text(target, "b\n")
    assert target.read_text() == "b\n" and target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_failed_write_keeps_old_file(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write_text(target, "old")
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(target, "bad \ud800 surrogate")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


# ----------------------------------------------------------------------------- CSV injection


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),  # formula
        ("+33 1 23", "'+33 1 23"),  # a phone number a spreadsheet would compute
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Dupont SA", "Dupont SA"),  # plain text unchanged
        (-2.5, -2.5),  # numbers stay numbers
    ],
)
def test_neutralize_cell(value, expected):
    assert neutralize_cell(value) == expected
    assert restore_cell(neutralize_cell(value)) == value  # the CRM files take the value back


@pytest.mark.parametrize("value", ["'quoted", "''=x", "'", "O'Neil", 3])  # apostrophes not added by neutralizing
def test_restore_cell_keeps_other_apostrophes(value):
    assert restore_cell(value) == value


def test_solve_exports_neutralized_names(tmp_path):
    """Names starting with = + - @ come out of ``solve`` prefixed with an apostrophe; ids
    cannot start so (they are refused where they enter: tests/cli/test_formula_ids.py)."""
    folder = tmp_path / "inst"
    shutil.copytree(BASE, folder)
    hostile = {"S001": "=cmd|'/c calc'!A1", "S002": "+SUM(1)", "S003": "-1+1", "S004": "@SUM(A1)"}
    rows = list(csv.reader((folder / "sellers.csv").open(encoding="utf-8", newline="")))
    for r in rows[1:]:
        r[1] = hostile[r[0]]
    with (folder / "sellers.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    text = (folder / "accounts.csv").read_text(encoding="utf-8")
    (folder / "accounts.csv").write_text(text.replace("A000007,", "A000007,=SUM(A1)"), encoding="utf-8")

    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        ["solve", str(folder), "--model", "size", "--out", str(out), "--time-limit", "1"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    kpis = list(csv.DictReader((out / "sellers_kpis.csv").open(encoding="utf-8", newline="")))
    assert {r["seller_id"]: r["name"] for r in kpis} == {k: "'" + v for k, v in hostile.items()}
    assert (out / "alignment.csv").read_text(encoding="utf-8").count("\nA000007,") == 1


# ----------------------------------------------------------------------------- path safety


@pytest.mark.parametrize("rel", ["cal.csv", "sub/cal.csv", "sub\\cal.csv", "./sub/../cal.csv"])
def test_safe_child_accepts_paths_inside(tmp_path, rel):
    p = safe_child(tmp_path, rel)
    assert p == (tmp_path / rel.replace("\\", "/")).resolve()


@pytest.mark.parametrize(
    "rel",
    [
        "../x",  # climbs out
        "sub/../../x",  # climbs out after going in
        "..\\..\\etc\\passwd",  # Windows separators
        "/etc/passwd",  # POSIX absolute
        "C:\\Windows\\win.ini",  # drive letter
        "C:/x",
        "\\\\server\\share\\x",  # UNC path
        "",  # nothing
        "a\x00b",  # NUL byte
        "link/secret",  # through a symlink that points outside
    ],
)
def test_safe_child_refuses_escapes(tmp_path, rel):
    root = tmp_path / "inst"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("s")
    (root / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InputError) as err:
        safe_child(root, rel, file="sellers.csv", row=3, column="calendar")
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.column) == ("sellers.csv", 3, "calendar")
    assert str(problem).startswith("sellers.csv, row 3, column 'calendar': ")


def test_calendar_inside_the_instance_is_accepted(tmp_path):
    folder = tmp_path / "inst"
    shutil.copytree(BASE, folder)
    (folder / "calendars").mkdir()
    (folder / "calendars" / "s002.csv").write_text("date\n2026-12-25\n")
    rows = list(csv.reader((folder / "sellers.csv").open(encoding="utf-8", newline="")))
    rows[0].append("calendar")
    for r in rows[1:]:
        r.append("calendars/s002.csv" if r[0] == "S002" else "")
    with (folder / "sellers.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    result = CliRunner().invoke(app, ["validate", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr


def test_atomic_rename_dir_publishes_once(tmp_path):
    """The first finished folder wins; a later one is refused and left for its writer to drop."""
    first, second, final = tmp_path / ".a", tmp_path / ".b", tmp_path / "final"
    for folder, text in ((first, "first"), (second, "second")):
        folder.mkdir()
        (folder / "f.txt").write_text(text)
    assert atomic_rename_dir(first, final) is True
    assert not first.exists() and (final / "f.txt").read_text() == "first"
    assert atomic_rename_dir(second, final) is False
    assert (final / "f.txt").read_text() == "first" and second.is_dir()


def test_atomic_write_with_leaves_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "t.bin"
    target.write_bytes(b"old")

    def broken(path: Path) -> None:
        path.write_bytes(b"half")
        raise RuntimeError("driver failed")

    with pytest.raises(RuntimeError):
        atomic_write_with(target, broken)
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["t.bin"]
    atomic_write_with(target, lambda p: p.write_bytes(b"new"))
    assert target.read_bytes() == b"new"


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX paths and fork")


def test_jsonable_converts_numpy_scalars_and_non_finite_numbers():
    import math

    import numpy as np

    from allocate.io.atomic import jsonable

    out = jsonable({"a": np.float32("nan"), 1: [np.int64(3), math.inf, (np.bool_(True), "s")], "e": {}})
    assert out == {"a": None, "1": [3, None, [True, "s"]], "e": {}}
    assert type(out["1"][0]) is int and type(out["1"][2][0]) is bool


# --------------------------------------------------------------------------- folders as one unit


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_staged_dir_replaces_the_whole_folder(tmp_path):
    from allocate.io.atomic import staged_dir

    final = tmp_path / "run"
    final.mkdir()
    (final / "a.csv").write_text("old a")
    (final / "stale.csv").write_text("from an older run")
    with staged_dir(final, ".staging-") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".staging-run-")
        assert _tree(final) == {"a.csv": b"old a", "stale.csv": b"from an older run"}  # untouched meanwhile
        (tmp / "a.csv").write_text("new a")
    assert _tree(final) == {"a.csv": b"new a"}  # nothing of the old run is left to mix with
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_staged_dir_keeps_the_old_folder_when_the_block_fails(tmp_path, error):
    from allocate.io.atomic import staged_dir

    final = tmp_path / "run"
    final.mkdir()
    (final / "a.csv").write_text("old a")
    (final / "b.json").write_text("old b")
    with pytest.raises(error), staged_dir(final, ".staging-") as tmp:
        (tmp / "a.csv").write_text("new a")  # the first file is written, then the run stops
        raise error
    assert _tree(final) == {"a.csv": b"old a", "b.json": b"old b"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_staged_dir_keep_adds_to_a_copy_and_leaves_the_old_files_alone(tmp_path):
    from allocate.io.atomic import atomic_write_text, staged_dir

    final = tmp_path / "run"
    final.mkdir()
    (final / "alignment.csv").write_text("al")
    (final / "kpis.json").write_text("{}")
    old_kpis = final / "kpis.json"
    with pytest.raises(KeyboardInterrupt), staged_dir(final, ".staging-", keep=True) as tmp:
        atomic_write_text(tmp / "kpis.json", '{"merged": 1}')  # replaced, never edited in place
        raise KeyboardInterrupt
    assert old_kpis.read_text() == "{}"  # the hard link of the copy did not leak the change
    with staged_dir(final, ".staging-", keep=True) as tmp:
        atomic_write_text(tmp / "kpis.json", '{"merged": 1}')
        (tmp / "schedule.csv").write_text("s")
    assert _tree(final) == {"alignment.csv": b"al", "kpis.json": b'{"merged": 1}', "schedule.csv": b"s"}


def test_staged_dir_removes_folders_left_by_dead_processes_only(tmp_path):
    import subprocess
    import sys

    from allocate.io.atomic import staged_dir

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f".staging-run-{int(dead.stdout)}-deadbeef"
    alive = tmp_path / f".staging-run-{os.getpid()}-cafecafe"  # a live writer's: kept
    other = tmp_path / f".staging-other-{int(dead.stdout)}-deadbeef"  # another folder's: not ours to judge
    for p in (orphan, alive, other):
        p.mkdir()
    with staged_dir(tmp_path / "run", ".staging-") as tmp:
        (tmp / "x").write_text("x")
    assert not orphan.exists() and alive.exists() and other.exists()


def test_swap_dir_refuses_to_replace_a_file(tmp_path):
    from allocate.io.atomic import swap_dir

    new = tmp_path / "new"
    new.mkdir()
    (tmp_path / "final").write_text("a file")
    with pytest.raises(NotADirectoryError):
        swap_dir(new, tmp_path / "final")
    assert (tmp_path / "final").read_text() == "a file"


def test_staged_dir_follows_a_symbolic_link_and_keeps_it(tmp_path):
    from allocate.io.atomic import staged_dir

    real = tmp_path / "disk" / "run"
    real.mkdir(parents=True)
    (real / "a.csv").write_text("old")
    link = tmp_path / "run"
    link.symlink_to(real, target_is_directory=True)
    with staged_dir(link, ".staging-") as tmp:
        (tmp / "a.csv").write_text("new")
    assert link.is_symlink() and (real / "a.csv").read_text() == "new"
    assert sorted(p.name for p in (tmp_path / "disk").iterdir()) == ["run"]
