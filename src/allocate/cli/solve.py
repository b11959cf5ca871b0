"""CLI command ``solve``: one organization model on one instance, written as a run folder."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from allocate.cli.app import console, err_console, interrupted_code, run_guarded, stop_on_sigint
from allocate.io.runfolder import ALIGNMENT, EDITS, KPIS, QUOTAS, SELLERS_KPIS, TERRITORIES


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
    from_run: Annotated[Path | None, typer.Option("--from", help="Start from this run: its owners become today's (warm start)")] = None,
    edits: Annotated[Path | None, typer.Option(help=f"{EDITS} of a version saved by 'allocate serve': its locked edits are locked")] = None,
    max_moves: Annotated[str | None, typer.Option("--max-moves", help="Most accounts moved from their seller today: a number (300) or a share (20%); default: no cap, each move priced by weights.move")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Align accounts to sellers with an organization model and write the run folder."""
    from allocate.align.solve import solve as solve_fn
    from allocate.analysis.kpi import compute_kpis, quota_history
    from allocate.io import read_instance
    from allocate.io.runfolder import (
        check_out_dir,
        folder_lock,
        read_alignment,
        write_run_files,
        writing,
    )
    from allocate.io.scenario import cap_moves, read_scenario
    from allocate.sizing.quota import check_quota
    from allocate.solvers.budget import Clock

    def go() -> None:
        if verbose:
            logging.basicConfig(level=logging.INFO, format="%(message)s")
        check_out_dir(out, inputs=[folder, scenario, from_run, edits])
        with folder_lock(out):
            inst = read_instance(folder)
            sc = cap_moves(
                read_scenario(scenario, model=model, time_limit_s=time_limit, workers=workers, seed=seed),
                max_moves,
            )
            if sc.quota is not None:  # a quota no split can meet is refused before solving
                check_quota(sc.quota, len(inst.sellers), quota_history(inst) is not None,
                            source=str(scenario or "scenario"))
            # the limit counts from here (reading excluded): solving, KPIs and files fit in it
            clock = Clock.after(sc.time_limit_s)
            solved = inst
            if from_run is not None or edits is not None:
                from allocate.serve.edits import edited_instance, read_edits

                start = read_alignment(from_run / ALIGNMENT, inst) if from_run is not None else None
                solved = edited_instance(inst, start, read_edits(edits, inst) if edits is not None else [])
            with console.status(f"solving {sc.model} on {inst.name} ({sc.time_limit_s:g}s limit)"), stop_on_sigint():
                res = solve_fn(solved, sc, clock=clock)
            if res.interrupted and not res.is_solution:
                err_console.print("interrupted: no valid alignment had been found; nothing written")
                raise typer.Exit(interrupted_code())
            kpis = compute_kpis(inst, res)  # with each seller's quota when the scenario sets them
            quotas = kpis.quotas
            # one unit: the previous run, or this one (quotas included), never a mix
            with writing(out) as tmp:
                write_run_files(tmp, inst, res, kpis, extra={"instance_dir": str(Path(folder).resolve())})
        _print_result(res, kpis)
        _warn(res)
        console.print(f"wrote {out}/{ALIGNMENT}, {KPIS}, {SELLERS_KPIS}, {TERRITORIES}")
        if quotas is not None:
            short = int((~quotas["attainable"]).sum())
            console.print(f"wrote {out}/{QUOTAS}: total {quotas['quota'].sum():,.0f}, "
                          f"{short} quota(s) above what the territory can reach")
        if res.interrupted:
            err_console.print("interrupted: the best alignment found so far was written")
            raise typer.Exit(interrupted_code())

    run_guarded(go)


def _warn(res: Any) -> None:
    """Say plainly when the run is not reproducible (the wall-clock safety net fired)."""
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
        f"CV {t['workload']['cv']:.3f}, max/min {t['workload']['max_min_ratio']:.2f}, "
        f"moves {t['moves']} ({t['moves_share']:.0%} of the accounts)"
    )
