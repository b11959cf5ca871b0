"""``allocate schedule``: the weekly action plan of an alignment (see :mod:`allocate.schedule`)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from allocate.cli.app import console, err_console, run_guarded
from allocate.core.errors import InputError
from allocate.core.instance import WORKDAYS_PER_WEEK, Instance, short_weeks
from allocate.core.scenario import MAX_SEED, MAX_TIME_LIMIT_S
from allocate.io.runfolder import ALIGNMENT, FUNNEL, KPIS, LOAD, SCHEDULE, UNSCHEDULED


def register(app: typer.Typer) -> None:
    """Add the ``schedule`` command to ``app``.

    Parameters
    ----------
    app
        The Typer application of :mod:`allocate.cli`.
    """

    @app.command()
    def schedule(
        folder: Annotated[Path, typer.Argument(help="Instance folder")],
        alignment: Annotated[
            Path, typer.Option(help=f"RUN_DIR/{ALIGNMENT} written by 'allocate solve'")
        ],
        out: Annotated[Path, typer.Option(help=f"Run folder ({KPIS} there is updated)")],
        weeks: Annotated[int, typer.Option(min=1, max=104, help="Horizon in weeks")] = 13,
        start: Annotated[
            str | None, typer.Option(help="First Monday, YYYY-MM-DD (default: next Monday)")
        ] = None,
        holidays: Annotated[
            str | None,
            typer.Option(
                help="Public holidays: a file with a 'date' column, or a comma list of dates "
                "and country codes (FR, US, US-CA: any ISO code of the 'holidays' package), "
                "e.g. FR,2027-12-24; a country's holidays cover the years of the horizon"
            ),
        ] = None,
        daily_h: Annotated[
            float | None,
            typer.Option(
                "--daily-h",
                min=0.0,
                max=24.0,
                help="Most hours of one day for every seller, instead of sellers.csv's "
                "daily_h (0: each day its even share of the week, capacity_h / 5)",
            ),
        ] = None,
        churn: Annotated[
            float | None,
            typer.Option(min=0.0, max=1.0, help="Yearly customer churn (default: nomenclature)"),
        ] = None,
        time_limit: Annotated[
            float, typer.Option("--time-limit", min=0.1, max=MAX_TIME_LIMIT_S, help="Seconds for the whole plan")
        ] = 60.0,
        workers: Annotated[
            int, typer.Option(min=1, max=256, help="Processes (sellers are solved in parallel)")
        ] = 2,
        seed: Annotated[int, typer.Option(min=0, max=MAX_SEED)] = 0,
        scheduler: Annotated[
            str | None,
            typer.Option(help="Solve the sellers on this Dask scheduler, e.g. tcp://HOST:8786"),
        ] = None,
        dask: Annotated[
            bool,
            typer.Option(
                "--dask", help="Solve the sellers on an embedded Dask cluster of WORKERS processes"
            ),
        ] = False,
        verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
    ) -> None:
        """Plan each seller's actions over the horizon under daily and weekly capacity, travel
        included.

        Sellers are solved in parallel in a process pool, or as Dask tasks with ``--scheduler``
        (a running cluster) or ``--dask`` (an embedded one); the plan is the same for the same
        seed and ``--workers``, which sets each seller's share of the time.
        """
        from allocate.batch.dask import check_scheduler, dask_client, dask_map
        from allocate.io import read_instance
        from allocate.io.runfolder import (
            check_out_dir,
            folder_lock,
            read_alignment,
            read_kpis,
            writing,
        )
        from allocate.schedule import PlanConfig, parse_holidays, plan_actions, write_plan
        from allocate.schedule.plan.calendars import horizon_years, next_monday

        def go() -> None:
            if verbose:
                logging.basicConfig(level=logging.INFO, format="%(message)s")
            first = None
            if start:
                try:
                    first = dt.date.fromisoformat(start)
                except ValueError:
                    raise InputError.single(
                        "--start", f"{start!r} is not a date YYYY-MM-DD"
                    ) from None
                if first.weekday() != 0:
                    raise InputError.single("--start", f"{start} is a {first:%A}; give a Monday")
                if dt.date.max - first < dt.timedelta(weeks=weeks):
                    raise InputError.single(
                        "--start", f"{weeks} weeks from {start} run past the year 9999"
                    )
            first = first or next_monday()
            days_off = parse_holidays(holidays, years=horizon_years(first, weeks))
            check_scheduler(scheduler)
            check_out_dir(out, inputs=[folder])
            with folder_lock(out):
                _plan_and_write(first, days_off)

        def _plan_and_write(first: dt.date, days_off: frozenset[dt.date]) -> None:
            inst = read_instance(folder)
            started = time.time()  # the limit counts from here: the rest is planning
            if daily_h is not None:
                inst = _with_daily_h(inst, daily_h)
            al = read_alignment(alignment, inst)
            breaches = read_kpis(Path(alignment).parent, strict=False).get("breaches") or []
            if isinstance(breaches, list) and breaches:
                # a version saved with breaches (allowed in the editor): planned as it is, said
                err_console.print(
                    f"warning: {alignment} breaks {len(breaches)} hard rule(s) (its {KPIS}: "
                    f"{str(breaches[0])[:160]}); the plan follows it as it is",
                    highlight=False, markup=False,
                )
            cfg = PlanConfig(
                weeks=weeks,
                start=first,
                holidays=days_off,
                time_limit_s=time_limit,
                workers=workers,
                seed=seed,
                churn_rate=churn,
            )
            what = f"planning {inst.name} over {weeks} weeks ({time_limit:g}s limit)"
            if scheduler is None and not dask:
                with console.status(what):
                    plan = plan_actions(inst, al, cfg, instance_dir=folder, started=started)
            else:
                where = scheduler or f"a local cluster of {workers} processes"
                # the cluster is ready before the time limit starts counting
                with (
                    dask_client(scheduler, workers) as client,
                    console.status(f"{what} on {where}"),
                ):
                    plan = plan_actions(inst, al, cfg, instance_dir=folder, mapper=dask_map(client))
            with writing(out, keep=True) as tmp:  # the run as it was, or with its plan: never a mix
                write_plan(tmp, inst, plan)
            placed = int(plan.placed.sum())
            console.print(
                f"{placed:,} of {len(plan.actions):,} actions planned ({placed / max(1, len(plan.actions)):.1%}), "
                f"travel {plan.travel_min.sum() / 60:,.1f} h, {plan.wall_s:.1f}s"
            )
            console.print(
                f"wrote {out}/{SCHEDULE}, {LOAD}, {UNSCHEDULED}, {FUNNEL}, {KPIS}"
            )

        run_guarded(go)


def _with_daily_h(inst: Instance, daily_h: float) -> Instance:
    """``inst`` with every seller's day limited to ``daily_h`` (0: even days); refused when a
    seller's week could not be filled."""
    caps = inst.sellers.capacity_h
    hours = np.full(len(inst.sellers), daily_h if daily_h > 0 else np.nan)
    short = short_weeks(hours, caps)
    if short.size:
        s = int(short[0])
        raise InputError.single(
            "--daily-h",
            f"{daily_h:g} h x {WORKDAYS_PER_WEEK} working days cannot fill the "
            f"{caps[s]:g} h week of {inst.sellers.ids[s]} "
            f"({short.size} seller(s) in all); give at least "
            f"{caps.max() / WORKDAYS_PER_WEEK:g}, or 0 for even days",
        )
    return replace(inst, sellers=replace(inst.sellers, daily_h=hours))
