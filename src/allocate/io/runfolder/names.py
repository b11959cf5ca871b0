"""The file names of run folders: the only place they are spelled.

Every reader, writer, help text and message of the package builds a run-folder file name from
these constants (the layout of each kind of folder is in :mod:`allocate.io.runfolder`).
"""

from __future__ import annotations

#: Files of a solve.
ALIGNMENT = "alignment.csv"
KPIS = "kpis.json"
SELLERS_KPIS = "sellers_kpis.csv"
TERRITORIES = "territories.geojson"
#: Seller quotas, when the scenario has a ``quota`` section (also copied by ``allocate export``).
QUOTAS = "quotas.csv"
#: The hand edits of a version saved by ``allocate serve``.
EDITS = "edits.csv"
#: What a model leaves instead of an alignment (``compare``).
INFEASIBLE = "infeasible.json"
ERROR = "error.json"
#: Files of an action plan (``allocate schedule``), in the order they are written.
SCHEDULE = "schedule.csv"
LOAD = "load.csv"
UNSCHEDULED = "unscheduled.csv"
FUNNEL = "funnel.csv"
#: Files of a comparison folder.
COMPARISON_CSV = "comparison.csv"
COMPARISON_MD = "comparison.md"
COMPARISON_HTML = "comparison.html"
#: Files of a batch folder, and the prefix of a scenario folder being written.
BATCH_PLAN = "plan.json"
BATCH_INDEX = "runs.parquet"
DONE = "done.json"
TMP_PREFIX = ".tmp-"
#: The prefix of a run folder being built beside the one it replaces (never read).
STAGING_PREFIX = ".staging-"
#: The suffix of the lock file beside an output folder that one process writes at a time.
LOCK_SUFFIX = ".lock"
#: Files of a territory design (``allocate design``).
DESIGN = "design.json"
DESIGN_UNITS = "design_units.csv"
DESIGN_ACCOUNTS = "design_accounts.csv"
DESIGN_TERRITORIES = "design_territories.csv"
#: One row per territory of every level of a hierarchy (``allocate design --levels``).
DESIGN_LEVELS = "design_levels.csv"
#: The summary of ``allocate size --out``.
SIZING = "sizing.json"
#: The suffix of each table of a sizing folder (see :func:`sizing_table`).
SIZING_TABLE_SUFFIX = ".csv"


def sizing_table(name: str) -> str:
    """The file name of one table of a sizing folder.

    Parameters
    ----------
    name
        The table's name (e.g. ``placement``).

    Returns
    -------
    str
        ``<name>.csv``.
    """
    return f"{name}{SIZING_TABLE_SUFFIX}"
