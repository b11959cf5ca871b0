"""The application: user errors become exit codes and one-line messages, never tracebacks."""

from __future__ import annotations

from typer.testing import CliRunner

from allocate.cli import app


def test_cli_has_no_python_traceback_on_missing_folder(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "nope")], catch_exceptions=False)
    assert result.exit_code == 2 and "not a folder" in result.stderr
    assert "Traceback" not in result.output


def test_help_lists_the_command_groups_in_order():
    out = CliRunner().invoke(app, ["--help"]).output
    names = ["validate", "info", "generate", "solve", "schedule", "map", "report", "compare", "batch", "size"]
    positions = [out.index(f" {n} ") for n in names]
    assert positions == sorted(positions)
