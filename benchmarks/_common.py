"""Shared helpers of the benchmark scripts: machine description, tables and CSV output."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import platform
import signal
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

COLUMNS = ["instance", "known", "value", "gap", "time_s", "status"]


def machine(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The machine, the versions and the settings a benchmark ran with."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for pkg in ("ortools", "numpy", "highspy", "spopt", "pulp"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[pkg] = metadata.version(pkg)
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "versions": versions,
        "load_avg_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    if extra:
        info.update(extra)
    return info


def write_rows(path: Path, rows: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    """CSV with the standard columns first, and a ``.meta.json`` sidecar with the machine."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = [k for r in rows for k in r if k not in COLUMNS]
    cols = COLUMNS + list(dict.fromkeys(extra))
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: _fmt(r.get(k)) for k in cols})
    os.replace(tmp, path)
    meta_path = path.with_suffix(".meta.json")
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")


def _fmt(v: Any) -> Any:
    if isinstance(v, float):
        return f"{v:.6g}"
    return "" if v is None else v


def print_table(title: str, rows: list[dict[str, Any]], cols: list[str]) -> None:
    t = Table(title=title)
    for c in cols:
        t.add_column(c, justify="right")
    for r in rows:
        t.add_row(*[str(_fmt(r.get(c))) for c in cols])
    Console(width=max(120, Console().width)).print(t)


def run_isolated(cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str] | None:
    """Run ``cmd`` in its own process group; on timeout kill the whole group, return ``None``.

    A peer's solver is often a grandchild (PuLP starts the CBC binary): killing only the
    Python child would leave it running and eating the cores of the next measurements.
    """
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def run_peer(args: list[str], timeout: float) -> dict[str, Any]:
    """Run a peer script in its own Python process and parse its last JSON line."""
    out = run_isolated([sys.executable, *args], timeout)
    if out is None:
        return {"status": "timeout"}
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        return {"status": "error", "error": (out.stderr or out.stdout)[-300:]}
    return json.loads(lines[-1])
