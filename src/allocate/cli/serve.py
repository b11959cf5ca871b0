"""CLI command ``serve``: the interactive territory editor, a local web app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from allocate.cli.app import console, run_guarded
from allocate.core.errors import InputError


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``.

    Parameters
    ----------
    app
        The Typer application of :mod:`allocate.cli`.
    """
    app.command()(serve)


def serve(
    folder: Annotated[Path, typer.Argument(help="Instance folder")],
    run: Annotated[list[Path] | None, typer.Option("--run", help="Run folder to open (repeat: the first is opened, all are listed)")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on; other than loopback needs the printed token")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free port)")] = 8765,
    out: Annotated[Path | None, typer.Option(help="Folder where versions are saved (default: beside the first run, else ./versions)")] = None,
) -> None:
    """Edit territories in the browser: map, KPIs, locks, undo, re-optimize, versions."""

    def go() -> None:
        from allocate.io.runfolder import check_out_dir
        from allocate.serve import Workspace
        from allocate.serve import serve as run_server
        from allocate.serve.server import check_listen

        if not folder.is_dir():
            raise InputError.single(str(folder), "instance folder not found")
        for r in run or []:
            if not r.is_dir():
                raise InputError.single(str(r), "run folder not found")
        if not 0 <= port <= 65535:
            raise InputError.single("--port", f"port {port} is out of range 0-65535")
        if out is not None:
            check_out_dir(out, markers=None)  # versions are added to it, never replacing it
        check_listen(host, port)
        with console.status(f"opening {folder}"):
            ws = Workspace.open(folder, list(run or []), out)
        run_server(ws, host, port, announce=lambda line: console.print(line, highlight=False, soft_wrap=True))

    run_guarded(go)
