"""Running the app with uvicorn: bind, print the address (with the token when needed), stop cleanly."""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable

import uvicorn

from allocate.core.errors import InputError
from allocate.serve.api import create_app
from allocate.serve.guard import Guard
from allocate.serve.workspace import Workspace


def address(host: str, port: int, guard: Guard) -> str:
    """The URL to open: with ``?token=`` when the server needs it on every request.

    Parameters
    ----------
    host, port
        Where the server listens.
    guard
        Its access rule.

    Returns
    -------
    str
        ``http://host:port/`` (IPv6 hosts bracketed).
    """
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    url = f"http://{shown}:{port}/"
    return url + (f"?token={guard.token}" if guard.token_always else "")


def check_listen(host: str, port: int) -> None:
    """Refuse, before any work, an address the server could not listen on.

    Parameters
    ----------
    host, port
        Where the server is to listen (port 0: any free port).

    Raises
    ------
    InputError
        (exit code 2) When ``host`` is no address of this machine or ``port`` is taken or
        not allowed (uvicorn itself would only log the error and exit 3, our "infeasible").
    """
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError.single("--host", f"cannot listen on {host!r}: {reason}") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(addr)
        except OSError as exc:
            raise InputError.single(
                "--port", f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from None


def serve(workspace: Workspace, host: str = "127.0.0.1", port: int = 8765,
          announce: Callable[[str], None] = print, token: str | None = None) -> None:
    """Serve ``workspace`` until interrupted (Ctrl-C or SIGTERM stop it cleanly).

    Parameters
    ----------
    workspace
        What to serve.
    host, port
        Where to listen (port 0: a free port, announced once bound).
    announce
        Called with the lines to print at start (address, token).
    token
        The token (a random one by default).
    """
    guard = Guard.for_host(host, token)
    app = create_app(workspace, guard)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="off", server_header=False)
    server = uvicorn.Server(config)

    async def started() -> None:
        bound = port
        for s in server.servers:
            for sock in s.sockets:
                bound = sock.getsockname()[1]
        announce(f"allocate serve: open {address(host, bound, guard)}")
        announce(f"token (X-Allocate-Token header for scripts): {guard.token}")

    original = server.startup

    async def startup(sockets: list | None = None) -> None:
        await original(sockets)
        await started()

    server.startup = startup  # type: ignore[method-assign]
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal: a stop asked
    # for is a normal end (exit 0), not an interruption
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM) if in_main else None
    if in_main:
        signal.signal(signal.SIGTERM, _stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    announce("allocate serve: stopped")


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)
