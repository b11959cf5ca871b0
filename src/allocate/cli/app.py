"""The Typer application, error-to-exit-code mapping and Ctrl-C handling shared by every command.

Command-line interface (Typer). Exit codes: 0 ok, 1 internal error, 2 bad input, 3 infeasible
(proven), 4 no valid result (``solve``: no valid solution found, nothing proven; ``batch``: one or
more scenarios failed), 130 stopped by Ctrl-C, 143 stopped by SIGTERM.

SIGTERM (``kill``, a service manager, a container stopping) is handled like Ctrl-C: it calls
whatever SIGINT handler is installed at that moment, so the first one stops a search and keeps
its best solution where Ctrl-C would, and a second one aborts. Outputs are written as one unit
(:func:`allocate.io.runfolder.writing`), so a run stopped at any moment leaves its output folder
as it was before, or complete.

The CLI only orchestrates: it reads, calls the library, writes atomically and reports. User
errors never show a Python traceback.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

import typer
from rich.console import Console

from allocate.core.errors import InfeasibleError, InputError, NoSolutionError

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4
#: ``allocate batch``: every scenario ran, and at least one of them failed (no valid result).
EXIT_FAILED_SCENARIOS = EXIT_NO_SOLUTION
#: Stopped by Ctrl-C (128 + SIGINT) or by SIGTERM (128 + SIGTERM).
EXIT_SIGINT, EXIT_SIGTERM = 130, 143

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Align accounts to sellers and plan their weekly actions.",
)
console = Console()
err_console = Console(stderr=True)
# Piped into a file or a script, a message stays one line however long: rich would otherwise
# fold it at 80 columns. In a terminal, rich folds words to the terminal's width.
for _c in (console, err_console):
    _c.soft_wrap = not _c.is_terminal


_TERMINATED: list[int] = []  # SIGTERMs received by this command


def _on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM does what Ctrl-C would do now (see the module's docstring)."""
    _TERMINATED.append(signum)
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:  # SIGINT ignored (a background job of a shell, nohup): SIGTERM still terminates
        raise KeyboardInterrupt


def interrupted_code() -> int:
    """The exit code of a command that was stopped: 143 after SIGTERM, else 130 (Ctrl-C).

    Returns
    -------
    int
        :data:`EXIT_SIGTERM` or :data:`EXIT_SIGINT`.
    """
    return EXIT_SIGTERM if _TERMINATED else EXIT_SIGINT


@contextlib.contextmanager
def _sigterm_as_sigint() -> Iterator[None]:
    _TERMINATED.clear()
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (an embedding program): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_guarded(fn: Callable[[], Any]) -> None:
    """Run ``fn`` and map errors to exit codes, without tracebacks for user errors.

    Every problem is printed on one line of stderr, escaped so that text from the input files
    (``[bold]`` in a name) is shown as is and never read as Rich markup.

    Parameters
    ----------
    fn
        The command's work, without arguments.

    Raises
    ------
    typer.Exit
        Code 2 for an :class:`~allocate.core.errors.InputError` or a refused option, 3 for an
        :class:`~allocate.core.errors.InfeasibleError`, 4 for a
        :class:`~allocate.core.errors.NoSolutionError`, 130 for Ctrl-C, 143 for SIGTERM, 1 for
        any other error (re-raised as is when ``ALLOCATE_DEBUG`` is set).
    """
    from pydantic import ValidationError
    from rich.markup import escape

    from allocate.core.errors import one_line

    def say(tag: str, text: str) -> None:
        err_console.print(f"[red]{tag}[/red] " + escape(one_line(text)), highlight=False, soft_wrap=True)

    try:
        with _sigterm_as_sigint():
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
    except NoSolutionError as exc:
        say("no solution:", exc.reason)
        for b in exc.breaches:
            say("no solution:", f"breach: {b}")
        raise typer.Exit(EXIT_NO_SOLUTION) from None
    except ValidationError as exc:  # a command-line option that the Scenario model refuses
        for e in exc.errors():
            field = ".".join(str(x) for x in e["loc"]) or exc.title
            say("error:", f"option {field}: {e['msg']}")
        raise typer.Exit(EXIT_INPUT) from None
    except KeyboardInterrupt:
        err_console.print("terminated" if _TERMINATED else "interrupted")
        raise typer.Exit(interrupted_code()) from None
    except typer.Exit:
        raise
    except Exception as exc:  # internal error: short message, traceback only with ALLOCATE_DEBUG
        import os

        if os.environ.get("ALLOCATE_DEBUG"):
            raise
        say("internal error:", f"{type(exc).__name__}: {exc}")
        err_console.print("set ALLOCATE_DEBUG=1 to see the traceback")
        raise typer.Exit(EXIT_INTERNAL) from None


@contextlib.contextmanager
def stop_on_sigint() -> Iterator[None]:
    """First Ctrl-C: stop the search and keep the best solution; a second one aborts.

    Yields
    ------
    None
        While the block runs, SIGINT calls :func:`~allocate.solvers.cpsat.request_stop`; the
        previous handler is restored on exit.
    """
    from allocate.solvers.cpsat import clear_stop, request_stop

    previous = signal.getsignal(signal.SIGINT)
    clear_stop()

    def handler(signum: int, frame: Any) -> None:
        again = "SIGTERM" if _TERMINATED else "Ctrl-C"
        err_console.print(f"stopping: keeping the best solution found ({again} again to abort)")
        signal.signal(signal.SIGINT, signal.default_int_handler)
        request_stop()

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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

