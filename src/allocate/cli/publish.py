"""``allocate map`` and ``allocate report``: publish runs as HTML into a ``maps/`` folder.

Both commands regenerate the gallery page of the folder they publish into, so that it links
every map and report there. The instance of a run comes from ``--instance``, else from the
``instance_dir`` recorded in the run folder (:func:`allocate.io.runfolder.resolve_instance_dir`);
without either they stop with exit code 2. A design folder (``allocate design --out``) gets the
map of its levels and a report of its KPIs per level instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from allocate.cli.app import console, run_guarded
from allocate.core.errors import InputError
from allocate.io.runfolder import KPIS

if TYPE_CHECKING:
    from allocate.core.instance import Instance


def _load_instance(run_dir: Path, instance: Path | None, cache: dict[Path, Instance]) -> Instance:
    """The instance of ``run_dir``, read once per folder (``cache``)."""
    from allocate.io import read_instance
    from allocate.io.runfolder import resolve_instance_dir

    folder = resolve_instance_dir(run_dir, instance).resolve()
    if folder not in cache:
        cache[folder] = read_instance(folder)
    return cache[folder]


def register(app: typer.Typer) -> None:
    """Add the ``map`` and ``report`` commands to ``app``.

    Parameters
    ----------
    app
        The Typer application of :mod:`allocate.cli`.
    """

    @app.command("map")
    def map_cmd(
        run_dir: Annotated[
            Path,
            typer.Argument(
                help="Run folder of 'allocate solve', or a design folder of 'allocate design'"
            ),
        ],
        vs: Annotated[
            Path | None, typer.Option("--vs", help="Second run folder: both models side by side")
        ] = None,
        instance: Annotated[
            Path | None, typer.Option(help=f"Instance folder (default: instance_dir in {KPIS})")
        ] = None,
        offline: Annotated[
            bool, typer.Option("--offline", help="Inline Leaflet: the map draws without internet")
        ] = False,
        out: Annotated[
            Path | None, typer.Option(help="Output file, e.g. maps/geography.html")
        ] = None,
    ) -> None:
        """Draw the territories of a run (or two runs side by side) as an HTML map."""
        from allocate.io.runfolder import check_out_file, is_design_folder, read_design, read_run
        from allocate.publish.maps import save_design_map, save_run_map
        from allocate.publish.report import update_index

        def go() -> None:
            cache: dict[Path, Instance] = {}
            target = out or Path("maps") / f"{run_dir.resolve().name}.html"
            check_out_file(target, suffix=".html")
            inst = _load_instance(run_dir, instance, cache)
            if is_design_folder(run_dir):
                if vs is not None:
                    raise InputError.single("--vs", "a design folder is drawn alone")
                save_design_map(target, inst, read_design(run_dir), offline=offline)
                index = update_index(target.parent)
                console.print(f"wrote {target}" + _gallery_note(index, target.parent))
                return
            run = read_run(run_dir, inst)
            other = read_run(vs, inst) if vs is not None else None
            save_run_map(target, inst, run, other, offline=offline)
            index = update_index(target.parent)
            console.print(f"wrote {target}" + _gallery_note(index, target.parent))

        run_guarded(go)

    @app.command("report")
    def report_cmd(
        run_dirs: Annotated[
            list[Path], typer.Argument(help="One or more run folders, or one design folder")
        ],
        instance: Annotated[
            Path | None, typer.Option(help=f"Instance folder (default: instance_dir in {KPIS})")
        ] = None,
        offline: Annotated[
            bool, typer.Option("--offline", help="Inline Leaflet in the embedded maps")
        ] = False,
        out: Annotated[Path, typer.Option(help="Report folder, e.g. maps/compare/")] = Path(
            "maps/report"
        ),
    ) -> None:
        """Write a static HTML report comparing runs: KPIs, workload bars, schedule, funnel, maps."""
        from allocate.io.runfolder import (
            check_out_dir,
            folder_lock,
            is_design_folder,
            read_design,
            read_run,
            writing,
        )
        from allocate.publish.report import (
            INDEX_PAGE,
            update_index,
            write_design_report,
            write_report,
        )

        def go() -> None:
            check_out_dir(out, markers=(INDEX_PAGE,), inputs=[*run_dirs, instance])
            with folder_lock(out):
                _report()

        def _report() -> None:
            cache: dict[Path, Instance] = {}
            insts = [_load_instance(r, instance, cache) for r in run_dirs]
            if len(cache) > 1:
                raise InputError.single(
                    "run folders",
                    "the runs solved different instances; report runs of one instance at a time",
                )
            inst = insts[0]
            designs = [r for r in run_dirs if is_design_folder(r)]
            if designs:
                if len(run_dirs) > 1:
                    raise InputError.single(
                        str(designs[0]), "a design folder is reported alone (one folder)"
                    )
                with writing(out) as tmp:
                    write_design_report(read_design(designs[0]), inst, tmp, offline=offline)
                gallery = update_index(out.parent)
                console.print(f"wrote {out / INDEX_PAGE}" + _gallery_note(gallery, out.parent))
                return
            runs = [read_run(r, inst) for r in run_dirs]
            with writing(out) as tmp:
                write_report(runs, inst, tmp, offline=offline)
            index = out / INDEX_PAGE
            gallery = update_index(out.parent)
            console.print(f"wrote {index}" + _gallery_note(gallery, out.parent))

        run_guarded(go)


def _gallery_note(index: Path | None, folder: Path) -> str:
    from allocate.publish.report import INDEX_PAGE

    if index is not None:
        return f" (listed in the gallery {index})"
    return f"; {folder / INDEX_PAGE} is not a gallery written by allocate: left as it was"
