"""How well is a cap on moves served? ``allocate solve --max-moves`` over a sweep of caps.

Runs the CLI as subprocesses (``python -m allocate solve INSTANCE --model M --max-moves C``)
for each model and cap, and records per run: the exit code, the status, the moves *recomputed
from the written alignment file* against each account's seller today (not the solver's
counter), whether they are within the cap, the objective, the bound and the gap from
``kpis.json``, and for an impossible cap (exit 3) the minimum number of moves the message
names. One row per run: ``instance`` is ``model@cap``, ``known`` the cap in accounts,
``value`` the objective, ``gap`` the reported gap, ``time_s`` the whole command's wall time
(start and reading included) and ``wall_s`` the solve's, ``status`` the run's status
(``infeasible`` for exit 3, ``none`` for exit 4).

    python benchmarks/move_caps.py instances/fr-pme --models geography,size,hybrid \
        --caps 0,100,200,300,500,800,10%,20%,40% --time-limit 20 --out bench-results/move_caps.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, print_table, run_isolated, write_rows  # noqa: E402
from allocate.io.runfolder import ALIGNMENT, KPIS  # noqa: E402


def today_sellers(folder: Path) -> dict[str, str]:
    """Each account's seller today, read from the instance's ``accounts.csv``."""
    with (folder / "accounts.csv").open(newline="") as fh:
        return {r["account_id"]: r["current_seller_id"] for r in csv.DictReader(fh)}


def moves_in(path: Path, today: dict[str, str]) -> int:
    """Accounts of an alignment file that have a seller today and another one in the file.

    An account on several rows (one per product line or role) counts once when any of its
    rows left today's seller, as the KPI ``moves`` counts it.
    """
    moved: set[str] = set()
    with path.open(newline="") as fh:
        for r in csv.DictReader(fh):
            was = today.get(r["account_id"], "")
            if was and r["seller_id"] != was:
                moved.add(r["account_id"])
    return len(moved)


def cap_accounts(cap: str, today: dict[str, str]) -> int:
    """The cap in accounts: a number, or a share of the accounts that have a seller today."""
    if cap.endswith("%"):
        held = sum(1 for s in today.values() if s)
        return int(float(cap[:-1]) / 100 * held)
    return int(cap)


def run_one(folder: Path, model: str, cap: str, limit: float, seed: int, today: dict[str, str]) -> dict[str, Any]:
    """One ``allocate solve`` with a move cap, as a subprocess; its row."""
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp) / "run"
        cmd = [sys.executable, "-m", "allocate", "solve", str(folder), "--model", model,
               "--max-moves", cap, "--time-limit", str(limit), "--seed", str(seed), "--out", str(out_dir)]
        t = time.perf_counter()
        proc = run_isolated(cmd, timeout=10 * limit + 120)
        wall = time.perf_counter() - t
        row: dict[str, Any] = {"instance": f"{model}@{cap}", "known": cap_accounts(cap, today),
                               "time_s": wall, "model": model, "cap": cap}
        if proc is None:
            row.update(status="timeout", exit=None)
            return row
        row["exit"] = proc.returncode
        text = proc.stdout + proc.stderr
        found = re.search(r"at least ([\d,]+) (?:account )?moves", text)
        row["min_moves"] = int(found.group(1).replace(",", "")) if found else None
        if proc.returncode == 3:
            row["status"] = "infeasible"
            row["message"] = " ".join(text.split())[:300]
        elif proc.returncode == 4:
            row["status"] = "none"
        if (out_dir / KPIS).exists():
            k = json.loads((out_dir / KPIS).read_text())
            moves = moves_in(out_dir / ALIGNMENT, today)
            row.update(status=k["status"], value=k["objective"], bound=k["best_bound"], gap=k["gap"],
                       moves=moves, within_cap=moves <= row["known"], kpi_moves=k["totals"]["moves"],
                       deterministic=k["deterministic"], wall_s=k["wall_s"])
        return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--models", default="geography,size,hybrid")
    ap.add_argument("--caps", default="0,100,200,300,500,800,10%,20%,40%")
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("bench-results/move_caps.csv"))
    a = ap.parse_args()
    today = today_sellers(a.folder)
    meta = machine({"time_limit_s": a.time_limit, "seed": a.seed, "models": a.models, "caps": a.caps})
    rows = []
    for model in a.models.split(","):
        for cap in a.caps.split(","):
            rows.append(run_one(a.folder, model, cap, a.time_limit, a.seed, today))
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "message"}), flush=True)
    write_rows(a.out, rows, meta)
    print_table(f"move caps on {a.folder.name} at {a.time_limit:g} s",
                rows, ["instance", "known", "exit", "status", "moves", "within_cap", "min_moves",
                       "value", "bound", "gap", "wall_s", "time_s"])


if __name__ == "__main__":
    main()
