"""CLI command ``compare``: several organization models on one instance, side by side."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from allocate.cli.app import console, run_guarded
from allocate.core.errors import InputError
from allocate.core.scenario import PRESETS
from allocate.io.runfolder import COMPARISON_CSV, COMPARISON_HTML, COMPARISON_MD

if TYPE_CHECKING:
    from allocate.analysis.compare import Comparison

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
    max_moves: Annotated[str | None, typer.Option("--max-moves", help="Most accounts moved from their seller today: a number (300) or a share (20%); default: no cap, each move priced by weights.move")] = None,
    out: Annotated[Path, typer.Option(help="Run folder")] = Path("compare"),
) -> None:
    """Run several organization models on one instance and compare their KPIs side by side."""
    from allocate.analysis.compare import headline
    from allocate.batch.dask import check_scheduler, dask_client, dask_map
    from allocate.io import read_instance
    from allocate.io.runfolder import check_out_dir, folder_lock
    from allocate.io.scenario import cap_moves, read_scenario
    from allocate.schedule import schedule_run

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
        check_out_dir(out, inputs=[folder, scenario])
        with folder_lock(out):
            inst = read_instance(folder)
            sc = cap_moves(
                read_scenario(scenario, time_limit_s=time_limit, workers=workers, seed=seed), max_moves
            )
            # compare() builds every model's folder and the comparison files beside ``out``
            # and swaps them in together
            with contextlib.ExitStack() as stack:
                if scheduler is not None and hook is not None:
                    client = stack.enter_context(dask_client(scheduler, sc.workers))
                    hook = functools.partial(hook, mapper=dask_map(client))
                comp = _run_compare(inst, names, sc, out, hook)
        print_comparison(comp, console)
        console.print(headline(comp))
        console.print(
            f"wrote {out}/{COMPARISON_CSV}, {COMPARISON_MD}, {COMPARISON_HTML} and one folder per model"
        )

    run_guarded(go)


def _run_compare(inst: Any, names: list[str], sc: Any, out: Path, hook: Any) -> Any:
    """``compare`` with a status line and one printed line per finished model."""
    from allocate.analysis.compare import compare
    from allocate.publish.comparison import pages

    with console.status(f"comparing {len(names)} models on {inst.name}") as status:

        def done(run: Any) -> None:
            colour = "green" if run.solved else "red"
            console.print(f"[{colour}]{run.model}[/{colour}]: {run.label}", highlight=False)
            status.update(f"comparing {len(names)} models on {inst.name}")

        return compare(inst, names, sc, out, schedule=hook, on_model=done, pages=pages)


#: Short names of the models in the terminal table (the legend spells out those that differ).
MODEL_CODES = {
    "geography": "geo",
    "size": "size",
    "value_proposition": "value",
    "roles": "roles",
    "generalist": "general",
    "hybrid": "hybrid",
}
#: Short KPI labels of the terminal table, unit included (the files keep the long ones).
KPI_LABELS = {
    "total workload": "workload, h/wk",
    "workload per seller: mean": "workload/seller mean",
    "workload per seller: min": "workload/seller min",
    "workload per seller: max": "workload/seller max",
    "workload per seller: CV": "workload/seller CV",
    "utilization: max": "utilization max",
    "travel": "travel, h/wk",
    "potential balance: CV": "potential CV",
    "potential balance: max/min": "potential max/min",
    "moves against today": "moves, accounts",
    "sellers needed (build-up)": "sellers needed",
    "wall time": "wall time, s",
    "actions scheduled": "actions scheduled",
    "backlog": "backlog, h",
    "funnel output": "funnel, deals/period",
}
_EXPLANATION = "explanation"
_GAP = 2  # columns between two cells


def _kpi_label(kpi: str, unit: str) -> str:
    if kpi in KPI_LABELS:
        return KPI_LABELS[kpi]
    return f"{kpi}, {unit}" if unit and unit not in kpi else kpi


def _split(widths: list[int], room: int) -> list[list[int]]:
    """The fewest groups of consecutive columns, of near-equal sizes, that each fit in ``room``."""
    n = len(widths)
    for parts in range(1, n + 1):
        size = -(-n // parts)
        groups = [list(range(i, min(i + size, n))) for i in range(0, n, size)]
        if all(sum(widths[j] + _GAP for j in g) <= room for g in groups):
            return groups
    return [[j] for j in range(n)]  # too narrow for even one: one model per table


def print_comparison(comp: Comparison, out: Console) -> None:
    """Print the KPI table so that it reads in ``out``'s width (80 columns and more).

    KPIs are rows with short labels and models are columns with short names (a legend spells
    them out); no cell is ever cut. When the models do not fit side by side they are split
    over several tables, each with the KPI labels. Explanations (why a model has no
    alignment) are printed under the table as wrapped lines.

    Parameters
    ----------
    comp
        The comparison.
    out
        Where to print.
    """
    from allocate.analysis.compare import formatted

    df = formatted(comp)
    rows = [
        (_kpi_label(str(r["kpi"]), str(r["unit"])), [str(r[m]) for m in comp.models])
        for _, r in df.iterrows()
        if r["kpi"] != _EXPLANATION
    ]
    codes = [MODEL_CODES.get(m, m) for m in comp.models]
    label_w = max([len("KPI"), *(len(label) for label, _ in rows)])
    widths = [max([len(c), *(len(v[j]) for _, v in rows)]) for j, c in enumerate(codes)]
    chunks = _split(widths, out.width - label_w)
    for k, cols in enumerate(chunks):
        part = f" ({k + 1}/{len(chunks)})" if len(chunks) > 1 else ""
        t = Table(title=f"Organization models on {comp.instance}{part}", box=box.SIMPLE_HEAD,
                  show_edge=False, pad_edge=False, collapse_padding=True)
        t.add_column("KPI", no_wrap=True, overflow="ellipsis")
        for j in cols:
            t.add_column(codes[j], justify="right", no_wrap=True)
        for label, values in rows:
            t.add_row(label, *(values[j] for j in cols))
        out.print(t, highlight=False)
    legend = [f"{c} = {m}" for c, m in zip(codes, comp.models, strict=True) if c != m]
    if legend:
        out.print("models: " + ", ".join(legend), highlight=False)
    for run in comp.runs:
        if run.explanation:
            out.print(f"{run.model}: {run.label}: {run.explanation}", highlight=False, markup=False)
