"""CLI command ``batch``: a scenario grid on Dask distributed, with progress and Ctrl-C handling."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from allocate.cli.app import (
    EXIT_FAILED_SCENARIOS,
    console,
    err_console,
    interrupted_code,
    run_guarded,
)
from allocate.io.runfolder import BATCH_INDEX, BATCH_PLAN

if TYPE_CHECKING:
    from allocate.batch.run import BatchSummary

#: Failed scenarios named in full on the last line; the others are counted.
NAMED_FAILURES = 5


def register(app: typer.Typer) -> None:
    """Add ``batch`` to ``app``.

    Parameters
    ----------
    app
        The Typer application of :mod:`allocate.cli`.
    """
    app.command(
        "batch",
        help=f"Run a scenario grid on Dask distributed; results in OUT/<scenario hash>/ and OUT/{BATCH_INDEX}.",
    )(batch_cmd)


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
    """Run a scenario grid on Dask distributed: one run folder per scenario, and an index of runs.

    Exit code 0 when every scenario is ok, 4 when one or more failed (the last line names
    them), 130 (143 after SIGTERM) when stopped; one run at a time writes a folder (a second
    one on the same ``--out`` stops with exit code 2).
    """
    from allocate.batch.dask import check_scheduler, dask_client
    from allocate.batch.run import check_quotas, run_batch
    from allocate.batch.spec import read_batch
    from allocate.io.runfolder import check_out_dir, folder_lock

    def go() -> None:
        plan = read_batch(batch_file)
        check_scheduler(scheduler)
        check_out_dir(out, markers=(BATCH_PLAN, BATCH_INDEX), inputs=[batch_file])
        check_quotas(plan)  # a quota no split can meet: refused before any work
        with folder_lock(out):
            _run(plan)

    def _run(plan: Any) -> None:
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
            f"{summary.ok} ok, {summary.failed} failed, {summary.skipped} already done; index {out}/{BATCH_INDEX}",
            highlight=False,
        )
        if summary.interrupted:
            err_console.print(
                f"interrupted: {summary.total - summary.skipped - summary.done} scenarios not run; rerun with --resume"
            )
            raise typer.Exit(interrupted_code())
        if summary.failures():
            err_console.print(failure_line(summary), highlight=False, soft_wrap=True, markup=False)
            raise typer.Exit(EXIT_FAILED_SCENARIOS)

    run_guarded(go)


def failure_line(summary: BatchSummary) -> str:
    """The last line of a batch with failed scenarios: how many, and which (with why).

    Parameters
    ----------
    summary
        The batch's summary.

    Returns
    -------
    str
        ``failed: K of N scenarios: id [model, what-if] (error), ...``; past
        :data:`NAMED_FAILURES` the others are counted, and each error is cut to its first 80
        characters.
    """
    fails = summary.failures()
    named = ", ".join(_named(sid, err, summary.records[sid].get("params")) for sid, err in fails[:NAMED_FAILURES])
    more = f" and {len(fails) - NAMED_FAILURES} more (see {BATCH_INDEX})" if len(fails) > NAMED_FAILURES else ""
    return f"failed: {len(fails)} of {summary.total} scenarios: {named}{more}"


def _named(sid: str, error: str, params: Any) -> str:
    """One failed scenario: its id, its model and what-if when known, and why."""
    params = params if isinstance(params, dict) else {}
    what = [str(params[k]) for k in ("model", "whatif.name") if params.get(k)]
    label = f"{sid} [{', '.join(what)}]" if what else sid
    if not error:
        return label
    return f"{label} ({error[:80] + '...' if len(error) > 80 else error})"
