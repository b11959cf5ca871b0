"""Command-line interface (Typer). Exit codes: 0 ok, 1 internal error, 2 bad input, 3 infeasible.

The CLI only orchestrates: it reads, calls the library, writes atomically and reports. User
errors never show a Python traceback.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .errors import InfeasibleError, InputError

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Align accounts to sellers and plan their weekly actions.",
)
console = Console()
err_console = Console(stderr=True)


def run_guarded(fn: Callable[[], Any]) -> None:
    """Run ``fn`` and map errors to exit codes, without tracebacks for user errors.

    Every problem is printed on one line of stderr, escaped so that text from the input files
    (``[bold]`` in a name) is shown as is and never read as Rich markup.
    """
    from pydantic import ValidationError
    from rich.markup import escape

    from .errors import one_line

    def say(tag: str, text: str) -> None:
        err_console.print(f"[red]{tag}[/red] " + escape(one_line(text)), highlight=False, soft_wrap=True)

    try:
        fn()
    except InputError as exc:
        for p in exc.problems[:200]:
            say("error:", str(p))
        if len(exc.problems) > 200:
            say("error:", f"... and {len(exc.problems) - 200} more problems")
        raise typer.Exit(EXIT_INPUT) from None
    except InfeasibleError as exc:
        say("infeasible:", exc.reason)
        for s in exc.shortfalls:
            say("infeasible:", f"short: {s}")
        raise typer.Exit(EXIT_INFEASIBLE) from None
    except ValidationError as exc:  # a command-line option that the Scenario model refuses
        for e in exc.errors():
            field = ".".join(str(x) for x in e["loc"]) or exc.title
            say("error:", f"option {field}: {e['msg']}")
        raise typer.Exit(EXIT_INPUT) from None
    except KeyboardInterrupt:
        err_console.print("interrupted")
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:  # internal error: short message, traceback only with ALLOCATE_DEBUG
        import os

        if os.environ.get("ALLOCATE_DEBUG"):
            raise
        say("internal error:", f"{type(exc).__name__}: {exc}")
        err_console.print("set ALLOCATE_DEBUG=1 to see the traceback")
        raise typer.Exit(EXIT_INTERNAL) from None


@app.command()
def validate(folder: Annotated[Path, typer.Argument(help="Instance folder")]) -> None:
    """Check an instance folder and print every problem found."""

    def go() -> None:
        from .io import check_instance

        problems = check_instance(folder)
        if problems:
            raise InputError(problems)
        console.print(f"[green]ok[/green] {folder}: valid instance")

    run_guarded(go)


@app.command()
def info(folder: Annotated[Path, typer.Argument(help="Instance folder")]) -> None:
    """Counts, workload against capacity, and sellers needed (workload build-up), per role and segment."""

    def go() -> None:
        from .io import read_instance
        from .sizing_buildup import workload_buildup

        inst = read_instance(folder)
        bu = workload_buildup(inst)
        console.print(f"[bold]{inst.name}[/bold]: {len(inst.accounts):,} accounts, {len(inst.sellers)} sellers, "
                      f"{len(inst.units) if inst.units else 0} units, {len(inst.accounts.group_ids)} multi-site groups")
        for title, df in (("by role", bu.by_role), ("by segment", bu.by_segment)):
            t = Table(title=f"Workload build-up {title} (hours per week)")
            for c in df.columns:
                t.add_column(str(c), justify="right" if df[c].dtype.kind in "if" else "left")
            for _, r in df.iterrows():
                t.add_row(*[f"{v:,.1f}" if isinstance(v, float) else str(v) for v in r])
            console.print(t)
        console.print(f"total workload {bu.total_workload_h:,.1f} h/week against capacity {bu.total_capacity_h:,.1f} h/week "
                      f"({bu.total_workload_h / bu.total_capacity_h:.0%}); sellers needed: {bu.sellers_needed}")

    run_guarded(go)


@app.command()
def generate(
    country: Annotated[str, typer.Option(help="FR or US")] = "FR",
    accounts: Annotated[int, typer.Option(min=10, max=200_000)] = 2000,
    sellers: Annotated[int, typer.Option(min=2, max=2000)] = 12,
    seed: Annotated[int, typer.Option(min=0)] = 1,
    multisite_share: Annotated[float | None, typer.Option(min=0.0, max=0.9, help="Share of accounts in multi-site groups")] = None,
    out: Annotated[Path, typer.Option(help="Output instance folder")] = Path("instance"),
) -> None:
    """Generate a realistic instance at real towns (deterministic per seed)."""

    def go() -> None:
        from .generate import generate_instance, write_instance

        if country.upper() not in ("FR", "US"):
            raise InputError.single("--country", f"unknown country {country!r}; use FR or US")
        gen = generate_instance(country.upper(), accounts, sellers, seed, multisite_share=multisite_share)
        paths = write_instance(gen, out)
        console.print(f"wrote {len(paths)} files to {out}")

    run_guarded(go)


@app.command()
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
        from . import solve as solve_fn
        from .io import read_instance
        from .io.runs import write_run
        from .kpi import compute_kpis
        from .scenario import read_scenario

        if verbose:
            logging.basicConfig(level=logging.INFO, format="%(message)s")
        inst = read_instance(folder)
        sc = read_scenario(scenario, model=model, time_limit_s=time_limit, workers=workers, seed=seed)
        with console.status(f"solving {sc.model} on {inst.name} ({sc.time_limit_s:g}s limit)"), stop_on_sigint():
            res = solve_fn(inst, sc)
        kpis = compute_kpis(inst, res)
        write_run(out, inst, res, kpis, extra={"instance_dir": str(Path(folder).resolve())})
        _print_result(res, kpis)
        console.print(f"wrote {out}/alignment.csv, kpis.json, sellers_kpis.csv, territories.geojson")
        if res.interrupted:
            err_console.print("interrupted: the best alignment found so far was written")
            raise typer.Exit(130)

    run_guarded(go)


@contextlib.contextmanager
def stop_on_sigint() -> Iterator[None]:
    """First Ctrl-C: stop the search and keep the best solution; a second one aborts."""
    from .solvers.cpsat import clear_stop, request_stop

    previous = signal.getsignal(signal.SIGINT)
    clear_stop()

    def handler(signum: int, frame: Any) -> None:
        err_console.print("stopping: keeping the best solution found (Ctrl-C again to abort)")
        signal.signal(signal.SIGINT, signal.default_int_handler)
        request_stop()

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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


def _register_extensions() -> None:
    """Commands that live next to their feature: each module has ``register(app)``."""
    import importlib

    for name in ("cli_schedule", "cli_publish", "cli_compare"):
        try:
            mod = importlib.import_module(f"allocate.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"allocate.{name}":
                raise
            continue
        mod.register(app)


_register_extensions()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exc:
        code = exc.code
        if code is not None and not isinstance(code, int):
            code = EXIT_INPUT
        if code == 2 and len(sys.argv) > 1:  # click usage errors are bad input too
            sys.exit(EXIT_INPUT)
        sys.exit(code or 0)


if __name__ == "__main__":
    main()
