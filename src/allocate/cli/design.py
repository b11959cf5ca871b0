"""CLI command ``design``: K connected, balanced, compact territories with free centres."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from allocate.cli.app import console, err_console, run_guarded
from allocate.core.errors import InputError
from allocate.core.status import SolveStatus
from allocate.io.runfolder import (
    DESIGN,
    DESIGN_ACCOUNTS,
    DESIGN_LEVELS,
    DESIGN_TERRITORIES,
    DESIGN_UNITS,
)

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


def default_workers() -> int:
    """The cores this process may run on (``--workers`` by default)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _numbers(text: str | None, cast: type, option: str) -> tuple | None:  # type: ignore[type-arg]
    """``"4,20,100"`` -> ``(4, 20, 100)`` with ``cast`` (None when empty); a bad item names ``option``."""
    if not text:
        return None
    try:
        return tuple(cast(x) for x in text.split(","))
    except ValueError:
        kind = "integers" if cast is int else "numbers"
        raise InputError.single(
            "options", f"{option} must be {kind} separated by commas, got {text!r}"
        ) from None


def _named_levels(text: str | None) -> tuple[tuple[str, ...] | None, tuple[int, ...] | None]:
    """``4,20,100`` or ``zone=4,sector=20,territory=100`` -> (names or None, counts)."""
    if not text:
        return None, None
    parts = [p.strip() for p in text.split(",")]
    named = ["=" in p for p in parts]
    if not any(named):
        return None, _numbers(text, int, "--levels")
    if not all(named):
        raise InputError.single(
            "options", f"--levels: name every level (name=count) or none, got {text!r}"
        )
    pairs = [p.rsplit("=", 1) for p in parts]
    return tuple(n.strip() for n, _ in pairs), _numbers(
        ",".join(c for _, c in pairs), int, "--levels"
    )


def _columns(folder: Path, names: list[str]) -> dict[str, np.ndarray]:
    from allocate.design.measures import BUILT_IN
    from allocate.io.tables import find_table, read_table

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
        typer.Option(
            help="Nested levels, e.g. 4,20,100 (regions > districts > territories), named (zone=4,sector=20,territory=100), or a levels.yaml file"
        ),
    ] = None,
    balance: Annotated[
        str,
        typer.Option(
            help="Measures kept within ±tolerance: count, potential, workload or an accounts column; name=tol sets one"
        ),
    ] = "count",
    tolerance: Annotated[float, typer.Option(help="Default relative tolerance of --balance")] = 0.1,
    level_tolerance: Annotated[
        str | None,
        typer.Option(
            help="With --levels: tolerance of each level above the finest, e.g. 0.05,0.08 (default: the --balance bands)"
        ),
    ] = None,
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
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Independent searches, one process each, the best wins (default: the cores "
            "available); the design depends on it and the seed, not on the machine",
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Run folder")] = Path("design"),
) -> None:
    """Partition units (or accounts) into K connected territories, balanced on the chosen measures."""
    from allocate.design import DesignSpec, design_territories
    from allocate.design.graph import node_ids
    from allocate.io import read_instance
    from allocate.io.adjacency import read_adjacency
    from allocate.io.levels import read_levels
    from allocate.io.runfolder import check_out_dir
    from allocate.io.tables import find_table
    from allocate.schedule.parallel import pool_map

    n_work = workers if workers is not None else default_workers()

    def go() -> None:
        # before any work: a file, or a folder allocate did not write, is refused
        check_out_dir(out, markers=(DESIGN,), inputs=[folder, adjacency])
        upper = _numbers(level_tolerance, float, "--level-tolerance")
        if not (levels and Path(levels).suffix.lower() in (".yaml", ".yml")):
            names, lv = _named_levels(levels)
        else:
            nested = read_levels(Path(levels))
            if upper is not None:
                raise InputError.single(
                    "options", "give the tolerances in the levels file, not --level-tolerance"
                )
            names, lv = nested.names, nested.territories
            upper = (
                tuple(tolerance if t is None else t for t in nested.tolerance)
                if any(t is not None for t in nested.tolerance)
                else None
            )
        k = territories if territories is not None else (lv[-1] if lv else None)
        if k is None:
            raise InputError.single("options", "give --territories K or --levels A,B,...")
        inst = read_instance(folder)
        spec = DesignSpec(
            territories=k,
            levels=lv,
            level_names=names,
            level_tolerance=upper,
            balance=parse_balance(balance, tolerance),
            objective=objective,
            time_limit_s=time_limit,
            seed=seed,
            disruption=disruption,
            staff=staff,
            starts=n_work,
        )
        adj_path = (
            adjacency
            if adjacency is not None
            else find_table(Path(folder), "adjacency", required=False)
        )
        edges = read_adjacency(adj_path, node_ids(inst)) if adj_path is not None else None
        cols = _columns(Path(folder), list(spec.balance))
        many = f", {n_work} searches" if n_work > 1 else ""
        with console.status(
            f"designing {k} territories on {inst.name} ({time_limit:g}s limit{many})"
        ):
            # the processes come from here (the top layer): the solvers only take a mapper
            res = design_territories(
                inst, spec, edges, cols, mapper=pool_map(n_work) if n_work > 1 else None
            )
        res.write(out)  # one unit: no file of an earlier design (its levels) is left
        sol = res.solution
        if sol.status != SolveStatus.FEASIBLE:
            what = "design rejected" if sol.labels is not None else "no design"
            err_console.print(
                f"{what}: {sol.reason} (wrote {out}/{DESIGN})", highlight=False, markup=False
            )
            raise typer.Exit(EXIT_NO_DESIGN)
        chk = sol.check
        assert chk is not None
        how = f" ({sol.stopped_by})" if sol.stopped_by else ""
        console.print(
            f"[bold]design[/bold]: {sol.status.value} (checked), {spec.objective} {sol.value:,.3f}, "
            f"{chk.connected}/{k} connected, largest deviation {100 * chk.max_dev:.2f}%, "
            f"{sol.time_s:.1f}s{how}"
        )
        if res.verdict is not None and len(res.verdict.levels) > 1:
            for name, level in zip(res.level_names, res.verdict.levels, strict=True):
                console.print(
                    f"  {name} ({level.territories}): {sum(level.connected)}/{level.territories} connected, "
                    f"largest deviation {100 * level.max_dev:.2f}%, nested and balanced: "
                    + ("yes" if level.ok else "NO"),
                    highlight=False,
                    markup=False,  # level names are the user's
                )
        more = f", {DESIGN_LEVELS}" if res.level_labels else ""
        console.print(
            f"wrote {out}/{DESIGN_UNITS}, {DESIGN_ACCOUNTS}, {DESIGN_TERRITORIES}{more}, {DESIGN}"
        )

    run_guarded(go)
