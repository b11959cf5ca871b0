"""CLI command ``compare``: several organization models on one instance, side by side."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from allocate.analysis.compare import compare, formatted, headline
from allocate.batch.dask import check_scheduler, dask_client, dask_map
from allocate.cli.app import console, run_guarded
from allocate.core.errors import InputError
from allocate.core.scenario import PRESETS
from allocate.io import read_instance
from allocate.io.runfolder import COMPARISON_CSV, COMPARISON_HTML, COMPARISON_MD
from allocate.io.scenario import read_scenario
from allocate.publish.comparison import pages
from allocate.schedule import schedule_run

MODELS_HELP = "Comma-separated: geography,size,value_proposition,roles,generalist,hybrid"


def register(app: typer.Typer) -> None:
    """Add ``compare`` to ``app``.

    Parameters
    ----------
    app
        The Typer application of :mod:`allocate.cli`.
    """
    app.command("compare")(compare_cmd)


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
    def go() -> None:
        names = [m.strip() for m in models.split(",") if m.strip()]
        bad = [m for m in names if m not in PRESETS]
        if bad or not names:
            raise InputError.single(
                "--models",
                f"unknown model(s) {', '.join(bad) or '(none)'}; expected {', '.join(PRESETS)}",
            )
        if len(set(names)) != len(names):
            raise InputError.single("--models", "a model is listed twice")
        hook: Any = schedule_run if schedule else None
        if scheduler is not None:
            if not schedule:
                raise InputError.single("--scheduler", "only used with --schedule")
            check_scheduler(scheduler)
        inst = read_instance(folder)
        sc = read_scenario(scenario, time_limit_s=time_limit, workers=workers, seed=seed)
        with contextlib.ExitStack() as stack:
            if scheduler is not None and hook is not None:
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
            f"wrote {out}/{COMPARISON_CSV}, {COMPARISON_MD}, {COMPARISON_HTML} and one folder per model"
        )

    run_guarded(go)


def _run_compare(inst: Any, names: list[str], sc: Any, out: Path, hook: Any) -> Any:
    """``compare`` with a status line and one printed line per finished model."""
    with console.status(f"comparing {len(names)} models on {inst.name}") as status:

        def done(run: Any) -> None:
            colour = "green" if run.solved else "red"
            console.print(f"[{colour}]{run.model}[/{colour}]: {run.label}", highlight=False)
            status.update(f"comparing {len(names)} models on {inst.name}")

        return compare(inst, names, sc, out, schedule=hook, on_model=done, pages=pages)
