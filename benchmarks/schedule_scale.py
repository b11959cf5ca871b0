"""Scale benchmark of the action plan: schedule a whole national alignment.

    python benchmarks/schedule_scale.py instances/fr-national [--alignment RUN/alignment.csv] \
        [--even-days] --time-limit 120 --workers 2 --out schedule_scale.csv

Without ``--alignment`` every (account, role) item goes to the nearest seller of the role that
serves it (one row per account when all sellers are generalists): no capacity balancing, so
some sellers are overloaded and the bound matters. ``--even-days`` ignores the sellers'
``daily_h``: every working day then holds exactly its share of the week (a harder packing).

Columns: ``instance,known,value,gap,time_s,status`` plus extras. ``value`` is the planned load
(work + travel, hours over the horizon) and ``known`` its capacity-based upper bound
(:func:`load_bound`): per seller, ``min(sum over weeks of the week bounds, schedulable work +
planned travel)`` summed over sellers. ``gap = 1 - value / known``. Extras: ``capacity_h``
(the plain bound with the capacities as they are), actions, schedulable (fit the seller's
empty calendar), placed, placed share of schedulable, work and travel hours (their sum is
``value``: a plan that drives less and works more has the same value), ``plan_value`` (the
plan's own objective: the value of the actions placed, potential by stage), ``days`` and
``share_<role>`` (each role's value over its bound). A sidecar
``OUT.meta.json`` records the machine, versions and limits. No peer: no public tool solves
this exact plan.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import time
from dataclasses import replace
from math import gcd
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from allocate import Alignment, Instance, read_instance
from allocate.core.travel import nearest_sellers
from allocate.io.runfolder import read_alignment
from allocate.schedule import PlanConfig, Schedule, plan_actions
from allocate.schedule.plan.actions import ROLE_STAND_IN

START = dt.date(2027, 1, 4)  # a fixed Monday: the same run gives the same plan


def nearest_alignment(instance: Instance) -> Alignment:
    """Each account's role items to the nearest seller of the serving role."""
    sel, acc, nom = instance.sellers, instance.accounts, instance.nomenclature
    roles_held = {r for r in sel.role}
    if roles_held <= {"generalist"}:
        nn, _ = nearest_sellers(acc.lat, acc.lon, sel.lat, sel.lon, 1)
        return Alignment("generalist", np.arange(len(acc)), nn[:, 0], ("",) * len(acc), "")
    by_role = {r: np.array([s for s in range(len(sel)) if sel.role[s] == r]) for r in roles_held}
    nearest = {
        r: ss[nearest_sellers(acc.lat, acc.lon, sel.lat[ss], sel.lon[ss], 1)[0][:, 0]]
        for r, ss in by_role.items()
    }
    account, seller, key = [], [], []
    for a in range(len(acc)):
        pb = nom.playbook(acc.stage[a], acc.segment[a])
        serving: list[str] = []
        for op in pb.operations if pb else ():
            role = next(
                (
                    r
                    for r in (*ROLE_STAND_IN.get(op.role, (op.role,)), "generalist")
                    if r in by_role
                ),
                None,
            )
            if role is not None and role not in serving:
                serving.append(role)
        for role in serving:
            account.append(a)
            seller.append(int(nearest[role][a]))
            key.append(role)
    return Alignment("roles", np.array(account), np.array(seller), tuple(key), "role")


def load_step(plan: Schedule, s: int) -> int:
    """The step of seller ``s``'s loads: 1 if it visits, else the gcd of its durations.

    A seller none of whose actions is a visit never travels, so any day's (or week's) load is
    a sum of durations of its schedulable actions (only those can be placed): a multiple of
    their greatest common divisor. Tours' minutes are not multiples of anything.
    """
    a = plan.actions
    mine = a.seller == s
    if a.is_visit[mine].any():
        return 1
    g = 0
    for d in np.unique(a.duration_min[mine & plan.schedulable]).tolist():
        g = gcd(g, int(d))
    return max(g, 1)


def load_steps(plan: Schedule) -> np.ndarray:
    """:func:`load_step` of every seller."""
    n_sel = plan.day_capacity_min.shape[0]
    return np.array([load_step(plan, s) for s in range(n_sel)], dtype=np.int64)


def day_bounds(plan: Schedule, steps: np.ndarray | None = None) -> np.ndarray:
    """Most minutes each seller can fill on each day, in any plan: ``(n_sellers, n_days)``.

    A day holds at most its capacity, rounded down to the seller's :func:`load_step`
    (``steps``: those of :func:`load_steps`, computed when not given).
    """
    steps = load_steps(plan) if steps is None else steps
    caps = plan.day_capacity_min.astype(np.int64)
    return caps // steps[:, None] * steps[:, None]


