"""Benchmark the p-median engine on OR-Library pmed1-40 or pmedcap1, against PySAL spopt.

Usage::

    python benchmarks/pmedian.py DATA_DIR [--capacitated] [--time-limit S] [--no-peer]
        [--limit K] [--peer-max-n N] --out CSV

DATA_DIR is laid out like ``bench-data/pmed`` (``instances/`` + ``known_values.csv``) or, with
``--capacitated``, like ``bench-data/cpmp`` (``pmedcap1/`` + ``known_values.csv``). The peer is
spopt's ``PMedian`` (PuLP + CBC) run in a separate process by ``peers/spopt_pmedian.py`` with
the same time limit; its time includes building the model. spopt weights the objective by the
same demand its capacity uses, so it cannot express pmedcap1 (unweighted distances, demand in
the capacity only): the peer runs on uncapacitated data only. The machine, versions and
limits are printed and written next to the CSV as ``<out>.meta.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import run_isolated  # noqa: E402
from allocate.io.benchmarks.orlib import read_pmed, read_pmedcap  # noqa: E402
from allocate.sizing.pmedian.solve import solve_pmedian  # noqa: E402

PEER = Path(__file__).parent / "peers" / "spopt_pmedian.py"
#: Seconds the peer may spend beyond the time limit (imports and building the PuLP model).
PEER_OVERHEAD_S = 240
COLUMNS = [
    "instance", "known", "value", "gap", "time_s", "status", "bound", "n", "p",
    "spopt_value", "spopt_time_s", "spopt_status", "speedup", "speedup_kind",
]  # fmt: skip


def _instances(data_dir: Path, capacitated: bool) -> list[tuple[str, Path, float]]:
    with open(data_dir / "known_values.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    key = "best_known" if capacitated else "optimum"
    return [(r["instance"], data_dir / r["file"], float(r[key])) for r in rows]


def _run_peer(cost: np.ndarray, p: int, time_limit_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cost.npy"
        np.save(path, cost)
        start = time.perf_counter()
        done = run_isolated(
            [sys.executable, str(PEER), str(path), str(p), str(time_limit_s)],
            timeout=time_limit_s + PEER_OVERHEAD_S,
        )
        if done is None:  # killed with its CBC process
            return {"value": "", "time_s": time.perf_counter() - start, "status": "killed"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"value": "", "time_s": time.perf_counter() - start, "status": f"error: {tail[0]}"}
    return json.loads(lines[-1])


def _speedup_kind(ours: str, peer: str) -> str:
    """How to read the speed-up: both proven ("measured"), only we proved optimality ("lower_bound":
    the peer would need at least the time it had), or we did not prove it ("capped": a ratio of
    two stopped runs, not a speed-up)."""
    if ours != "optimal":
        return "capped"
    return "measured" if peer == "Optimal" else "lower_bound"


def _meta(args: argparse.Namespace) -> dict[str, Any]:
    versions = {}
    for package in ("ortools", "numpy", "scipy", "spopt", "pulp"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "versions": versions,
        "time_limit_s": args.time_limit,
        "workers": args.workers,
        "seed": args.seed,
        "peer": "spopt PMedian + PuLP CBC (threads=1), separate process",
        "peer_max_n": args.peer_max_n,
        "command": " ".join(sys.argv),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--capacitated", action="store_true")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--limit", type=int, default=None, help="first K instances only")
    parser.add_argument(
        "--peer-max-n", type=int, default=10**9, help="run the peer only up to this size"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    console = Console(width=200)
    meta = _meta(args)
    console.print(meta)
    reader = read_pmedcap if args.capacitated else read_pmed
    instances = _instances(args.data_dir, args.capacitated)[: args.limit]
    rows = []
    for name, path, known in instances:
        inst = reader(path)
        result = solve_pmedian(
            inst.cost,
            inst.p,
            demand=inst.demand,
            capacity=inst.capacity,
            time_limit_s=args.time_limit,
            workers=args.workers,
            seed=args.seed,
        )
        row: dict[str, Any] = {
            "instance": name,
            "known": known,
            "value": result.objective,
            "gap": (result.objective - known) / known,
            "time_s": round(result.wall_s, 3),
            "status": result.status.value,
            "bound": result.best_bound,
            "n": inst.cost.shape[0],
            "p": inst.p,
        }
        peer_ok = (
            not args.no_peer and not args.capacitated and inst.cost.shape[0] <= args.peer_max_n
        )
        if peer_ok:
            peer = _run_peer(inst.cost, inst.p, args.time_limit)
            row["spopt_value"] = peer["value"]
            row["spopt_time_s"] = round(float(peer["time_s"]), 3)
            row["spopt_status"] = peer["status"]
            row["speedup"] = round(float(peer["time_s"]) / max(result.wall_s, 1e-3), 1)
            row["speedup_kind"] = _speedup_kind(row["status"], peer["status"])
        console.print(row)
        rows.append(row)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "w", newline="") as handle:  # rewritten each time: partial runs count
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    args.out.with_suffix(".meta.json").write_text(json.dumps(meta, indent=2))
    _report(console, rows, args)


def _report(console: Console, rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    table = Table(title=f"p-median ({'capacitated' if args.capacitated else 'uncapacitated'})")
    for column in ("instance", "n", "p", "known", "value", "gap %", "time s", "status",
                   "spopt", "spopt s", "spopt status", "speed-up"):  # fmt: skip
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            str(r["instance"]), str(r["n"]), str(r["p"]), f"{r['known']:.0f}",
            f"{r['value']:.0f}", f"{100 * float(r['gap']):.2f}",
            f"{r['time_s']:.2f}", str(r["status"]), str(r.get("spopt_value", "")),
            str(r.get("spopt_time_s", "")), str(r.get("spopt_status", "")),
            str(r.get("speedup", "")),
        )  # fmt: skip
    console.print(table)
    times = [float(r["time_s"]) for r in rows]
    hit = sum(1 for r in rows if float(r["gap"]) <= 1e-9)
    proven = sum(1 for r in rows if r["status"] == "optimal" and float(r["gap"]) <= 1e-9)
    gaps = [float(r["gap"]) for r in rows]
    console.print(
        f"{len(rows)} instances: {hit} reach the known value, {proven} proven optimal; "
        f"max gap {100 * max(gaps):.2f} %; time max {max(times):.2f} s, "
        f"median {statistics.median(times):.2f} s (limit {args.time_limit:g} s)"
    )
    speedups = [float(r["speedup"]) for r in rows if "speedup" in r]
    if speedups:
        kinds = statistics.multimode([r["speedup_kind"] for r in rows if "speedup" in r])
        counts = {k: sum(1 for r in rows if r.get("speedup_kind") == k)
                  for k in ("measured", "lower_bound", "capped")}  # fmt: skip
        console.print(
            f"spopt peer on {len(speedups)} instances: median speed-up {statistics.median(speedups):.1f}x "
            f"(peer time includes model building; {counts['measured']} measured, "
            f"{counts['lower_bound']} lower bounds where the peer stopped unproven, "
            f"{counts['capped']} where we did not prove optimality either; most common: {kinds[0]})"
        )


if __name__ == "__main__":
    main()
