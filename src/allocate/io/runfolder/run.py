"""Reading a solve's run folder back, for ``schedule``, ``map``, ``report`` and ``compare``.

:func:`read_run` gives the alignment (:data:`ALIGNMENT`), the per-seller KPIs
(:data:`SELLERS_KPIS`, else the ``sellers`` of :data:`KPIS`) and :data:`KPIS`;
:func:`resolve_instance_dir` finds the instance folder a run solved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocate.core.errors import InputError
from allocate.core.instance import Instance
from allocate.core.result import Alignment
from allocate.io.alignment import alignment_problems, item_column
from allocate.io.runfolder.design import read_design_summary
from allocate.io.runfolder.kpis import read_kpis
from allocate.io.runfolder.names import ALIGNMENT, DESIGN, KPIS, SELLERS_KPIS
from allocate.io.tables import read_table


def read_alignment(path: Path, instance: Instance) -> Alignment:
    """Read an :data:`ALIGNMENT` file back (for ``schedule``, ``map`` and ``report``).

    Parameters
    ----------
    path
        The file (``RUN_DIR/alignment.csv``); the model's name comes from :data:`KPIS` beside
        it, else from the item column.
    instance
        The instance it aligns.

    Returns
    -------
    Alignment
        Account and seller indices, items if any, and the model.

    Raises
    ------
    InputError
        Missing file or column, and every row that :func:`~allocate.io.alignment.alignment_problems`
        refuses: unknown or missing account or seller, an account on two rows (at most 50).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError.single(str(path), "alignment file not found")
    df = read_table(path)
    problems = alignment_problems(df, instance, str(path))
    if problems:
        raise InputError(problems)
    apos, spos = instance.account_index(), instance.seller_index()
    acc_idx = [apos[str(a).strip()] for a in df["account_id"]]
    sel_idx = [spos[str(s).strip()] for s in df["seller_id"]]
    kind = item_column(df)
    key = tuple(str(k).strip() for k in df[kind]) if kind else tuple("" for _ in range(len(df)))
    model = read_kpis(path.parent, strict=False).get("model", "")
    return Alignment(model=model or ("value_proposition" if kind == "product_line" else "roles" if kind == "role" else "geography"),
                     account=np.array(acc_idx, dtype=np.int64), seller=np.array(sel_idx, dtype=np.int64), key=key, key_kind=kind)


