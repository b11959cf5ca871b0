"""The Typer application, error-to-exit-code mapping and Ctrl-C handling shared by every command.

Command-line interface (Typer). Exit codes: 0 ok, 1 internal error, 2 bad input, 3 infeasible
(proven), 4 no valid solution found (nothing proven), 130 interrupted.

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

    Parameters
    ----------
    fn
        The command's work, without arguments.

    Raises
    ------
    typer.Exit
        Code 2 for an :class:`~allocate.core.errors.InputError` or a refused option, 3 for an
        :class:`~allocate.core.errors.InfeasibleError`, 4 for a
        :class:`~allocate.core.errors.NoSolutionError`, 130 for Ctrl-C, 1 for any other error
        (re-raised as is when ``ALLOCATE_DEBUG`` is set).
    """
    from pydantic import ValidationError
    from rich.markup import escape

    from allocate.core.errors import one_line

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
        err_console.print("stopping: keeping the best solution found (Ctrl-C again to abort)")
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

