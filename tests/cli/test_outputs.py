"""Every command checks its output path before any work: exit 2, one line, nothing solved.

Issue 14, item 10: ``--out`` naming an existing file raised ``FileExistsError`` (exit 1) after
all the solving (33 s for ``compare``). Each case below gives an input that the command would
fail on later (a missing run folder, alignment or instance), so the message proves the output
was checked first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocate.cli import app
from tests.batch.conftest import write_batch
from tests.conftest import TINY_ACCOUNTS, TINY_SELLERS, write_instance

runner = CliRunner()


def _commands(inst: Path, missing: Path, batch: Path, out: Path) -> dict[str, list[str]]:
    return {
        "solve": ["solve", str(inst), "--model", "geography", "--out", str(out)],
        "schedule": ["schedule", str(inst), "--alignment", str(missing / "alignment.csv"), "--out", str(out)],
        "compare": ["compare", str(inst), "--models", "geography,size", "--out", str(out)],
        "batch": ["batch", str(batch), "--out", str(out)],
        "size": ["size", str(inst), "--out", str(out)],
        "report": ["report", str(missing), "--out", str(out)],
        "map": ["map", str(missing), "--out", str(out / "map.html")],
        "generate": ["generate", "--accounts", "10", "--sellers", "2", "--out", str(out)],
    }


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, Path]:
    root = tmp_path_factory.mktemp("outputs")
    inst = write_instance(root / "tiny", TINY_ACCOUNTS, TINY_SELLERS)
    batch = write_batch(root, str(inst), ["geography"], [{"name": "today"}])
    file = root / "taken.txt"
    file.write_text("someone's file\n")
    return inst, root / "missing", batch, file


@pytest.mark.parametrize("command", ["solve", "schedule", "compare", "batch", "size", "report", "map", "generate"])
def test_an_output_under_or_at_a_file_is_refused_first(setup, command: str) -> None:
    inst, missing, batch, file = setup
    res = runner.invoke(app, _commands(inst, missing, batch, file)[command], env={"COLUMNS": "300"})
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: --out") and "is a file" in lines[0], res.output
    assert file.read_text() == "someone's file\n"


@pytest.mark.parametrize("command", ["solve", "compare", "size", "report"])
def test_a_folder_allocate_did_not_write_is_not_replaced(setup, tmp_path: Path, command: str) -> None:
    inst, missing, batch, _ = setup
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    res = runner.invoke(app, _commands(inst, missing, batch, mine)[command], env={"COLUMNS": "300"})
    assert res.exit_code == 2 and "did not write" in res.output, res.output
    assert [p.name for p in mine.iterdir()] == ["thesis.tex"]


def test_solve_into_its_own_instance_folder_is_refused(setup) -> None:
    inst = setup[0]
    res = runner.invoke(app, ["solve", str(inst), "--model", "geography", "--out", str(inst.parent)])
    assert res.exit_code == 2 and "holds the input" in res.output, res.output
    assert (inst / "accounts.csv").is_file()
