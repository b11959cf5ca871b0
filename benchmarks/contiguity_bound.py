"""How far connectivity cuts raise the geography model's bound, round by round.

    python benchmarks/contiguity_bound.py INSTANCE [--run RUN_DIR] [--rounds N]
                                          [--seconds S] [--wall S] [--starts N] [--rings N]
                                          --out FILE.csv

Builds the geography model of INSTANCE with the default scenario (as ``allocate solve
--model geography`` does) and runs :func:`allocate.solvers.contiguity.cuts.contiguity_bound`:
the LP relaxation plus vertex-separator cuts, re-solved for up to N rounds (``--wall``
seconds at most). One row per round: ``value`` is the bound of the contiguous model after
that round, ``time_s`` the seconds since the start of the cut loop (the model build not
counted). With ``--run`` (a geography run folder of the same instance) ``known`` is that
alignment's objective, recomputed here, and ``gap`` the gap the bound would give it.
``--starts`` and ``--rings`` set the separation's units per seller and rings per unit
(``STARTS_PER_SELLER`` and ``RINGS`` of the cuts module; e.g. ``--starts 100000 --rings 6``
separates from every owned unit): is a level where the bound stops rising the LP of these
cuts, or a weakness of the separation?
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, write_rows  # noqa: E402
from allocate.analysis.kpi import choice_of  # noqa: E402
from allocate.core.scenario import Scenario, resolved, scenario_instance  # noqa: E402
from allocate.io.instance import read_instance  # noqa: E402
from allocate.io.runfolder.run import read_alignment  # noqa: E402
from allocate.organize.presets import build_model  # noqa: E402
from allocate.organize.units import bundle_units, unit_graph  # noqa: E402
from allocate.solvers.budget import Clock  # noqa: E402
from allocate.solvers.contiguity import cuts  # noqa: E402
from allocate.solvers.contiguity.graph import split_sellers  # noqa: E402
from allocate.solvers.problem import evaluate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("instance", type=Path)
    ap.add_argument("--run", type=Path, default=None, help="a geography run folder: its objective is `known`")
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=20.0, help="GLOP's budget per solve is sized from these")
    ap.add_argument("--wall", type=float, default=600.0, help="no round starts after this many seconds")
    ap.add_argument("--starts", type=int, default=cuts.STARTS_PER_SELLER, help="separation: units per seller")
    ap.add_argument("--rings", type=int, default=cuts.RINGS, help="separation: rings per unit")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    cuts.STARTS_PER_SELLER, cuts.RINGS = args.starts, args.rings

    instance = read_instance(args.instance)
    scenario = resolved(Scenario(model="geography"))
    instance = scenario_instance(instance, scenario)
    mp = build_model(instance, scenario)
    b_unit = bundle_units(instance, mp)
    graph = unit_graph(instance, b_unit)
    p = mp.problem
    known, contiguous = None, None
    if args.run is not None:
        choice = choice_of(mp, read_alignment(args.run / "alignment.csv", instance))
        known = evaluate(p, choice).objective
        contiguous = not split_sellers(graph.adj, b_unit, p.seller[choice], graph.comp_of)
    t0 = time.perf_counter()
    out = cuts.contiguity_bound(p, graph, rounds=args.rounds, seconds=args.seconds, clock=Clock.after(args.wall))
    wall = time.perf_counter() - t0
    rows = []
    for k, (t, bound) in enumerate(out.history, start=1):
        rows.append({
            "instance": args.instance.name,
            "known": known,
            "value": bound,
            "gap": (known - bound) / abs(known) if known else None,
            "time_s": t,
            "status": "lp" if k == 1 else "cuts",
            "round": k,
            "rise_pct": 100 * (bound - out.lp_bound) / abs(out.lp_bound),
        })
    print_table(f"connectivity cuts on {args.instance.name}: {out.cuts} cuts, {wall:.1f}s", rows,
                ["round", "time_s", "value", "rise_pct", "known", "gap"])
    meta = machine({
        "instance": str(args.instance), "rounds": args.rounds, "seconds": args.seconds, "wall": args.wall,
        "starts": args.starts, "rings": args.rings,
        "units": len(graph.units), "candidate_entries": p.nnz, "cuts": out.cuts,
        "run": str(args.run) if args.run else None, "run_contiguous": contiguous, "wall_s": wall,
    })
    write_rows(args.out, rows, meta)


if __name__ == "__main__":
    main()
