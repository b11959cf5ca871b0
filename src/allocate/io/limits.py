"""Size limits of input files, checked before a file is read.

A file is refused from its size on disk (``stat``) before any byte of it is read, and the
readers never hold more than the limit in memory, even for a file whose size the system does
not know (a pipe, ``/dev/zero``): :func:`read_bounded` stops one byte past the limit.

The table limit (:func:`max_table_bytes`) is :data:`MAX_TABLE_BYTES`, or
``ALLOCATE_MAX_FILE_MB`` megabytes when that environment variable is set (a travel matrix of
several million rows may need more); the limits are module attributes, so tests lower them.
"""

from __future__ import annotations

import os
from pathlib import Path

from allocate.core.errors import InputError

#: Largest table file (CSV, Excel, Parquet, GeoJSON, GeoPackage): about 2 million account rows.
MAX_TABLE_BYTES = 256 * 2**20
#: Most data rows of one table (an Excel sheet holds at most 1,048,575).
MAX_TABLE_ROWS = 5_000_000
#: Most columns of one table (the formats need fewer than twenty).
MAX_TABLE_COLUMNS = 1_000
#: The environment variable that overrides :data:`MAX_TABLE_BYTES`, in megabytes.
MAX_TABLE_ENV = "ALLOCATE_MAX_FILE_MB"


def max_table_bytes() -> int:
    """The largest table file accepted, in bytes.

    Returns
    -------
    int
        ``ALLOCATE_MAX_FILE_MB`` megabytes when set to a positive number, else
        :data:`MAX_TABLE_BYTES`.

    Raises
    ------
    InputError
        When ``ALLOCATE_MAX_FILE_MB`` is set but is not a positive number.
    """
    text = os.environ.get(MAX_TABLE_ENV, "").strip()
    if not text:
        return MAX_TABLE_BYTES
    try:
        mb = float(text)
    except ValueError:
        mb = -1.0
    if not 0 < mb < 1e9:
        raise InputError.single(MAX_TABLE_ENV, f"{text!r} is not a positive number of megabytes")
    return int(mb * 2**20)


def size_text(n: int) -> str:
    """``n`` bytes for a message: ``256 MB``, ``10 MB``, ``512 bytes``.

    Parameters
    ----------
    n
        A number of bytes.

    Returns
    -------
    str
        The size in MB (binary megabytes) from 1 MB on, else in bytes.
    """
    if n >= 2**20:
        return f"{n / 2**20:,.0f} MB"
    return f"{n:,} bytes"


def check_size(path: Path, limit: int, what: str) -> None:
    """Refuse ``path`` when its size on disk is over ``limit`` bytes, without reading it.

    Parameters
    ----------
    path
        The file.
    limit
        The largest size accepted.
    what
        How the message names the file (``"YAML file"``, ``"table file"``).

    Returns
    -------
    None

    Raises
    ------
    InputError
        When the file is larger than ``limit``.
    """
    size = Path(path).stat().st_size
    if size > limit:
        raise InputError.single(
            str(path), f"{what} is {size_text(size)}, larger than the limit of {size_text(limit)}"
        )


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path``, refused past ``limit`` bytes before they are all read.

    Parameters
    ----------
    path
        The file.
    limit
        The largest size accepted.
    what
        How the message names the file.

    Returns
    -------
    bytes
        The whole file (at most ``limit`` bytes).

    Raises
    ------
    InputError
        When the file is larger than ``limit`` (from its size on disk, or after reading
        ``limit + 1`` bytes of a file of unknown size).
    """
    check_size(path, limit, what)
    with Path(path).open("rb") as fh:
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise InputError.single(str(path), f"{what} is larger than the limit of {size_text(limit)}")
    return raw
