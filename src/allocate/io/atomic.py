"""Atomic, injection-safe writing of outputs: the package's only temporary-then-rename code.

Every file is written to a temporary file in the same folder and renamed with
:func:`os.replace`, so a run killed at any moment leaves either the old file or the new one,
never a truncated one; a whole folder is published the same way (:func:`atomic_rename_dir`),
or built beside the folder it replaces and swapped in (:func:`staged_dir`, :func:`swap_dir`), so a
reader sees the old folder or the new one, never a mix. CSV cells that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, tab or carriage return; OWASP "CSV injection") get a leading
apostrophe. Numbers are written as numbers, so negative values stay numeric.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import math
import os
import re
import shutil
import signal
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from allocate.core.errors import InputError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DRIVE = re.compile(r"^[A-Za-z]:")
_NEW_FILE_MODE = 0o644


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (parent folders created).

    Parameters
    ----------
    path
        The file; a new one gets mode 0644, a replaced one keeps its permissions.
    data
        Its content.

    Returns
    -------
    None
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0600 files; outputs get the permissions of the file they replace
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else _NEW_FILE_MODE)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable; not every platform can open a directory, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: readers see the old or the new file.

    Parameters
    ----------
    path
        The file.
    text
        Its content.

    Returns
    -------
    None
    """
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_with(path: Path, writer: Callable[[Path], None]) -> None:
    """Let ``writer`` fill a temporary path (e.g. a Parquet or GeoPackage driver), then rename it.

    Parameters
    ----------
    path
        The file.
    writer
        Called once with a path that does not exist yet, in the same folder.

    Returns
    -------
    None
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        writer(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_rename_dir(tmp: Path, final: Path) -> bool:
    """Publish the finished folder ``tmp`` as ``final`` in one ``rename``.

    Both folders' entries are flushed to disk first, so a folder that exists under its final
    name is complete, even after a crash.

    Parameters
    ----------
    tmp
        A complete folder, beside ``final``.
    final
        Its name once published.

    Returns
    -------
    bool
        ``False`` (``tmp`` left in place) when ``final`` already holds a non-empty folder: an
        earlier writer won.
    """
    tmp, final = Path(tmp), Path(final)
    _fsync_dir(tmp)
    try:
        os.rename(tmp, final)
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
        return False
    _fsync_dir(final.parent)
    return True


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); ``False`` where the system cannot."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False  # a file system without the exchange: the two-step swap below
    raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM for the few system calls of a swap (delivered right after)."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def swap_dir(new: Path, final: Path) -> None:
    """Put the complete folder ``new`` (beside ``final``) in place of ``final``.

    Where the system can exchange two names in one step (Linux), a reader of ``final`` sees the
    old folder or the new one and nothing else; elsewhere the old folder is renamed away first,
    so for an instant ``final`` is missing (never mixed). The old folder is then deleted.

    Parameters
    ----------
    new
        A complete folder in the same parent folder as ``final``.
    final
        The folder to replace (it may not exist yet).

    Returns
    -------
    None
    """
    new, final = Path(new), Path(final)
    if final.exists() and not final.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(final))
    _fsync_dir(new)
    with _signals_held():  # a signal between the two renames below would leave no folder
        if not final.exists() and not final.is_symlink():
            try:
                os.rename(new, final)
                _fsync_dir(final.parent)
                return
            except OSError as exc:  # created meanwhile: swap with it
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
        if _exchange(new, final):
            old = new  # the exchange left the old folder under the new one's name
        else:
            old = new.with_name(f"{new.name}.old")
            os.rename(final, old)
            os.rename(new, final)
    _fsync_dir(final.parent)
    shutil.rmtree(old, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _link_or_copy(src: str, dst: str) -> None:
    """Hard links are enough: every writer of this module replaces a file, never edits it."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


