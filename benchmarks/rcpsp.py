"""RCPSP benchmark: solve PSPLIB ``.sm`` files with the allocate scheduling engine.

Reads every ``.sm`` file of DATA_DIR through :mod:`allocate.io.benchmarks.psplib` onto the same
engine that schedules action plans, and compares the makespan with the known optimum.

    python benchmarks/rcpsp.py ../shared/bench-data/rcpsp/j30 --time-limit 10 --workers 2 \
        --out rcpsp_j30.csv

Writes one CSV row per instance (``instance,known,value,gap,time_s,status,lower_bound``), a
sidecar ``OUT.meta.json`` with the machine, versions and limits, and prints a table and a
summary. ``gap`` is ``(value - known) / known``; ``status`` is the solver's (optimal = proven).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from allocate.schedule import read_psplib, solve_schedule, to_schedule_problem


def _natural_key(path: Path) -> list[object]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.stem)]


def _known_values(path: Path | None) -> dict[str, int]:
    if path is None or not path.exists():
        return {}
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for row in rows:
        value = row.get("best_known") or row.get("optimum") or row.get("value")
        if value:
            out[row["instance"]] = int(float(value))
    return out


def _machine() -> dict[str, object]:
    import numpy
    import ortools

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "ortools": getattr(ortools, "__version__", "?"),
        "numpy": numpy.__version__,
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("data_dir", type=Path, help="folder of PSPLIB .sm files")
    ap.add_argument(
        "--known",
        type=Path,
        default=None,
        help="CSV of optima (default: DATA_DIR/../known_values.csv)",
    )
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    ap.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=None, help="only the first K instances")
    ap.add_argument("--out", type=Path, required=True, help="CSV to write")
    args = ap.parse_args(argv)

    console = Console()
    files = sorted(args.data_dir.glob("*.sm"), key=_natural_key)
    if args.limit is not None:
        files = files[: args.limit]
    if not files:
        console.print(f"[red]no .sm files in {args.data_dir}")
        return 2
    known_path = args.known or args.data_dir.parent / "known_values.csv"
    known = _known_values(known_path)
    meta = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": _machine(),
        "time_limit_s": args.time_limit,
        "workers": args.workers,
        "seed": args.seed,
        "instances": len(files),
        "known_values": str(known_path),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    console.print(
        f"RCPSP benchmark: {len(files)} instances, time limit {args.time_limit} s, "
        f"{args.workers} workers, seed {args.seed}; {meta['machine']}"
    )

    rows: list[dict[str, object]] = []
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fields = ["instance", "known", "value", "gap", "time_s", "status", "lower_bound"]
    with args.out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for path in files:
            problem = to_schedule_problem(read_psplib(path))
            result = solve_schedule(
                problem, time_limit_s=args.time_limit, workers=args.workers, seed=args.seed
            )
            ref = known.get(path.stem)
            value = result.makespan
            gap = None if ref is None or value is None else (value - ref) / ref
            row = {
                "instance": path.stem,
                "known": ref if ref is not None else "",
                "value": value if value is not None else "",
                "gap": f"{gap:.4f}" if gap is not None else "",
                "time_s": f"{result.wall_s:.3f}",
                "status": result.status.value,
                "lower_bound": int(result.best_bound) if result.best_bound is not None else "",
            }
            writer.writerow(row)
            fh.flush()
            rows.append(row)
            console.log(
                f"{path.stem}: makespan {value} known {ref} {result.status.value} "
                f"{result.wall_s:.2f} s"
            )

    table = Table(title=f"RCPSP {args.data_dir.name}")
    for col in fields:
        table.add_column(col, justify="right" if col != "instance" else "left")
    for row in rows:
        style = None if row["status"] == "optimal" and row["gap"] in ("0.0000", "") else "red"
        table.add_row(*[str(row[c]) for c in fields], style=style)
    console.print(table)

    times = [float(str(r["time_s"])) for r in rows]
    n_opt = sum(r["status"] == "optimal" for r in rows)
    n_match = sum(r["known"] != "" and r["value"] == r["known"] for r in rows)
    n_within = sum(
        float(str(r["time_s"])) <= args.time_limit for r in rows if r["status"] == "optimal"
    )
    summary = {
        "instances": len(rows),
        "proven_optimal": n_opt,
        "equal_to_known": n_match,
        "optimal_within_limit": n_within,
        "max_time_s": round(max(times), 3),
        "mean_time_s": round(sum(times) / len(times), 3),
        "total_time_s": round(sum(times), 1),
    }
    meta["summary"] = summary
    meta["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    args.out.with_suffix(".meta.json").write_text(json.dumps(meta, indent=2))
    console.print(
        f"[bold]{n_opt}/{len(rows)} proven optimal[/], {n_match} equal to the known optimum; "
        f"max time {summary['max_time_s']} s, mean {summary['mean_time_s']} s, "
        f"total {summary['total_time_s']} s"
    )
    return 0 if n_opt == len(rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
