"""Does each command keep its time limit? The whole command, as users run it, vs limit + 10 %.

Runs the CLI as subprocesses (``python -m allocate ...``) on an instance folder: ``solve`` with
each model at each limit, ``compare`` (its limit is per model), and ``schedule`` of the first
solve's alignment (``--no-schedule`` skips it; its row also gives the plan's own wall time,
how many actions it planned and which stages its budgets or the clock stopped, from the
``schedule`` section of ``kpis.json``). Each command's wall time is compared with what it may take: the reading
time (interpreter start, imports and reading the instance, measured alone first) plus the limit
and 10 %. One row per command: ``instance`` names the command, ``known`` is the allowed time,
``value`` the wall time, ``gap`` the overrun as a share of the limit (negative: time to spare),
``status`` ``within`` or ``over``; extra columns give the exit code, the limit, the reading
time, and ``deterministic`` / ``clock_stopped`` from ``kpis.json`` when there is one.

    python benchmarks/time_limits.py instances/fr-national --limits 5,15 --out bench-results/time_limits.csv
    python benchmarks/time_limits.py /tmp/big100k --limits 30 --models size --out bench-results/time_limits_100k.csv
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, print_table, run_isolated, write_rows  # noqa: E402
from allocate.io.runfolder import ALIGNMENT, KPIS  # noqa: E402

#: A command may take the reading time plus the limit and this share of it.
SLACK = 0.10
#: A command that runs past this many times its allowance is killed (and reported "over").
KILL_FACTOR = 4.0


def _allocate(*args: str) -> list[str]:
    return [sys.executable, "-m", "allocate", *args]


def reading_time(folder: Path, repeats: int = 2) -> float:
    """Median wall time of a process that starts, imports the CLI and reads the instance."""
    code = (
        "import allocate.cli.app\n"
        "from allocate.io import read_instance\n"
        f"read_instance({str(folder)!r})\n"
    )
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = run_isolated([sys.executable, "-c", code], timeout=600)
        if out is None or out.returncode != 0:
            raise SystemExit(f"cannot read {folder}: {out.stderr[-300:] if out else 'timeout'}")
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(
    name: str,
    cmd: list[str],
    limit: float,
    read_s: float,
    kpis: Path | None,
    section: str | None = None,
) -> dict[str, Any]:
    """Run one command and compare its wall time with ``read_s + limit * (1 + SLACK)``.

    ``section`` names the part of ``kpis.json`` that the command wrote (``schedule``: the
    plan's own keys; default: the top level, as ``solve`` writes it).
    """
    allowed = read_s + limit * (1 + SLACK)
    t = time.perf_counter()
    out = run_isolated(cmd, timeout=KILL_FACTOR * allowed + 30)
    wall = time.perf_counter() - t
    row: dict[str, Any] = {
        "instance": name,
        "known": round(allowed, 2),
        "value": round(wall, 2),
        "gap": (wall - allowed) / limit,
        "time_s": round(wall, 2),
        "status": "within" if out is not None and wall <= allowed else "over",
        "exit": "killed" if out is None else out.returncode,
        "limit_s": limit,
        "read_s": round(read_s, 2),
    }
    if out is not None and out.returncode not in (0, 3):
        row["error"] = (out.stderr or out.stdout).strip().splitlines()[-1:]
    if kpis is not None and kpis.exists():
        data = json.loads(kpis.read_text())
        if section is not None:
            data = data.get(section, {})
            row["own_wall_s"] = data.get("wall_s")  # the command's own timing, after reading
            row["scheduled"] = data.get("scheduled")
            row["actions"] = data.get("actions")
            row["stopped_by_budget"] = data.get("stopped_by_budget")
        row["deterministic"] = data.get("deterministic")
        row["clock_stopped"] = data.get("deterministic_note", "")
        row["solve_status"] = data.get("status")
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path, help="instance folder (e.g. instances/fr-national)")
    ap.add_argument("--limits", default="5,15", help="time limits in seconds, comma-separated")
    ap.add_argument("--models", default="geography,size,value_proposition,roles,generalist")
    ap.add_argument("--compare-models", default="geography,size", help="models of `compare` ('' to skip)")
    ap.add_argument("--no-schedule", action="store_true", help="skip `schedule`")
    ap.add_argument("--weeks", type=int, default=13)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True, help="CSV of results")
    args = ap.parse_args()
    limits = [float(x) for x in args.limits.split(",") if x.strip()]
    models = [m for m in args.models.split(",") if m.strip()]
    meta = machine(
        {"limits": limits, "models": models, "workers": args.workers, "slack": SLACK,
         "data": str(args.data.resolve())}
    )  # fmt: skip
    read_s = reading_time(args.data)
    print(f"reading time (start, imports, read_instance): {read_s:.2f} s", flush=True)
    name = args.data.resolve().name
    common = ["--workers", str(args.workers), "--seed", str(args.seed)]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="time-limits-") as tmp:
        work = Path(tmp)
        first_run: Path | None = None
        for limit in limits:
            for model in models:
                run = work / f"{model}-{limit:g}"
                cmd = _allocate("solve", str(args.data), "--model", model, "--time-limit", f"{limit:g}",
                                *common, "--out", str(run))  # fmt: skip
                row = measure(f"{name}:solve:{model}@{limit:g}", cmd, limit, read_s, run / KPIS)
                rows.append(row)
                print(row, flush=True)
                if first_run is None and row["exit"] == 0:
                    first_run = run
            if args.compare_models:
                cm = [m for m in args.compare_models.split(",") if m.strip()]
                out = work / f"compare-{limit:g}"
                cmd = _allocate("compare", str(args.data), "--models", ",".join(cm), "--time-limit",
                                f"{limit:g}", *common, "--out", str(out))  # fmt: skip
                # the limit of `compare` is per model
                row = measure(f"{name}:compare:{'+'.join(cm)}@{limit:g}", cmd, limit * len(cm), read_s, None)
                rows.append(row)
                print(row, flush=True)
            if first_run is not None and not args.no_schedule:
                cmd = _allocate("schedule", str(args.data), "--alignment", str(first_run / ALIGNMENT),
                                "--weeks", str(args.weeks), "--time-limit", f"{limit:g}",
                                "--workers", str(args.workers), "--out", str(first_run))  # fmt: skip
                row = measure(f"{name}:schedule@{limit:g}", cmd, limit, read_s,
                              first_run / KPIS, section="schedule")  # fmt: skip
                rows.append(row)
                print(row, flush=True)
    meta["load_avg_end"] = __import__("os").getloadavg()[0]
    write_rows(args.out, rows, meta)
    print_table(
        f"time limits on {name} (allowed = reading {read_s:.1f} s + limit + {SLACK:.0%})",
        rows,
        ["instance", "known", "value", "gap", "status", "exit", "deterministic", "clock_stopped",
         "scheduled"],  # fmt: skip
    )
    over = sum(r["status"] != "within" for r in rows)
    print(f"{len(rows) - over}/{len(rows)} within limit + {SLACK:.0%}; load average "
          f"{meta['load_avg_start']:.1f} at start, {meta['load_avg_end']:.1f} at end")  # fmt: skip


if __name__ == "__main__":
    main()
