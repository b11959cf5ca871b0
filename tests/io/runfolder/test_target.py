"""Output paths checked before any work, and run folders written as one unit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from allocate.core.errors import InputError
from allocate.io.runfolder import ALIGNMENT, KPIS, check_out_dir, check_out_file, writing


def _refused(fn, *args, **kwargs) -> str:
    with pytest.raises(InputError) as err:
        fn(*args, **kwargs)
    (problem,) = err.value.problems
    return str(problem)


def test_a_new_an_empty_or_an_earlier_run_folder_is_accepted(tmp_path: Path) -> None:
    assert check_out_dir(tmp_path / "new" / "run") == tmp_path / "new" / "run"
    (tmp_path / "empty").mkdir()
    check_out_dir(tmp_path / "empty")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / KPIS).write_text("{}")
    check_out_dir(tmp_path / "run")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        # an existing file: was FileExistsError (exit 1) after all the solving
        (lambda t: (t / "out").write_text("x") and t / "out", "is a file"),
        # a folder below a file
        (lambda t: (t / "f").write_text("x") and t / "f" / "run", "is a file, so"),
        # someone's own folder: replacing it would delete their files
        (lambda t: ((t / "out").mkdir(), (t / "out" / "notes.txt").write_text("x")) and t / "out", "did not write"),
    ],
)
def test_bad_output_folders_are_refused_in_one_line(tmp_path: Path, make, expected: str) -> None:
    out = make(tmp_path)
    message = _refused(check_out_dir, out)
    assert expected in message and str(out) in message and "\n" not in message


def test_a_folder_holding_an_input_or_the_working_folder_is_refused(tmp_path: Path, monkeypatch) -> None:
    inst = tmp_path / "work" / "instance"
    inst.mkdir(parents=True)
    assert "holds the input" in _refused(check_out_dir, tmp_path / "work", inputs=[inst])
    assert "holds the input" in _refused(check_out_dir, inst, inputs=[inst])
    monkeypatch.chdir(tmp_path / "work")
    assert "working folder" in _refused(check_out_dir, Path("."))
    assert "working folder" in _refused(check_out_dir, tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_parent_is_refused(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert "cannot write in the folder" in _refused(check_out_dir, ro / "run")
    finally:
        ro.chmod(0o755)


def test_generate_adds_files_so_only_the_path_is_checked(tmp_path: Path) -> None:
    (tmp_path / "inst").mkdir()
    (tmp_path / "inst" / "notes.txt").write_text("x")
    check_out_dir(tmp_path / "inst", markers=None)
    (tmp_path / "file").write_text("x")
    assert "is a file" in _refused(check_out_dir, tmp_path / "file", markers=None)


def test_output_files_are_checked(tmp_path: Path) -> None:
    assert check_out_file(tmp_path / "maps" / "a.html", suffix=".html") == tmp_path / "maps" / "a.html"
    assert "must end with .html" in _refused(check_out_file, tmp_path / "a.png", suffix=".html")
    (tmp_path / "d.html").mkdir()
    assert "is a folder" in _refused(check_out_file, tmp_path / "d.html", suffix=".html")
    (tmp_path / "f").write_text("x")
    assert "is a file, so" in _refused(check_out_file, tmp_path / "f" / "a.html", suffix=".html")


def test_writing_shows_the_old_run_or_the_new_one(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / ALIGNMENT).write_text("old alignment")
    (run / KPIS).write_text("old kpis")
    with pytest.raises(KeyboardInterrupt), writing(run) as tmp:
        (tmp / ALIGNMENT).write_text("new alignment")
        raise KeyboardInterrupt  # SIGTERM between two files
    assert (run / ALIGNMENT).read_text() == "old alignment" and (run / KPIS).read_text() == "old kpis"
    with writing(run) as tmp:
        (tmp / ALIGNMENT).write_text("new alignment")
        (tmp / KPIS).write_text("new kpis")
    assert (run / ALIGNMENT).read_text() == "new alignment" and (run / KPIS).read_text() == "new kpis"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
