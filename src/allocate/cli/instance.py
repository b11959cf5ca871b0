"""CLI commands on instance folders: ``validate``, ``info`` and ``generate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from allocate.cli.app import console, run_guarded
from allocate.core.errors import InputError
from allocate.io.runfolder import ALIGNMENT


def register(app: typer.Typer) -> None:
    """Add the instance commands to ``app``.

    Parameters
    ----------
    app
        The Typer application of :mod:`allocate.cli`.
    """
    app.command()(validate)
    app.command()(info)
    app.command()(generate)


def validate(
    folder: Annotated[Path, typer.Argument(help="Instance folder")],
    alignment: Annotated[
        list[Path] | None,
        typer.Option(help=f"Also check this {ALIGNMENT} against the instance (repeatable)"),
    ] = None,
    scenario: Annotated[
        list[Path] | None, typer.Option(help="Also check this scenario YAML (repeatable)")
    ] = None,
) -> None:
    """Check an instance folder (and alignment or scenario files) and print every problem found.

    The checks are those of every command that reads the same files: the tables, the
    nomenclature, the units, the travel matrix and each seller's calendar file; an alignment
    as ``schedule``, ``map`` and ``report`` read it; a scenario as ``solve`` reads it.
    """

    def go() -> None:
        from allocate.io import check_instance, read_instance
        from allocate.io.runfolder import read_alignment
        from allocate.io.scenario import read_scenario

        problems = check_instance(folder)
        for path in scenario or []:
            try:
                read_scenario(path)
            except InputError as err:
                problems += err.problems
        if alignment and not problems:
            inst = read_instance(folder)
            for path in alignment:
                try:
                    read_alignment(path, inst)
                except InputError as err:
                    problems += err.problems
        if problems:
            raise InputError(problems)
        checked = [str(p) for p in [*(alignment or []), *(scenario or [])]]
        also = f" ({', '.join(checked)} valid too)" if checked else ""
        console.print(f"[green]ok[/green] {folder}: valid instance{also}")

    run_guarded(go)


def info(folder: Annotated[Path, typer.Argument(help="Instance folder")]) -> None:
    """Counts, workload against capacity, and sellers needed (workload build-up), per role and segment."""

    def go() -> None:
        from allocate.io import read_instance
        from allocate.sizing.buildup import workload_buildup

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
        from allocate.generate import generate_instance, write_instance
        from allocate.io.runfolder import check_out_dir

        if country.upper() not in ("FR", "US"):
            raise InputError.single("--country", f"unknown country {country!r}; use FR or US")
        check_out_dir(out, markers=None)
        gen = generate_instance(country.upper(), accounts, sellers, seed, multisite_share=multisite_share)
        paths = write_instance(gen, out)
        console.print(f"wrote {len(paths)} files to {out}")

    run_guarded(go)


