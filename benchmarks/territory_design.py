"""Benchmark the territory design engine on the DTDP instances (GraphML) of Aly et al.

Usage::

    python benchmarks/territory_design.py DATA_DIR --time-limit S --out CSV --solutions DIR
        [--only NAME,NAME] [--seed N] [--workers W]

DATA_DIR is laid out like ``bench-data/territory_dtdp`` (``known_values.csv`` naming each
instance's file, p, tau and best_known). Each instance is solved with p territories, ±tau on
the three measures and the dispersion objective; the partition is written to
``DIR/<instance>.csv`` (``node_id, territory``) and then read back: ``feasible``, ``value``,
``max_dev_pct`` and ``connected`` come from the independent checker
(:func:`allocate.solvers.design.check.check_design`) run on that file, never from the search.
``gap`` is ``(value - known) / known`` (negative: better than the best known; empty when
``best_known`` is, e.g. on the variants of ``dtdp_variants.py``). The machine,
versions and limits go to ``<out>.meta.json``.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny products: threads only cost here

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, write_rows  # noqa: E402
from allocate.io.benchmarks.dtdp import read_dtdp  # noqa: E402
from allocate.schedule.parallel import pool_map  # noqa: E402
from allocate.solvers.design.check import check_design  # noqa: E402
from allocate.solvers.design.graph import DesignGraph  # noqa: E402
from allocate.solvers.design.solve import design_partition  # noqa: E402

COLUMNS = [
    "instance", "known", "value", "gap", "time_s", "status", "feasible", "max_dev_pct", "connected",
]  # fmt: skip


def _write_solution(path: Path, node_ids: list[str], labels: Any) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["node_id", "territory"])
        for nid, t in zip(node_ids, labels, strict=True):
            w.writerow([nid, int(t)])
    os.replace(tmp, path)


def _read_solution(path: Path, node_ids: list[str]) -> list[Any]:
    index = {nid: i for i, nid in enumerate(node_ids)}
    lab: list[Any] = [None] * len(node_ids)
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            lab[index[row["node_id"]]] = int(row["territory"])
    return lab


def run_one(
    data_dir: Path,
    row: dict[str, str],
    time_limit: float,
    seed: int,
    sol_dir: Path,
    workers: int = 1,
) -> dict[str, Any]:
    inst = read_dtdp(data_dir / row["file"])
    p, tau = int(row["p"]), float(row["tau"])
    known = float(row["best_known"]) if row["best_known"].strip() else None
    graph = DesignGraph.from_edges(len(inst.node_ids), inst.edges, inst.length)
    t0 = time.monotonic()
    # one search per worker process (with one, the call of earlier versions)
    many = {"starts": workers, "mapper": pool_map(workers)} if workers > 1 else {}
    sol = design_partition(graph, inst.measures, p, tau, "dispersion", time_limit, seed, **many)
    elapsed = time.monotonic() - t0
    out: dict[str, Any] = {
        "instance": row["instance"],
        "known": known,
        "time_s": round(elapsed, 2),
        "status": str(sol.status),
        "iterations": sol.iterations,
        "stopped_by": sol.stopped_by,
        "reason": sol.reason,
    }
    path = sol_dir / f"{row['instance']}.csv"
    if sol.labels is None:
        path.unlink(missing_ok=True)
        out.update(value=None, gap=None, feasible=False, max_dev_pct=None, connected=None)
        return out
    _write_solution(path, inst.node_ids, sol.labels)
    labels = _read_solution(path, inst.node_ids)
    edges = list(
        zip(inst.edges[:, 0].tolist(), inst.edges[:, 1].tolist(), inst.length.tolist(), strict=True)
    )
    verdict = check_design(len(labels), edges, inst.measures.tolist(), tau, p, labels)
    out.update(
        value=verdict.dispersion,
        gap=None if known is None else (verdict.dispersion - known) / known,
        feasible=verdict.feasible,
        max_dev_pct=round(100 * verdict.max_dev, 3),
        connected=f"{verdict.connected}/{p}",
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--solutions", type=Path, required=True)
    ap.add_argument("--only", default="", help="comma-separated instance names")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--workers", type=int, default=2, help="independent searches, one process each"
    )
    args = ap.parse_args()
    with open(args.data_dir / "known_values.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if args.only:
        keep = set(args.only.split(","))
        rows = [r for r in rows if r["instance"] in keep]
    args.solutions.mkdir(parents=True, exist_ok=True)
    meta = machine(
        {
            "time_limit_s": args.time_limit,
            "seed": args.seed,
            "workers": args.workers,
            "data_dir": str(args.data_dir),
        }
    )
    results = []
    for r in rows:
        results.append(run_one(
                args.data_dir, r, args.time_limit, args.seed, args.solutions, args.workers
            ))
        print_table("territory design (DTDP)", results[-1:], COLUMNS)
        write_rows(args.out, results, meta)
    feas = [r for r in results if r["feasible"]]
    proven = [r["instance"] for r in results if r["status"] == "infeasible"]
    if proven:
        print(f"proven infeasible {len(proven)}: {', '.join(proven)}")
    print_table("territory design (DTDP)", results, COLUMNS + ["iterations", "stopped_by"])
    gaps = [r["gap"] for r in feas if r["gap"] is not None]
    print(f"feasible {len(feas)}/{len(results)}")
    if gaps:
        print(
            f"mean gap over {len(gaps)} feasible with a best known "
            f"{100 * statistics.mean(gaps):.2f}%; below best known {sum(g < 0 for g in gaps)}"
        )
    if feas:
        print(f"mean dispersion over feasible {statistics.mean(r['value'] for r in feas):.3f}")
    write_rows(args.out, results, meta)


if __name__ == "__main__":
    main()
