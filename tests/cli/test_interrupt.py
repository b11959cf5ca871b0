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
           "--model", "generalist", "--time-limit", "120", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "200"})
    time.sleep(12)  # past reading and the LP: CP-SAT is searching
    assert proc.poll() is None, proc.communicate()
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
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
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(8)
    assert proc.poll() is None, proc.communicate()
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert time.perf_counter() - t0 < 15
    assert "Traceback" not in stderr
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before  # nothing written or changed
