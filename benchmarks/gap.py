"""GAP benchmark: the alignment engine on OR-Library GAP instances, against known optima and HiGHS.

    python benchmarks/gap.py DATA_DIR [--set cattrysse1994|chu1997] [--time-limit S]
                             [--workers N] [--no-peer] [--limit K] --out FILE.csv

DATA_DIR is laid out like ``../shared/bench-data/gap``: ``instances/<set>/<instance>`` plus
``known_values.csv``. Each instance goes through ``allocate.io.benchmarks.gap.read_gap`` and
``allocate.solvers.problem.dense_problem`` onto the same
:class:`~allocate.solvers.AssignmentProblem` and pipeline as a sales alignment (no GAP-only
path). The peer is a plain HiGHS MIP (``benchmarks/peers/highs_gap.py``) in a subprocess.
Columns: instance, known (optimum or best known), value, gap (to known), time_s, status,
plus size, bound, time_to_1pct_s and the HiGHS columns.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, run_peer, write_rows  # noqa: E402
from allocate.io.benchmarks.gap import read_gap  # noqa: E402
from allocate.solvers import SolveParams, solve_assignment  # noqa: E402
from allocate.solvers.problem import dense_problem  # noqa: E402


def _gap_problem(path):
    """One GAP file as the assignment problem that a sales alignment also becomes."""
    g = read_gap(path)
    return dense_problem(g.cost, g.load, g.capacity)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--set", dest="set_name", default=None, help="subfolder of instances/ (default: all)")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-peer", action="store_true", help="skip the HiGHS baseline")
    ap.add_argument("--limit", type=int, default=None, help="first K instances only")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    known_rows = list(csv.DictReader((args.data_dir / "known_values.csv").open()))
    if args.set_name:
        known_rows = [r for r in known_rows if r["set"] == args.set_name]
    if args.limit:
        known_rows = known_rows[: args.limit]
    peer = Path(__file__).resolve().parent / "peers" / "highs_gap.py"
    rows = []
    for r in known_rows:
        known = float(r["optimum"] or r["best_known"])
        target = known * 1.01
        problem = _gap_problem(args.data_dir / r["file"])
        hits: list[float] = []

        def on_solution(t: float, obj: float, hits: list[float] = hits, target: float = target) -> None:
            if not hits and obj <= target + 1e-9:
                hits.append(t)

        t0 = time.perf_counter()
        sol = solve_assignment(
            problem,
            SolveParams(time_limit_s=args.time_limit, workers=args.workers, seed=args.seed, on_solution=on_solution),
        )
        wall = time.perf_counter() - t0
        row = {
            "instance": r["instance"],
            "known": known,
            "value": sol.objective,
            "gap": (sol.objective - known) / known,
            "time_s": wall,
            "status": sol.status.value,
            "size": f"{r['agents']}x{r['jobs']}",
            "known_status": r["status"],
            "bound": sol.best_bound,
            "time_to_1pct_s": hits[0] if hits else None,
        }
        if not args.no_peer:
            res = run_peer([str(peer), str(args.data_dir / r["file"]), str(args.time_limit), str(target)], args.time_limit + 60)
            row.update(
                highs_value=res.get("value"),
                highs_gap=(res["value"] - known) / known if res.get("value") is not None else None,
                highs_time_s=res.get("time_s"),
                highs_status=res.get("status"),
                highs_time_to_1pct_s=res.get("time_to_1pct_s"),
            )
        rows.append(row)
        print_table(r["instance"], [row], ["instance", "known", "value", "gap", "time_s", "status", "highs_value", "highs_time_s"])
    cols = ["instance", "size", "known", "value", "gap", "time_s", "status", "time_to_1pct_s", "highs_value", "highs_gap", "highs_time_s", "highs_time_to_1pct_s"]
    print_table(f"GAP {args.set_name or 'all'} (limit {args.time_limit:g}s, {args.workers} workers)", rows, cols)
    gaps = [x["gap"] for x in rows]
    opt = sum(1 for x in rows if abs(x["value"] - x["known"]) < 1e-6)
    print(
        f"{len(rows)} instances: {opt} at the known value, mean gap {100 * sum(gaps) / max(1, len(gaps)):.3f} %, "
        f"max gap {100 * max(gaps, default=0):.3f} %, max time {max((x['time_s'] for x in rows), default=0):.2f} s"
    )
    meta = machine({"time_limit_s": args.time_limit, "workers": args.workers, "seed": args.seed, "set": args.set_name})
    write_rows(args.out, rows, meta)
    if any(math.isnan(g) for g in gaps):
        sys.exit(1)


if __name__ == "__main__":
    main()