def read_seller_kpis(folder: Path, kpis: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The per-seller KPIs of a run: :data:`SELLERS_KPIS`, else the ``sellers`` list of :data:`KPIS`.

    Parameters
    ----------
    folder
        A run folder.
    kpis
        Its :data:`KPIS` content, when already read.

    Returns
    -------
    pandas.DataFrame
        One row per seller (empty when the run has none).
    """
    p = Path(folder) / SELLERS_KPIS
    if p.is_file():
        try:
            df = pd.read_csv(p, dtype=str, keep_default_na=False)
        except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise InputError.single(str(p), f"cannot read: {str(exc)[:200]}") from None
        return _numeric_kpis(df, str(p), header_row=True)
    meta = read_kpis(folder) if kpis is None else kpis
    rows = meta.get("sellers")
    if isinstance(rows, list):
        if not all(isinstance(r, dict) for r in rows):
            raise InputError.single(str(Path(folder) / KPIS), "not a list of objects", column="sellers")
        return _numeric_kpis(pd.DataFrame(rows), str(Path(folder) / KPIS), header_row=False)
    return pd.DataFrame()


#: The text columns of the per-seller KPIs; every other column holds numbers.
_TEXT_KPIS = ("seller_id", "name", "role")
#: Yes/no columns (a quota's ``attainable``), read as 1 and 0.
_FLAG_KPIS = ("attainable",)
_FLAGS = {"true": 1.0, "false": 0.0, "1": 1.0, "0": 0.0, "1.0": 1.0, "0.0": 0.0}


def _numeric_kpis(df: pd.DataFrame, file: str, *, header_row: bool) -> pd.DataFrame:
    """``df`` with its indicator columns as numbers (an empty cell is NaN); text refused."""
    out = df.copy()
    for col in out.columns:
        if col in _TEXT_KPIS:
            out[col] = out[col].map(lambda v: "" if v is None else str(v))
            continue
        raw = out[col]
        if col in _FLAG_KPIS:
            raw = raw.map(lambda v: _FLAGS.get(str(v).strip().lower(), v) if v is not None else v)
        num = pd.to_numeric(raw.replace("", np.nan), errors="coerce")
        bad = np.flatnonzero((num.isna() & raw.notna() & (raw.astype(str).str.strip() != "")).to_numpy())
        if bad.size:
            i = int(bad[0])
            raise InputError.single(
                file,
                f"not a number: {str(raw.iloc[i])[:40]!r}",
                row=i + 2 if header_row else None,
                column=str(col),
            )
        out[col] = num  # int64 when every cell is a whole number, as read_csv infers
    return out


@dataclass(frozen=True)
class RunData:
    """One run folder read back: its alignment, per-seller KPI table and :data:`KPIS` content."""

    path: Path
    alignment: Alignment
    sellers: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Model name, else the folder name."""
        return str(self.meta.get("model") or self.path.name)

    @property
    def totals(self) -> dict[str, Any]:
        """The ``totals`` of :data:`KPIS` (empty when absent)."""
        t = self.meta.get("totals")
        return t if isinstance(t, dict) else {}


def read_run(run_dir: Path, instance: Instance) -> RunData:
    """Read a run folder (for ``map`` and ``report``).

    Parameters
    ----------
    run_dir
        The folder written by ``allocate solve``.
    instance
        The instance it solved.

    Returns
    -------
    RunData
        :data:`ALIGNMENT`, the per-seller KPIs (:func:`read_seller_kpis`) and :data:`KPIS`.
    """
    run_dir = Path(run_dir)
    alignment = read_alignment(run_dir / ALIGNMENT, instance)
    meta = read_kpis(run_dir)
    return RunData(path=run_dir, alignment=alignment, sellers=read_seller_kpis(run_dir, meta), meta=meta)


def resolve_instance_dir(run_dir: Path, instance: Path | None = None) -> Path:
    """The instance folder of a run: ``instance`` if given, else ``instance_dir`` in :data:`KPIS`
    (or in :data:`DESIGN` for a design folder).

    A relative ``instance_dir`` is tried from the working directory, then from the run folder.

    Parameters
    ----------
    run_dir
        A run folder.
    instance
        The folder given on the command line, if any.

    Returns
    -------
    pathlib.Path
        An existing instance folder.

    Raises
    ------
    InputError
        (exit code 2) When neither names an existing folder.
    """
    run_dir = Path(run_dir)
    if instance is not None:
        if not Path(instance).is_dir():
            raise InputError.single("--instance", f"instance folder {str(instance)!r} not found")
        return Path(instance)
    if not run_dir.is_dir():
        raise InputError.single(str(run_dir), "run folder not found")
    stored = read_kpis(run_dir).get("instance_dir") or read_design_summary(run_dir).get(
        "instance_dir"
    )
    if isinstance(stored, str) and stored:
        for cand in (Path(stored), run_dir / stored):
            if cand.is_dir():
                return cand
        raise InputError.single(
            str(run_dir / (KPIS if (run_dir / KPIS).is_file() else DESIGN)),
            f"instance_dir {stored!r} not found; pass --instance DIR",
            column="instance_dir",
        )
    raise InputError.single(
        str(run_dir), "the run does not say which instance it solved; pass --instance DIR"
    )


def recorded_instance_dir(folder: Path) -> Path | None:
    """``instance_dir`` recorded in :data:`KPIS` by ``allocate solve``, if it is a folder.

    Parameters
    ----------
    folder
        A run folder.

    Returns
    -------
    pathlib.Path or None
        The folder, or ``None`` when not recorded, unreadable or gone.
    """
    recorded = read_kpis(folder, strict=False).get("instance_dir")
    if recorded and Path(recorded).is_dir():
        return Path(recorded)
    return None