@contextlib.contextmanager
def staged_dir(final: Path, prefix: str, *, keep: bool = False) -> Iterator[Path]:
    """Build a folder beside ``final`` and swap it in when the block ends without error.

    On any exception (an error, Ctrl-C, SIGTERM turned into an exception) the staged folder is
    deleted and ``final`` is left as it was. Staged folders of processes that died without
    cleaning up (SIGKILL, power loss) are deleted when the next one starts.

    Parameters
    ----------
    final
        The folder to write (created or replaced); a symbolic link is followed, so the folder
        it points to is replaced and the link kept.
    prefix
        Start of the staged folder's name (``<prefix><final name>-<pid>-<random>``), hidden.
    keep
        Start from a copy of ``final``'s content (hard links) so the block adds to it.

    Yields
    ------
    pathlib.Path
        The staged folder, to be filled by the block.
    """
    final = Path(final)
    if final.is_symlink():
        final = final.resolve()
    parent = final.parent
    parent.mkdir(parents=True, exist_ok=True)
    stem = f"{prefix}{final.name}-"
    for orphan in parent.glob(f"{stem}*"):
        pid = orphan.name[len(stem):].split("-", 1)[0]
        if orphan.is_dir() and pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(orphan, ignore_errors=True)
    tmp = parent / f"{stem}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        if keep and final.is_dir():
            shutil.copytree(final, tmp, symlinks=True, copy_function=_link_or_copy)
        else:
            tmp.mkdir()
        yield tmp
        swap_dir(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def neutralize_cell(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would evaluate as a formula.

    Parameters
    ----------
    value
        A cell.

    Returns
    -------
    Any
        ``value``, with a leading apostrophe when it is text starting like a formula.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def restore_cell(value: Any) -> Any:
    """Undo :func:`neutralize_cell`: the text as it was before its apostrophe was added.

    For a file that goes back into a CRM, where the value must be the record's own (a company
    named ``@Home`` imported into ``accounts.csv`` as ``'@Home`` is ``@Home`` again).

    Parameters
    ----------
    value
        A cell, maybe read from a neutralized file.

    Returns
    -------
    Any
        ``value`` without the apostrophe that :func:`neutralize_cell` puts before a formula start.
    """
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names are neutralized.

    Parameters
    ----------
    df
        A table.

    Returns
    -------
    pandas.DataFrame
        The copy (numbers untouched).
    """
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralize_cell)
    out.columns = [neutralize_cell(str(c)) for c in out.columns]
    return out


def write_csv(path: Path, df: pd.DataFrame) -> None:
    """Atomic CSV (UTF-8, comma, ``\\n`` line ends, no index) with formula-like text neutralized.

    Parameters
    ----------
    path
        The file.
    df
        The table.

    Returns
    -------
    None
    """
    atomic_write_text(path, safe_frame(df).to_csv(index=False, lineterminator="\n"))


def jsonable(v: Any) -> Any:
    """``v`` as JSON writes it: NaN and infinities ``None``, numpy scalars Python numbers,
    mappings (with string keys) and sequences converted throughout.

    Parameters
    ----------
    v
        Any JSON-like value.

    Returns
    -------
    Any
        The converted value.
    """
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [jsonable(x) for x in v]
    if hasattr(v, "item") and callable(v.item):
        return jsonable(v.item())
    return v


def write_json(path: Path, data: Any) -> None:
    """Atomic JSON (indent 2, UTF-8); NaN and infinities become ``null``, numpy scalars numbers.

    Parameters
    ----------
    path
        The file.
    data
        Any JSON-like structure.

    Returns
    -------
    None
    """
    atomic_write_text(path, json.dumps(jsonable(data), indent=2, ensure_ascii=False) + "\n")


def safe_child(
    root: Path,
    relative: str | os.PathLike[str],
    *,
    file: str = "",
    row: int | None = None,
    column: str | None = None,
) -> Path:
    """``root / relative`` resolved, refusing any path that is absolute or escapes ``root``.

    Backslashes count as separators (a path typed on Windows), symbolic links are resolved
    before the check, and the error names ``file``, ``row`` and ``column`` of the cell that
    held the path.

    Parameters
    ----------
    root
        The folder the path must stay in.
    relative
        The path as written in the input.
    file, row, column
        Where the path was read, for the error message.

    Returns
    -------
    pathlib.Path
        The resolved path.

    Raises
    ------
    InputError
        When the path is empty, absolute (``/x``, ``C:\\x``, ``\\\\server``), contains a NUL
        byte, or resolves outside ``root``.
    """
    text = os.fspath(relative)
    where = file or str(root)
    if not text.strip():
        raise InputError.single(where, "empty path", row=row, column=column)
    if "\x00" in text:
        raise InputError.single(where, "path contains a NUL byte", row=row, column=column)
    norm = text.replace("\\", "/")
    if norm.startswith("/") or _DRIVE.match(norm):
        raise InputError.single(
            where,
            f"path {text!r} is absolute; give it relative to the folder {root}",
            row=row,
            column=column,
        )
    root_r = Path(root).resolve()
    try:
        target = (root_r / norm).resolve()
    except (OSError, RuntimeError) as exc:  # symlink loops
        raise InputError.single(
            where, f"path {text!r} cannot be resolved ({exc})", row=row, column=column
        ) from None
    if target != root_r and root_r not in target.parents:
        raise InputError.single(
            where, f"path {text!r} escapes the folder {root}", row=row, column=column
        )
    return target
