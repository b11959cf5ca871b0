"""Where a command writes: checked before any work, then written as one unit.

Every command that writes a folder (``solve``, ``schedule``, ``compare``, ``batch``, ``size``,
``report``) or a file (``map``) checks its output path first (:func:`check_out_dir`,
:func:`check_out_file`), so a bad ``--out`` costs no solving time. A run folder is then built
beside its final place and swapped in (:func:`writing`, on :func:`allocate.io.atomic.staged_dir`):
a reader, or a run killed at any moment, sees the previous run or the new one, never a mix.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from allocate.core.errors import InputError
from allocate.io.atomic import staged_dir
from allocate.io.runfolder.names import (
    ALIGNMENT,
    BATCH_INDEX,
    BATCH_PLAN,
    COMPARISON_CSV,
    ERROR,
    INFEASIBLE,
    KPIS,
    SCHEDULE,
    SIZING,
    STAGING_PREFIX,
)

#: A folder holding one of these was written by allocate: a command may replace it.
OWN_MARKERS = (ALIGNMENT, KPIS, INFEASIBLE, ERROR, SCHEDULE, COMPARISON_CSV, SIZING, BATCH_PLAN, BATCH_INDEX)


def _check_parents(path: Path, option: str) -> None:
    """Every existing ancestor of ``path`` is a folder, and the nearest one is writable."""
    for up in path.parents:
        if up.exists() or up.is_symlink():
            if not up.is_dir():
                raise InputError.single(option, f"{up} is a file, so {path} cannot be created")
            if not os.access(up, os.W_OK | os.X_OK):
                raise InputError.single(option, f"cannot write in the folder {up}")
            return


def _inside(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def check_out_dir(
    path: Path,
    *,
    option: str = "--out",
    markers: Iterable[str] | None = OWN_MARKERS,
    inputs: Iterable[Path | None] = (),
) -> Path:
    """Refuse an output folder that cannot be written or must not be replaced, before any work.

    Parameters
    ----------
    path
        The folder given on the command line.
    option
        The option that gave it, for the message.
    markers
        File names that show allocate wrote an existing folder (default :data:`OWN_MARKERS`);
        an existing, non-empty folder without any of them is refused, as replacing it would
        delete someone's files. ``None`` for a folder that files are added to, never replaced
        (``generate``): only the path itself is checked.
    inputs
        Paths the command reads: none may lie inside the folder, which is replaced.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputError
        (exit code 2) When ``path`` is a file, lies under a file or an unwritable folder, holds
        the working folder or an input, or is a non-empty folder allocate did not write.
    """
    path = Path(path)
    where = f"{option} {path}"
    if path.exists() and not path.is_dir():
        raise InputError.single(where, "is a file; give a folder (new, empty or an earlier output)")
    _check_parents(path.absolute(), where)
    if path.is_dir() and not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        raise InputError.single(where, "cannot be written")
    if markers is None:
        return path
    full = path.resolve()
    if _inside(Path.cwd().resolve(), full):
        raise InputError.single(where, "holds the working folder, which cannot be replaced; give a sub-folder")
    for item in inputs:
        if item is not None and _inside(Path(item).resolve(), full):
            raise InputError.single(where, f"holds the input {item}, which would be deleted; give another folder")
    if path.is_dir():
        names = {p.name for p in path.iterdir()}
        if names and not names & set(markers):
            raise InputError.single(
                where,
                "is a folder that allocate did not write and would be replaced; give a new or empty folder",
            )
    return path


def check_out_file(path: Path, *, option: str = "--out", suffix: str = "") -> Path:
    """Refuse an output file that cannot be written, before any work.

    Parameters
    ----------
    path
        The file given on the command line.
    option
        The option that gave it, for the message.
    suffix
        Required suffix (e.g. ``.html``), any when empty.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputError
        (exit code 2) When ``path`` is a folder, lacks the suffix, or lies under a file or an
        unwritable folder.
    """
    path = Path(path)
    where = f"{option} {path}"
    if suffix and path.suffix.lower() != suffix:
        raise InputError.single(where, f"must end with {suffix}")
    if path.is_dir():
        raise InputError.single(where, "is a folder; give a file name")
    _check_parents(path.absolute(), where)
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError.single(where, "cannot be written")
    return path


@contextmanager
def writing(folder: Path, *, keep: bool = False) -> Iterator[Path]:
    """Write a run folder as one unit: yield a folder beside it, swapped in at the end.

    Parameters
    ----------
    folder
        The run folder to create or replace.
    keep
        Start from the folder's current files (``schedule`` adds its plan to a solve's run).

    Yields
    ------
    pathlib.Path
        Where to write; it replaces ``folder`` when the block ends without an exception, and
        is deleted otherwise (``folder`` then stays as it was).
    """
    with staged_dir(Path(folder), STAGING_PREFIX, keep=keep) as tmp:
        yield tmp
