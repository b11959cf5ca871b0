"""Ctrl-C during `allocate solve` stops the search, keeps the best alignment and writes it whole."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def test_sigint_keeps_best_solution(tmp_path):
    out = tmp_path / "run"
    cmd = [str(Path(sys.executable).parent / "allocate"), "solve", str(ROOT / "instances" / "fr-pme"),
           "--model", "generalist", "--time-limit", "120", "--out", str(out), "--verbose"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_sigint_default,
                            env={**os.environ, "COLUMNS": "200"})
    # past reading and the LP (on a loaded machine that takes longer than any fixed sleep)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "heuristic start" in line:
            break
    time.sleep(2)  # the search is running
    assert proc.poll() is None, proc.communicate()
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    stderr = "".join(seen) + stderr
    stopped_in = time.perf_counter() - t0
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr + stdout
    assert stopped_in < 20
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["interrupted"] is True
    assert kpis["status"] in ("feasible", "optimal")
    alignment = pd.read_csv(out / "alignment.csv", dtype=str)
    accounts = pd.read_csv(ROOT / "instances" / "fr-pme" / "accounts.csv", dtype=str)
    assert sorted(alignment["account_id"]) == sorted(accounts["account_id"])  # whole, not half-written
    assert not list(out.glob(".*.tmp"))


def test_sigint_during_schedule_writes_nothing(tmp_path):
    # fr-national's schedule runs for about two minutes, so the signal lands mid-solve on any machine
    # (fr-pme's finished within the sleep on a fast one).
    exe = str(Path(sys.executable).parent / "allocate")
    run = tmp_path / "run"
    run.mkdir()
    inst = ROOT / "instances" / "fr-national"
    accounts = pd.read_csv(inst / "accounts.csv", dtype=str)
    accounts[["account_id"]].assign(seller_id=accounts["current_seller_id"]).to_csv(
        run / "alignment.csv", index=False)
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    proc = subprocess.Popen([exe, "schedule", str(inst), "--alignment", str(run / "alignment.csv"),
                             "--time-limit", "90", "--out", str(run)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_sigint_default)
    # the sellers are being solved (a fixed sleep could end during the imports on a loaded machine)
    assert _wait_for(lambda: len(_children(proc.pid)) >= 2, 120), proc.communicate()
    time.sleep(1)
    assert proc.poll() is None, proc.communicate()
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert time.perf_counter() - t0 < 15
    assert "Traceback" not in stderr
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before  # nothing written or changed


# --------------------------------------------------------------------------- SIGTERM (issue 14, item 14)

_MAIN = "import sys; from allocate.cli import main; sys.argv[0] = 'allocate'; main()"


def _sigint_default() -> None:
    """Children start with Ctrl-C's default disposition even when the test run itself was
    started with SIGINT ignored (a background job of a non-interactive shell passes SIG_IGN on)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _sigint_ignored() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _children(pid: int) -> list[int]:
    """Live processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2:].split()[0] != "Z"


def _wait_for(predicate, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def _previous_run(folder: Path) -> dict[str, bytes]:
    folder.mkdir()
    (folder / "alignment.csv").write_text("account_id,seller_id\nOLD,OLD\n")
    (folder / "kpis.json").write_text('{"model": "previous run"}\n')
    (folder / "territories.geojson").write_text('{"previous": true}\n')
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_sigterm_in_the_middle_of_writing_a_solve_leaves_the_previous_run(tmp_path):
    """A real SIGTERM, sent from inside the writer after the new alignment.csv is on disk:
    the folder must still be the previous run, whole (it used to mix the two runs)."""
    from tests.conftest import TINY_ACCOUNTS, TINY_SELLERS, write_instance

    inst = write_instance(tmp_path / "tiny", TINY_ACCOUNTS, TINY_SELLERS)
    out = tmp_path / "run"
    before = _previous_run(out)
    code = (
        "import os, signal, sys\n"
        "import allocate.io.runfolder.solve as w\n"
        "def killed(*a, **k):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    return '{}'\n"
        "w.territories_geojson = killed\n" + _MAIN
    )
    proc = subprocess.run([sys.executable, "-c", code, "solve", str(inst), "--model", "geography", "--time-limit", "2",
                           "--workers", "1", "--out", str(out)], capture_output=True, text=True, timeout=120,
                           preexec_fn=_sigint_default)
    assert proc.returncode == 143, proc.stderr
    assert "Traceback" not in proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "tiny"]  # no staging folder or lock left


def test_sigterm_terminates_even_when_sigint_is_ignored(tmp_path):
    """A command started as a background job of a script (or under nohup) inherits SIGINT
    ignored; SIGTERM, which defers to the SIGINT handler, used to be swallowed there."""
    from tests.conftest import TINY_ACCOUNTS, TINY_SELLERS, write_instance

    inst = write_instance(tmp_path / "tiny", TINY_ACCOUNTS, TINY_SELLERS)
    out = tmp_path / "run"
    code = (
        "import os, signal\n"
        "import allocate.io.runfolder.solve as w\n"
        "def killed(*a, **k):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    return '{}'\n"
        "w.territories_geojson = killed\n" + _MAIN
    )
    proc = subprocess.run([sys.executable, "-c", code, "solve", str(inst), "--model", "geography", "--time-limit", "2",
                           "--workers", "1", "--out", str(out)], capture_output=True, text=True, timeout=120,
                          preexec_fn=_sigint_ignored)
    assert proc.returncode == 143, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_sigterm_stops_solve_like_ctrl_c(tmp_path):
    out = tmp_path / "run"
    before = _previous_run(out)
    lock = tmp_path / ".run.lock"
    proc = subprocess.Popen([sys.executable, "-c", _MAIN, "solve", str(ROOT / "instances" / "fr-pme"), "--model",
                             "generalist", "--time-limit", "120", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_sigint_default)
    _wait_for(lock.exists, 30)  # the command has started (it holds the folder's lock)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    if after != before:  # the search had started: its best alignment, whole, replaces the old run
        kpis = json.loads(after["kpis.json"])
        assert kpis["interrupted"] is True and set(after) >= {"alignment.csv", "sellers_kpis.csv"}
        assert b"OLD" not in after["alignment.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def _schedule(tmp_path: Path) -> tuple[subprocess.Popen, Path, dict[str, bytes]]:
    run = tmp_path / "run"
    run.mkdir()
    inst = ROOT / "instances" / "fr-pme"
    accounts = pd.read_csv(inst / "accounts.csv", dtype=str)
    accounts[["account_id"]].assign(seller_id=accounts["current_seller_id"]).to_csv(run / "alignment.csv", index=False)
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    proc = subprocess.Popen([sys.executable, "-c", _MAIN, "schedule", str(inst), "--alignment", str(run / "alignment.csv"),
                             "--workers", "2", "--time-limit", "120", "--out", str(run)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_sigint_default)
    return proc, run, before


def test_sigterm_during_schedule_leaves_no_worker_behind(tmp_path):
    proc, run, before = _schedule(tmp_path)
    workers: list[int] = []
    try:
        assert _wait_for(lambda: len(_children(proc.pid)) >= 2, 60), proc.communicate()
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
        assert proc.returncode == 143, stderr
        assert "Traceback" not in stderr
        assert _wait_for(lambda: not any(_alive(w) for w in workers), 5), "pool workers outlived their parent"
        assert {p.name: p.read_bytes() for p in run.iterdir()} == before
    finally:
        for w in workers:  # on a failure, do not leave them running
            if _alive(w):
                os.kill(w, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()


def test_sigkill_of_schedule_takes_its_workers_along(tmp_path):
    proc, run, before = _schedule(tmp_path)
    workers: list[int] = []
    try:
        assert _wait_for(lambda: len(_children(proc.pid)) >= 2, 60), proc.communicate()
        workers = _children(proc.pid)
        proc.kill()
        proc.communicate(timeout=20)
        assert _wait_for(lambda: not any(_alive(w) for w in workers), 5), "pool workers outlived their parent"
        assert {p.name: p.read_bytes() for p in run.iterdir()} == before
    finally:
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)