def load_bound(plan: Schedule) -> tuple[np.ndarray, np.ndarray]:
    """Upper bound on each seller's planned load (hours) and the plain capacity bound.

    A seller's load (work + travel of the placed actions) is at most the sum over weeks of
    the least of the week's capacity and the sum of its day bounds (:func:`day_bounds`; both
    rounded down to the seller's :func:`load_step`), and at most all its schedulable work
    plus the travel it drove (placed actions are schedulable ones). The second argument
    depends on the plan's travel: it bounds this plan's load, not the load of a plan with
    other tours. Returns ``(bound, plain)`` where ``plain`` uses the capacities as they are.
    """
    a = plan.actions
    n_sel, n_days = plan.day_capacity_min.shape
    work = np.zeros(n_sel)
    travel = np.zeros(n_sel)
    np.add.at(travel, a.seller, plan.travel_min / 60)
    np.add.at(work, a.seller[plan.schedulable], a.duration_min[plan.schedulable] / 60)
    steps = load_steps(plan)
    days = day_bounds(plan, steps).reshape(n_sel, n_days // 7, 7).sum(axis=2)
    plain = plan.day_capacity_min.reshape(n_sel, n_days // 7, 7).sum(axis=2)
    weeks = plan.week_capacity_min
    if weeks.shape == days.shape:
        days = np.minimum(days, weeks // steps[:, None] * steps[:, None])
        plain = np.minimum(plain, weeks)
    days_h, plain_h = days.sum(axis=1) / 60, plain.sum(axis=1) / 60
    return np.minimum(days_h, work + travel), np.minimum(plain_h, work + travel)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("data_dir", type=Path, help="instance folder")
    ap.add_argument(
        "--alignment", type=Path, default=None, help="alignment.csv (default: nearest seller)"
    )
    ap.add_argument("--weeks", type=int, default=13)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("schedule_scale.csv"))
    ap.add_argument(
        "--even-days",
        action="store_true",
        help="ignore the sellers' daily_h: every day holds its even share of the week",
    )
    args = ap.parse_args(argv)
    console = Console()
    inst = read_instance(args.data_dir)
    if args.even_days:
        inst = replace(
            inst, sellers=replace(inst.sellers, daily_h=np.full(len(inst.sellers), np.nan))
        )
    al = read_alignment(args.alignment, inst) if args.alignment else nearest_alignment(inst)
    cfg = PlanConfig(
        weeks=args.weeks, start=START, time_limit_s=args.time_limit, workers=args.workers
    )
    t0 = time.perf_counter()
    plan = plan_actions(inst, al, cfg, instance_dir=args.data_dir)
    wall = time.perf_counter() - t0
    a = plan.actions
    n_sel = len(inst.sellers)
    load = np.zeros(n_sel)
    travel = np.zeros(n_sel)
    np.add.at(
        load,
        a.seller[plan.placed],
        (a.duration_min[plan.placed] + plan.travel_min[plan.placed]) / 60,
    )
    np.add.at(travel, a.seller, plan.travel_min / 60)
    bound, plain = load_bound(plan)
    value, known = float(load.sum()), float(bound.sum())
    n_sched = int(plan.schedulable.sum())
    row = {
        "instance": inst.name,
        "known": round(known, 2),
        "value": round(value, 2),
        "gap": round(1 - value / known, 5) if known else 0.0,
        "time_s": round(wall, 2),
        "status": "ok" if wall <= args.time_limit * 1.1 else "over_time",
        "capacity_h": round(float(plain.sum()), 2),
        "actions": len(a),
        "schedulable": n_sched,
        "placed": int(plan.placed.sum()),
        "placed_share_schedulable": round(int(plan.placed.sum()) / max(1, n_sched), 4),
        "plan_value": round(float(a.value[plan.placed].sum()), 1),
        "work_h": round(float(a.duration_min[plan.placed].sum()) / 60, 1),
        "travel_h": round(float(travel.sum()), 1),
        "sellers": len(set(a.seller.tolist())),
        "alignment": str(args.alignment) if args.alignment else "nearest",
        "days": "even" if args.even_days else "daily_h",
    }
    roles = np.array(inst.sellers.role)
    for r in sorted(set(roles.tolist())):  # the share of the bound reached by each role
        mine = roles == r
        b = float(bound[mine].sum())
        row[f"share_{r}"] = round(float(load[mine].sum()) / b, 5) if b > 0 else ""
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(row))
        w.writeheader()
        w.writerow(row)
    import numpy
    import ortools

    meta = {
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "load_avg_1_5_15": os.getloadavg(),
            "platform": platform.platform(),
        },
        "versions": {
            "python": platform.python_version(),
            "ortools": ortools.__version__,
            "numpy": numpy.__version__,
        },
        "limits": {
            "time_limit_s": args.time_limit,
            "workers": args.workers,
            "weeks": args.weeks,
            "start": START.isoformat(),
        },
    }
    Path(str(args.out) + ".meta.json").write_text(json.dumps(meta, indent=2))
    t = Table(title=f"schedule_scale ({args.workers} workers, {args.time_limit:g}s limit)")
    for k in row:
        t.add_column(k)
    t.add_row(*[str(v) for v in row.values()])
    console.print(t)
    console.print(f"machine: {meta['machine']}; versions: {meta['versions']}")
    console.print(
        f"planned load = {value / known:.2%} of the capacity bound "
        f"({value / float(plain.sum()):.2%} of the plain capacity bound)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
