"""Peak memory of `allocate solve` on an instance (the reliability issue asks < 2 GiB on fr-national).

    python benchmarks/solve_memory.py INSTANCE_DIR [--models geography,roles] [--time-limit S]
                                      --out FILE.csv

Each model runs as its own `allocate solve` process; its peak resident set size is read from
``wait4`` (``ru_maxrss`` of that child). Columns: instance (folder:model), known (the 2048 MB
budget), value (peak MB), gap (value / budget - 1), time_s, status (exit code meaning).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, write_rows  # noqa: E402

BUDGET_MB = 2048.0
EXIT = {0: "ok", 2: "bad_input", 3: "infeasible", 130: "interrupted"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("instance", type=Path)
    ap.add_argument("--models", default="geography,roles")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    exe = str(Path(sys.executable).parent / "allocate")
    rows = []
    for model in args.models.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            proc = subprocess.Popen([exe, "solve", str(args.instance), "--model", model,
                                     "--time-limit", str(args.time_limit), "--out", tmp],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            code = os.waitstatus_to_exitcode(status)
        peak_mb = usage.ru_maxrss / 1024
        rows.append({
            "instance": f"{args.instance.name}:{model}",
            "known": BUDGET_MB,
            "value": peak_mb,
            "gap": peak_mb / BUDGET_MB - 1,
            "time_s": wall,
            "status": EXIT.get(code, f"exit {code}"),
        })
        print_table(model, rows[-1:], list(rows[-1]))
    print_table(f"Peak memory of allocate solve ({args.instance})", rows, ["instance", "known", "value", "gap", "time_s", "status"])
    write_rows(args.out, rows, machine({"time_limit_s": args.time_limit}))


if __name__ == "__main__":
    main()
