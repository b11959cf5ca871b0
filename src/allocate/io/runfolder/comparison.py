"""The files of a comparison folder (``allocate compare``): the KPI table and its two pages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocate.io.atomic import atomic_write_text, write_csv
from allocate.io.runfolder.names import COMPARISON_CSV, COMPARISON_HTML, COMPARISON_MD


def write_comparison_files(root: Path, table: pd.DataFrame, markdown: str, html: str) -> list[Path]:
    """Write :data:`COMPARISON_CSV`, :data:`COMPARISON_MD` and :data:`COMPARISON_HTML` (each atomically).

    Parameters
    ----------
    root
        The comparison folder (created).
    table
        The KPI table.
    markdown, html
        The rendered pages.

    Returns
    -------
    list of pathlib.Path
        The three files.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    paths = [root / COMPARISON_CSV, root / COMPARISON_MD, root / COMPARISON_HTML]
    write_csv(paths[0], table)
    atomic_write_text(paths[1], markdown)
    atomic_write_text(paths[2], html)
    return paths
