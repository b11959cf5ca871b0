"""CLI command ``solve``: one organization model on one instance, written as a run folder."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from allocate.align.solve import solve as solve_fn
from allocate.analysis.kpi import compute_kpis
from allocate.cli.app import console, err_console, run_guarded, stop_on_sigint
from allocate.core.status import SolveStatus
from allocate.io import read_instance
from allocate.io.runfolder import ALIGNMENT, KPIS, SELLERS_KPIS, TERRITORIES, write_run
from allocate.io.scenario import read_scenario
from allocate.solvers.budget import Clock


def register(app: typer.Typer) -> None:
    """Add ``solve`` to ``app``.

    Parameters
    ----------
    app
        The Typer application of :mod:`allocate.cli`.
    """
    app.command()(solve)


def solve(
    folder: Annotated[Path, typer.Argument(help="Instance folder")],
    model: Annotated[str | None, typer.Option(help="geography|size|value_proposition|roles|generalist|hybrid")] = None,
    scenario: Annotated[Path | None, typer.Option(help="Scenario YAML")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="Seconds")] = None,
    workers: Annotated[int | None, typer.Option(help="CP-SAT workers")] = None,
    seed: Annotated[int | None, typer.Option()] = None,
    out: Annotated[Path, typer.Option(help="Run folder")] = Path("run"),
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Align accounts to sellers with an organization model and write the run folder."""

    def go() -> None:
        if verbose:
            logging.basicConfig(level=logging.INFO, format="%(message)s")
        inst = read_instance(folder)
        sc = read_scenario(scenario, model=model, time_limit_s=time_limit, workers=workers, seed=seed)
        # the limit counts from here (reading excluded): solving, KPIs and files fit in it
        clock = Clock.after(sc.time_limit_s)
        with console.status(f"solving {sc.model} on {inst.name} ({sc.time_limit_s:g}s limit)"), stop_on_sigint():
            res = solve_fn(inst, sc, clock=clock)
        kpis = compute_kpis(inst, res)
        write_run(out, inst, res, kpis, extra={"instance_dir": str(Path(folder).resolve())})
        _print_result(res, kpis)
        _warn(res)
        console.print(f"wrote {out}/{ALIGNMENT}, {KPIS}, {SELLERS_KPIS}, {TERRITORIES}")
        if res.interrupted:
            err_console.print("interrupted: the best alignment found so far was written")
            raise typer.Exit(130)

    run_guarded(go)


def _warn(res: Any) -> None:
    """Say plainly when the alignment is not proven feasible or the run is not reproducible."""
    if res.status is SolveStatus.UNKNOWN:
        err_console.print(
            "warning: status unknown: no alignment that meets every constraint was found within "
            "the time limit, and none was proven impossible; the best one found was written "
            "(raise --time-limit)"
        )
    if res.clock_stopped:
        err_console.print(
            "warning: not deterministic: the time limit stopped "
            + ", ".join(res.clock_stopped)
            + " before its deterministic budget (a rerun may differ)"
        )


def _print_result(res: Any, kpis: Any) -> None:
    t = kpis.totals
    console.print(
        f"[bold]{res.alignment.model}[/bold]: {res.status.value}, objective {res.objective:,.2f}, "
        f"bound {res.best_bound:,.2f}, gap {res.gap:.2%}, {res.wall_s:.1f}s"
    )
    console.print(
        f"workload {t['total_workload_h']:,.1f} h/week (travel {t['total_travel_h']:,.1f} h), "
        f"CV {t['workload']['cv']:.3f}, max/min {t['workload']['max_min_ratio']:.2f}, moves {t['moves']}"
    )
