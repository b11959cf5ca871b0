"""One writer per output folder: a lock file beside it, holding the writer's pid.

Two ``allocate batch`` runs on the same ``--out`` would each rewrite the index of runs from
their own records, and the last one would erase the other's scenarios. :func:`folder_lock`
makes the second run stop at once with a clear message instead. The lock is
``.<folder name>.lock`` beside the folder (so that swapping the folder in, as
:func:`~allocate.io.runfolder.target.writing` does, leaves it in place); it holds
``pid host time``. Where the system has ``flock`` the kernel releases the lock when its holder
dies, however it dies, so a lock left by a killed run is detected as stale and taken over;
elsewhere a lock whose pid no longer runs on this host is stale.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from allocate.core.errors import InputError
from allocate.io.runfolder.names import LOCK_SUFFIX

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


def lock_path(folder: Path) -> Path:
    """The lock file of ``folder``: hidden, beside it.

    Parameters
    ----------
    folder
        An output folder.

    Returns
    -------
    pathlib.Path
        ``<parent>/.<name>.lock``.
    """
    folder = Path(folder).resolve()  # two names of one folder share its lock
    return folder.parent / f".{folder.name}{LOCK_SUFFIX}"


def _holder(text: str) -> tuple[int | None, str]:
    parts = text.split()
    pid = int(parts[0]) if parts and parts[0].isdigit() else None
    return pid, parts[1] if len(parts) > 1 else ""


def _busy(folder: Path, option: str, text: str) -> InputError:
    pid, host = _holder(text)
    who = f"pid {pid}" + (f" on {host}" if host and host != socket.gethostname() else "") if pid else "another process"
    return InputError.single(
        f"{option} {folder}",
        f"is being written by another allocate run ({who}); wait for it to end or give another folder",
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stamp() -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{os.getpid()} {socket.gethostname()} {now}\n"


@contextlib.contextmanager
def folder_lock(folder: Path, *, option: str = "--out") -> Iterator[Path]:
    """Hold the lock of ``folder`` while the block runs.

    Parameters
    ----------
    folder
        The output folder (it need not exist; its parent is created).
    option
        The option that named it, for the message.

    Yields
    ------
    pathlib.Path
        The lock file (deleted when the block ends).

    Raises
    ------
    InputError
        (exit code 2) When another live process holds the lock.
    """
    path = lock_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _acquire_flock(path, Path(folder), option) if fcntl is not None else _acquire_excl(path, Path(folder), option)
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)


def _acquire_flock(path: Path, folder: Path, option: str) -> int:
    """``flock`` the lock file; a file that is gone or replaced meanwhile is opened again."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 200).decode("utf-8", "replace")
            os.close(fd)
            raise _busy(folder, option, text) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the previous holder deleted it between our open and our lock
            os.close(fd)
            continue
        old = os.read(fd, 200).decode("utf-8", "replace")
        if old.strip():
            log.warning("%s: stale lock of a run that ended without releasing it (%s) taken over", path, old.strip())
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, _stamp().encode())
        return fd


def _acquire_excl(path: Path, folder: Path, option: str) -> int:  # pragma: no cover - Windows
    """Create the lock file exclusively; one whose pid is dead on this host is removed first."""
    for _ in range(3):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except FileNotFoundError:
                continue
            pid, host = _holder(text)
            if pid is not None and host == socket.gethostname() and not _alive(pid):
                log.warning("%s: stale lock of pid %d removed", path, pid)
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
                continue
            raise _busy(folder, option, text) from None
        os.write(fd, _stamp().encode())
        return fd
    raise _busy(folder, option, "")
