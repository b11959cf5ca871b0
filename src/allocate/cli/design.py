"""CLI command ``design``: K connected, balanced, compact territories with free centres."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from allocate.cli.app import console, err_console, run_guarded
from allocate.core.errors import InputError
from allocate.core.status import SolveStatus
from allocate.design import DesignSpec, design_territories
from allocate.design.graph import node_ids
from allocate.design.measures import BUILT_IN
from allocate.io import read_instance
from allocate.io.adjacency import read_adjacency
from allocate.io.runfolder import (
    DESIGN,
    DESIGN_ACCOUNTS,
    DESIGN_LEVELS,
    DESIGN_TERRITORIES,
    DESIGN_UNITS,
    check_out_dir,
    write_design,
    writing,
)
from allocate.io.tables import find_table, read_table

#: Exit code of a design run that found no checked design (not a proof of infeasibility).
EXIT_NO_DESIGN = 4


def register(app: typer.Typer) -> None:
    """Add ``design`` to ``app``.

    Parameters
    ----------
    app
        The Typer application of :mod:`allocate.cli`.
    """
    app.command()(design)


def parse_balance(text: str, tolerance: float) -> dict[str, float]:
    """``count,potential=0.1`` -> ``{"count": tolerance, "potential": 0.1}``.

    Raises
    ------
    InputError
        An empty name or a tolerance that is not a number.
    """
    out: dict[str, float] = {}
    for part in text.split(","):
        name, _, tol = part.strip().partition("=")
        name = name.strip()
        if not name:
            raise InputError.single("options", f"--balance: empty measure name in {text!r}")
        try:
            out[name] = float(tol) if tol.strip() else float(tolerance)
        except ValueError:
            raise InputError.single(
                "options", f"--balance: tolerance of {name!r} is not a number: {tol!r}"
            ) from None
    return out


def _levels(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    try:
        return tuple(int(x) for x in text.split(","))
    except ValueError:
        raise InputError.single(
            "options", f"--levels must be integers separated by commas, got {text!r}"
        ) from None


def _columns(folder: Path, names: list[str]) -> dict[str, np.ndarray]:
    extra = [n for n in names if n not in BUILT_IN]
    if not extra:
        return {}
    path = find_table(folder, "accounts")
    assert path is not None
    df = read_table(path)
    out = {}
    for name in extra:
        if name not in df.columns:
            raise InputError.single(
                path.name,
                f"no column {name!r} to balance (built-in: {', '.join(BUILT_IN)})",
                column=name,
            )
        vals = []
        for r, v in enumerate(df[name].tolist(), start=2):
            try:
                vals.append(float(str(v).replace(",", ".")) if str(v).strip() else float("nan"))
            except ValueError:
                raise InputError.single(path.name, f"not a number: {v!r}", r, name) from None
        out[name] = np.array(vals)
    return out


def design(
    folder: Annotated[Path, typer.Argument(help="Instance folder")],
    territories: Annotated[
        int | None, typer.Option("--territories", "-k", help="Number of territories")
    ] = None,
    levels: Annotated[
        str | None,
        typer.Option(help="Nested levels, e.g. 4,20,100 (regions > districts > territories)"),
    ] = None,
    balance: Annotated[
        str,
        typer.Option(
            help="Measures kept within ±tolerance: count, potential, workload or an accounts column; name=tol sets one"
        ),
    ] = "count",
    tolerance: Annotated[float, typer.Option(help="Default relative tolerance of --balance")] = 0.1,
    objective: Annotated[
        str, typer.Option(help="median (sum of distances to the centre) | dispersion")
    ] = "median",
    adjacency: Annotated[
        Path | None,
        typer.Option(
            help="Adjacency table unit_a, unit_b[, distance] (default: FOLDER/adjacency.*, else polygons)"
        ),
    ] = None,
    disruption: Annotated[
        float, typer.Option(help="Cost per unit moved from today's seller (needs K = sellers)")
    ] = 0.0,
    staff: Annotated[
        str | None, typer.Option(help="sellers (match existing sellers) | centres (new bases)")
    ] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds")] = 30.0,
    seed: Annotated[int, typer.Option()] = 0,
    out: Annotated[Path, typer.Option(help="Run folder")] = Path("design"),
) -> None:
    """Partition units (or accounts) into K connected territories, balanced on the chosen measures."""

    def go() -> None:
        # before any work: a file, or a folder allocate did not write, is refused
        check_out_dir(out, markers=(DESIGN,), inputs=[folder, adjacency])
        lv = _levels(levels)
        k = territories if territories is not None else (lv[-1] if lv else None)
        if k is None:
            raise InputError.single("options", "give --territories K or --levels A,B,...")
        inst = read_instance(folder)
        spec = DesignSpec(
            territories=k,
            levels=lv,
            balance=parse_balance(balance, tolerance),
            objective=objective,
            time_limit_s=time_limit,
            seed=seed,
            disruption=disruption,
            staff=staff,
        )
        adj_path = (
            adjacency
            if adjacency is not None
            else find_table(Path(folder), "adjacency", required=False)
        )
        edges = read_adjacency(adj_path, node_ids(inst)) if adj_path is not None else None
        with console.status(f"designing {k} territories on {inst.name} ({time_limit:g}s limit)"):
            res = design_territories(inst, spec, edges, _columns(Path(folder), list(spec.balance)))
        levels_table = res.levels_frame()
        with writing(out) as tmp:  # one unit: no file of an earlier design (its levels) is left
            write_design(
                tmp,
                res.summary(),
                res.units_frame(),
                res.accounts_frame(),
                res.territories_frame(),
                levels_table,
            )
        sol = res.solution
        if sol.status != SolveStatus.FEASIBLE:
            err_console.print(
                f"no design: {sol.reason} (wrote {out}/{DESIGN})", highlight=False, markup=False
            )
            raise typer.Exit(EXIT_NO_DESIGN)
        chk = sol.check
        assert chk is not None
        console.print(
            f"[bold]design[/bold]: {sol.status.value} (checked), {spec.objective} {sol.value:,.3f}, "
            f"{chk.connected}/{k} connected, largest deviation {100 * chk.max_dev:.2f}%, "
            f"{sol.time_s:.1f}s ({sol.stopped_by})"
        )
        more = f", {DESIGN_LEVELS}" if levels_table is not None else ""
        console.print(
            f"wrote {out}/{DESIGN_UNITS}, {DESIGN_ACCOUNTS}, {DESIGN_TERRITORIES}{more}, {DESIGN}"
        )

    run_guarded(go)
