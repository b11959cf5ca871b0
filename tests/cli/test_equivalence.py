"""Behaviour lock: the CLI's outputs on a small instance equal the recorded reference, byte for byte.

The reference under ``tests/cli/reference/`` was recorded from main before the package was
reorganized (issue 13) and must not drift unless a change of behaviour is intended. Every
command runs with one worker and a seed, so each stage stops on a deterministic budget
(the run's ``kpis.json`` says so); a run whose wall-clock safety fired first is not comparable
and is skipped, not passed.

To re-record after an intended change of behaviour (and say so in the commit)::

    python -m tests.cli.test_equivalence --record
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REFERENCE = Path(__file__).parent / "reference"
MODELS = ("geography", "size", "value_proposition", "roles", "generalist", "hybrid")
#: keys of kpis.json that measure the machine, not the answer
VOLATILE = {"wall_s", "instance_dir", "time_s", "elapsed_s"}
_MAIN = "import sys; from allocate.cli import main; sys.argv[0] = 'allocate'; main()"


def _allocate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _MAIN, *args], capture_output=True, text=True, timeout=600)


def produce(out: Path) -> dict[str, int]:
    """Run the reference commands into ``out``; return each command's exit code."""
    codes: dict[str, int] = {}
    gen = out / "gen"
    codes["generate"] = _allocate("generate", "--country", "FR", "--accounts", "120", "--sellers", "3",
                                  "--seed", "7", "--out", str(gen)).returncode
    codes["generate-us"] = _allocate("generate", "--country", "US", "--accounts", "80", "--sellers", "3",
                                     "--seed", "7", "--out", str(out / "gen-us")).returncode
    for model in MODELS:
        codes[f"solve-{model}"] = _allocate("solve", str(gen), "--model", model, "--seed", "1", "--workers", "1",
                                            "--time-limit", "8", "--out", str(out / f"solve-{model}")).returncode
    codes["schedule"] = _allocate("schedule", str(gen), "--alignment", str(out / "solve-size" / "alignment.csv"),
                                  "--weeks", "4", "--start", "2027-01-04", "--time-limit", "5",
                                  "--out", str(out / "solve-size")).returncode
    codes["compare"] = _allocate("compare", str(gen), "--models", "size,roles", "--seed", "1", "--workers", "1",
                                 "--time-limit", "8", "--out", str(out / "compare")).returncode
    return codes


def _strip(obj):
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _timeless(path: Path) -> bytes:
    """The file's bytes with the wall-time row of a comparison table blanked out."""
    data = path.read_bytes()
    if not path.name.startswith("comparison."):
        return data
    return re.sub(rb"(wall time[^0-9]*)[0-9.e-]+([^0-9.e-]+)[0-9.e-]+", rb"\1#\2#", data)


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file() and p.name != "codes.json")


def _record(out: Path) -> None:
    import shutil

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    codes = produce(out)
    for p in out.rglob("kpis.json"):
        p.write_text(json.dumps(_strip(json.loads(p.read_text())), indent=2, sort_keys=True) + "\n")
    (out / "codes.json").write_text(json.dumps(codes, indent=2) + "\n")


@pytest.fixture(scope="module")
def produced(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("equivalence")
    return out, produce(out)


def test_exit_codes_match(produced):
    _, codes = produced
    assert codes == json.loads((REFERENCE / "codes.json").read_text())


def test_same_files_written(produced):
    out, _ = produced
    assert _files(out) == _files(REFERENCE)


@pytest.mark.parametrize("rel", [str(p) for p in _files(REFERENCE)] if REFERENCE.exists() else [])
def test_file_identical(produced, rel):
    out, _ = produced
    got, want = out / rel, REFERENCE / rel
    if got.name == "kpis.json":
        data = json.loads(got.read_text())
        if data.get("deterministic") is False:
            pytest.skip(f"{rel}: the wall clock stopped this run before its deterministic budget")
        assert _strip(data) == json.loads(want.read_text())
        return
    kpis = got.parent / "kpis.json"
    if kpis.exists() and json.loads(kpis.read_text()).get("deterministic") is False:
        pytest.skip(f"{rel}: the wall clock stopped this run before its deterministic budget")
    assert _timeless(got) == _timeless(want), f"{rel} differs from the recorded reference"


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python -m tests.cli.test_equivalence --record")
    _record(REFERENCE)
    print(f"recorded {len(_files(REFERENCE))} files under {REFERENCE}")
