"""``allocate serve`` as a process: a free port, an answer within 10 s, a clean stop."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from allocate.serve.guard import Guard
from allocate.serve.server import address

SRC = Path(__file__).resolve().parents[2] / "src"


def test_address_shows_the_token_only_when_needed() -> None:
    assert address("127.0.0.1", 8765, Guard.for_host("127.0.0.1", "abc")) == "http://127.0.0.1:8765/"
    assert address("0.0.0.0", 80, Guard.for_host("0.0.0.0", "abc")) == "http://0.0.0.0:80/?token=abc"
    assert address("::1", 9, Guard.for_host("::1", "abc")) == "http://[::1]:9/"


def test_server_answers_within_10s_and_stops_cleanly(small_run, tmp_path: Path) -> None:
    """The process may take a while to import the package on a loaded machine (up to 60 s
    here); once it prints its address it must answer within 10 s, and stop on Ctrl-C."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "300"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "allocate", "serve", str(small_run["instance"]), "--run", str(small_run["run"]),
         "--port", "0", "--out", str(tmp_path / "versions")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    try:
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout or ()], daemon=True).start()
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                assert proc.poll() is None, "the server exited"
                continue
            m = re.search(r"open (http://127\.0\.0\.1:\d+/)", line)
            url = m.group(1) if m else None
        assert url, "no address printed"
        t0 = time.monotonic()
        with urllib.request.urlopen(url + "api/state", timeout=10) as r:
            state = json.loads(r.read())
        assert time.monotonic() - t0 < 10
        assert state["model"] == "geography" and state["sellers"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0
