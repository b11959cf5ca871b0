"""Alignment at scale: generated instances of 2k×12, 20k×100 and 100k×500 (accounts × sellers).

    python benchmarks/alignment_scale.py DATA_DIR [--sizes 2000x12,20000x100,100000x500]
        [--time-limit S ...] [--scenario core|default] [--models geography,size,roles]
        [--no-peer] --out FILE.csv

DATA_DIR caches the generated instances (``allocate generate``, FR, seed 11). Each size and
model runs in its own process so that peak memory (``peak_mb``, ``ru_maxrss``) is that run's.
``known`` is the LP lower bound the solve reports (GLOP up to 64k candidate entries; above,
the better of PDLP's core LP certified by capacity multipliers and the Lagrangian dual with
the soft bands priced, :mod:`allocate.solvers.lagrange`), and ``gap`` is the objective's
distance above it. ``split`` counts the territories that are not
one connected set of units (KPI ``non_contiguous_territories``, recomputed from the written
alignment; 0 for models without units), ``split_islands`` those split only across separate
parts of the unit graph (islands: justified).

Scenarios: ``core`` is the model the issue measured naively (nearest bases as candidates,
capacity only, travel cost, the generalist model): balance and move terms off. ``default`` is
the product's default (soft workload and potential balance, move penalty), run for each model
of ``--models`` (default geography, size and roles). The HiGHS peer solves the core model
(assignment + capacity + locks) exported as arrays, in a subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, run_peer, write_rows  # noqa: E402


def one(data_dir: Path, n: int, m: int, limit: float, scenario: str, model: str, export: Path | None) -> dict:
    import numpy as np

    from allocate import Scenario, read_instance, solve
    from allocate.analysis.kpi import compute_kpis
    from allocate.generate import generate_instance, write_instance
    from allocate.organize.presets import build_model

    folder = data_dir / f"fr-{n}x{m}"
    if not (folder / "accounts.csv").is_file():
        write_instance(generate_instance("FR", n, m, 11), folder)
    inst = read_instance(folder)
    if scenario == "core":
        sc = Scenario(model="generalist", balance={"workload": None, "potential": None}, weights={"move": 0.0}, time_limit_s=limit, candidates=6)
    else:
        sc = Scenario(model=model, time_limit_s=limit)
    t0 = time.perf_counter()
    res = solve(inst, sc)
    wall = time.perf_counter() - t0
    k = compute_kpis(inst, res)
    if export is not None:
        p = build_model(inst, sc).problem
        np.savez(export, indptr=p.indptr, seller=p.seller, cost=p.cost * p.cost_weight, load=p.load, capacity=p.capacity, fixed=p.fixed)
    return {
        "objective": res.objective,
        "lp_bound": res.lp_bound,
        "best_bound": res.best_bound,
        "status": res.status.value,
        "wall_s": wall,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "overloaded": k.totals["overloaded_sellers"],
        "workload_cv": k.totals["workload"]["cv"],
        # recomputed from the alignment (KPIs): split territories, and those split only across
        # separate parts of the unit graph (islands, justified)
        "split": k.totals["non_contiguous_territories"],
        "split_islands": k.totals.get("non_contiguous_islands"),
        "deterministic": res.deterministic,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--sizes", default="2000x12,20000x100,100000x500")
    ap.add_argument("--time-limit", default="30,30,300", help="seconds per size, comma list")
    ap.add_argument("--scenario", default="core", choices=["core", "default"])
    ap.add_argument("--models", default="geography,size,roles", help="models of the default scenario, comma list")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]
    limits = [float(x) for x in args.time_limit.split(",")]
    limits += [limits[-1]] * (len(sizes) - len(limits))
    if args.one:
        n, m, limit, model, export = args.one.split(":")
        out = one(args.data_dir, int(n), int(m), float(limit), args.scenario, model, Path(export) if export else None)
        print(json.dumps(out))
        return
    models = args.models.split(",") if args.scenario == "default" else ["generalist"]
    rows = []
    for (n, m), limit in zip(sizes, limits, strict=True):
        export = args.data_dir / f"fr-{n}x{m}-{args.scenario}.npz"
        for model in models:
            load_start = os.getloadavg()[0]
            spec = f"{n}:{m}:{limit}:{model}:{export if not args.no_peer else ''}"
            cmd = [sys.executable, __file__, str(args.data_dir), "--scenario", args.scenario, "--out", "-", "--one", spec]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
            if proc.returncode != 0 or not lines:
                rows.append({"instance": f"{n}x{m}", "model": model, "status": "error", "error": proc.stderr[-300:]})
                continue
            r = json.loads(lines[-1])
            row = {
                "instance": f"{n}x{m}",
                "model": model,
                "known": r["lp_bound"],
                "value": r["objective"],
                "gap": (r["objective"] - r["lp_bound"]) / max(abs(r["objective"]), 1e-9),
                "time_s": r["wall_s"],
                "status": r["status"],
                "time_limit_s": limit,
                "peak_mb": r["peak_mb"],
                "overloaded_sellers": r["overloaded"],
                "workload_cv": r["workload_cv"],
                "split": r["split"],
                "split_islands": r["split_islands"],
                "deterministic": r["deterministic"],
                "load_start": load_start,
                "load_end": os.getloadavg()[0],
            }
            if not args.no_peer:
                peer = Path(__file__).resolve().parent / "peers" / "highs_assign.py"
                res = run_peer([str(peer), str(export), str(limit)], limit + 600)
                row.update(highs_value=res.get("value"), highs_status=res.get("status"), highs_time_s=res.get("time_s"))
            rows.append(row)
            print_table(f"{n}x{m} {model}", [row], list(row))
    print_table(f"Alignment scale ({args.scenario})", rows, ["instance", "model", "known", "value", "gap", "time_s", "status", "split", "split_islands", "peak_mb", "load_start", "highs_value", "highs_status"])
    write_rows(args.out, rows, machine({"scenario": args.scenario, "sizes": args.sizes, "models": models, "time_limits": limits}))


if __name__ == "__main__":
    main()
