"""Run folders: the one module that names, writes and reads the files of a run.

One concept, the layout of an output folder, which is why every file name lives here (and only
here) even though the module is long:

* a **solve** (``allocate solve``, one model of ``compare``, one batch scenario) writes
  :data:`ALIGNMENT` (``account_id, seller_id`` plus ``product_line`` or ``role`` when items are
  split), :data:`KPIS` (status, objective, best bound, gap, wall time, per-seller KPIs and
  totals), :data:`SELLERS_KPIS` and :data:`TERRITORIES` (:func:`write_run`); a model without
  an alignment leaves :data:`INFEASIBLE` or :data:`ERROR` instead (:func:`write_failure`);
* a **schedule** adds :data:`SCHEDULE`, :data:`LOAD`, :data:`UNSCHEDULED`, :data:`FUNNEL` and
  merges its keys into :data:`KPIS` (:func:`write_plan_files`);
* a **comparison** folder holds :data:`COMPARISON_CSV`, :data:`COMPARISON_MD`,
  :data:`COMPARISON_HTML` and one run folder per model (:func:`write_comparison_files`);
* a **batch** folder holds :data:`BATCH_PLAN`, :data:`BATCH_INDEX` and one run folder per
  scenario, complete once it holds :data:`DONE` (:func:`write_done`, :func:`read_done`);
* a **sizing** folder holds :data:`SIZING` and one CSV per table (:func:`write_sizing`).

Every file is written atomically (:mod:`allocate.io.atomic`). The read side gives back what
``schedule``, ``map``, ``report`` and ``compare`` need (:func:`read_run`, :func:`read_kpis`,
:func:`read_plan_table` ...).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from allocate.core.errors import InputError, Problem
from allocate.core.geo import territory_polygons
from allocate.core.instance import Instance
from allocate.core.result import Alignment, Result
from allocate.io.atomic import atomic_write_text, atomic_write_with, write_csv, write_json

logger = logging.getLogger(__name__)

#: Files of a solve.
ALIGNMENT = "alignment.csv"
KPIS = "kpis.json"
SELLERS_KPIS = "sellers_kpis.csv"
TERRITORIES = "territories.geojson"
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
#: The summary of ``allocate size --out``.
SIZING = "sizing.json"


class Kpis(Protocol):
    """What the run folder needs of the indicators (:class:`allocate.analysis.kpi.Kpis`)."""

    @property
    def sellers(self) -> pd.DataFrame:
        """One row per seller."""

    @property
    def totals(self) -> dict[str, Any]:
        """The instance-wide indicators."""


# --------------------------------------------------------------------------- solve: write


def alignment_frame(instance: Instance, alignment: Alignment) -> pd.DataFrame:
    """The rows of :data:`ALIGNMENT`.

    Parameters
    ----------
    instance
        The instance that was solved.
    alignment
        Its alignment (one row per account, or per account and item).

    Returns
    -------
    pandas.DataFrame
        ``account_id, seller_id`` (empty seller: unassigned), plus the item column if any.
    """
    df = pd.DataFrame(
        {
            "account_id": [instance.accounts.ids[a] for a in alignment.account],
            "seller_id": [instance.sellers.ids[s] if s >= 0 else "" for s in alignment.seller],
        }
    )
    if alignment.key_kind:
        df[alignment.key_kind] = list(alignment.key)
    return df


def write_run(
    out: Path, instance: Instance, result: Result, kpis: Kpis, extra: dict[str, Any] | None = None
) -> list[Path]:
    """Write the outputs of one solve into ``out`` (each file atomically).

    Parameters
    ----------
    out
        The run folder (created).
    instance
        The instance that was solved.
    result
        The solve's result.
    kpis
        Its indicators (``sellers`` table and ``totals``).
    extra
        Keys added to :data:`KPIS` (e.g. ``instance_dir``, a batch scenario's id).

    Returns
    -------
    list of pathlib.Path
        :data:`ALIGNMENT`, :data:`SELLERS_KPIS`, :data:`KPIS` and :data:`TERRITORIES`.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    p = out / ALIGNMENT
    write_csv(p, alignment_frame(instance, result.alignment))
    written.append(p)
    p = out / SELLERS_KPIS
    write_csv(p, kpis.sellers)
    written.append(p)
    data = {
        "instance": instance.name,
        "instance_dir": instance.source_dir,
        "model": result.alignment.model,
        "status": result.status.value,
        "objective": result.objective,
        "solver_objective": result.solver_objective,
        "best_bound": result.best_bound,
        "lp_bound": result.lp_bound,
        "gap": result.gap,
        "wall_s": round(result.wall_s, 3),
        "deterministic": result.deterministic,
        "interrupted": result.interrupted,
        "scenario": result.scenario.model_dump(mode="json"),
        "sellers": kpis.sellers.to_dict(orient="records"),
        "totals": kpis.totals,
    }
    if extra:
        data.update(extra)
    p = out / KPIS
    write_json(p, data)
    written.append(p)
    p = out / TERRITORIES
    atomic_write_text(p, territories_geojson(instance, result.alignment, kpis))
    written.append(p)
    return written


def write_failure(folder: Path, infeasible: bool, data: dict[str, Any]) -> Path:
    """Record why a model has no alignment: :data:`INFEASIBLE` or :data:`ERROR` in ``folder``.

    Parameters
    ----------
    folder
        The model's run folder (created).
    infeasible
        ``True`` for a proved infeasibility, ``False`` for an error.
    data
        The record (model, reason, shortfalls or error text).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(folder) / (INFEASIBLE if infeasible else ERROR)
    write_json(path, data)
    return path


def account_owner(instance: Instance, alignment: Alignment) -> np.ndarray:
    """One seller per account (the first row's seller for split models).

    Parameters
    ----------
    instance
        The instance of the alignment.
    alignment
        The alignment.

    Returns
    -------
    numpy.ndarray
        Seller index per account, -1 if none.
    """
    owner = np.full(len(instance.accounts), -1, dtype=np.int64)
    for a, s in zip(alignment.account[::-1], alignment.seller[::-1], strict=True):
        owner[a] = s
    return owner


def territories_geojson(instance: Instance, alignment: Alignment, kpis: Kpis | None = None) -> str:
    """The text of :data:`TERRITORIES`: one polygon per seller, with its KPIs.

    Parameters
    ----------
    instance
        The instance of the alignment.
    alignment
        The alignment.
    kpis
        Indicators whose per-seller rows are copied into the features' properties.

    Returns
    -------
    str
        A compact GeoJSON FeatureCollection (coordinates rounded to 5 decimals), newline ended.
    """
    from shapely.geometry import mapping

    polys = territory_polygons(instance, account_owner(instance, alignment))
    feats = []
    srows = kpis.sellers.set_index("seller_id") if kpis is not None else None
    for s, geom in polys.items():
        sid = instance.sellers.ids[s]
        props: dict[str, Any] = {"seller_id": sid, "seller_name": instance.sellers.names[s], "role": instance.sellers.role[s]}
        if srows is not None and sid in srows.index:
            r = srows.loc[sid]
            props.update(
                accounts=int(r["accounts"]),  # type: ignore[arg-type]  # numpy/ortools stubs
                workload_h=float(r["workload_h"]),  # type: ignore[arg-type]  # numpy/ortools stubs
                utilization=float(r["utilization"]),  # type: ignore[arg-type]  # numpy/ortools stubs
                potential=float(r["potential"]),  # type: ignore[arg-type]  # numpy/ortools stubs
            )
        feats.append({"type": "Feature", "properties": props, "geometry": _round_geom(mapping(geom))})
    return json.dumps({"type": "FeatureCollection", "features": feats}, separators=(",", ":")) + "\n"


def _round_geom(g: Any) -> Any:
    if isinstance(g, dict):
        return {k: _round_geom(v) for k, v in g.items()}
    if isinstance(g, list | tuple):
        return [_round_geom(v) for v in g]
    if isinstance(g, float):
        return round(g, 5)
    return g


# --------------------------------------------------------------------------- solve: read


def read_kpis(folder: Path, *, strict: bool = True) -> dict[str, Any]:
    """The content of ``folder/`` :data:`KPIS` (empty when missing or not a JSON object).

    Parameters
    ----------
    folder
        A run folder.
    strict
        Raise on an unreadable file (``map``, ``report``); when ``False`` it counts as missing
        (``schedule`` and ``compare`` only look for optional keys there).

    Returns
    -------
    dict
        The recorded keys.

    Raises
    ------
    InputError
        With ``strict``, when the file cannot be read or is not JSON.
    """
    p = Path(folder) / KPIS
    if not p.is_file():
        return {}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, OSError, UnicodeDecodeError) as exc:
        if strict:
            raise InputError.single(str(p), f"cannot read: {exc}") from None
        return {}
    return data if isinstance(data, dict) else {}


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
        Account and seller indices (-1: unassigned), items if any, and the model.

    Raises
    ------
    InputError
        Missing file or column, unknown account or seller (at most 50 problems).
    """
    from allocate.io.tables import read_table

    path = Path(path)
    if not path.is_file():
        raise InputError.single(str(path), "alignment file not found")
    df = read_table(path)
    for col in ("account_id", "seller_id"):
        if col not in df.columns:
            raise InputError.single(str(path), "required column is missing", row=1, column=col)
    apos, spos = instance.account_index(), instance.seller_index()
    problems = []
    acc_idx, sel_idx = [], []
    for i, (a, s) in enumerate(zip(df["account_id"], df["seller_id"], strict=True)):
        if a not in apos:
            problems.append(Problem(str(path), f"unknown account {a!r}", row=i + 2, column="account_id"))
        if s and s not in spos:
            problems.append(Problem(str(path), f"unknown seller {s!r}", row=i + 2, column="seller_id"))
        acc_idx.append(apos.get(a, -1))
        sel_idx.append(spos.get(s, -1))
    if problems:
        raise InputError(problems[:50])
    kind = "product_line" if "product_line" in df.columns else "role" if "role" in df.columns else ""
    key = tuple(df[kind]) if kind else tuple("" for _ in range(len(df)))
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
        return pd.read_csv(p, dtype={"seller_id": str, "name": str, "role": str}, keep_default_na=False)
    meta = read_kpis(folder) if kpis is None else kpis
    if isinstance(meta.get("sellers"), list):
        return pd.DataFrame(meta["sellers"])
    return pd.DataFrame()


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
    """The instance folder of a run: ``instance`` if given, else ``instance_dir`` in :data:`KPIS`.

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
    stored = read_kpis(run_dir).get("instance_dir")
    if isinstance(stored, str) and stored:
        for cand in (Path(stored), run_dir / stored):
            if cand.is_dir():
                return cand
        raise InputError.single(
            str(run_dir / KPIS),
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


# --------------------------------------------------------------------------- schedule


def write_plan_files(
    folder: Path,
    instance_name: str,
    *,
    schedule: pd.DataFrame,
    load: pd.DataFrame,
    unscheduled: pd.DataFrame,
    funnel: pd.DataFrame,
    kpis: Mapping[str, Any],
) -> list[Path]:
    """Write an action plan's tables and merge its keys into :data:`KPIS`.

    An existing :data:`KPIS` (from ``allocate solve``) keeps its keys and gains the plan's;
    otherwise a new one is created with ``instance``. Each file is replaced atomically.

    Parameters
    ----------
    folder
        The run folder (created).
    instance_name
        The instance's name, for a new :data:`KPIS`.
    schedule, load, unscheduled, funnel
        The tables of :data:`SCHEDULE`, :data:`LOAD`, :data:`UNSCHEDULED` and :data:`FUNNEL`.
    kpis
        The keys the plan adds to :data:`KPIS`.

    Returns
    -------
    list of pathlib.Path
        The four tables, then :data:`KPIS`.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in ((SCHEDULE, schedule), (LOAD, load), (UNSCHEDULED, unscheduled), (FUNNEL, funnel)):
        write_csv(out / name, df)
        written.append(out / name)
    written.append(merge_kpis(out, instance_name, kpis))
    return written


def merge_kpis(folder: Path, instance_name: str, keys: Mapping[str, Any]) -> Path:
    """Add ``keys`` to ``folder/`` :data:`KPIS` (created with ``instance`` when missing or unreadable).

    Parameters
    ----------
    folder
        A run folder.
    instance_name
        The instance's name, for a new file.
    keys
        The keys to add or replace.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    data = read_kpis(folder, strict=False)
    data.setdefault("instance", instance_name)
    data.update(keys)
    path = Path(folder) / KPIS
    write_json(path, data)
    return path


def read_plan_table(folder: Path, name: str, required: Sequence[str] = ()) -> pd.DataFrame | None:
    """One table of an action plan (:data:`SCHEDULE`, :data:`LOAD`, :data:`FUNNEL` ...), if usable.

    Parameters
    ----------
    folder
        A run folder.
    name
        The table's file name, one of this module's constants.
    required
        Columns the caller needs.

    Returns
    -------
    pandas.DataFrame or None
        ``None`` (with a warning when the file exists) if missing, unreadable, empty or
        lacking a required column.
    """
    path = Path(folder) / name
    if not path.is_file():
        return None
    try:
        df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, UnicodeDecodeError) as exc:
        logger.warning("cannot read %s: %s", path, exc)
        return None
    missing = [c for c in required if c not in df.columns]
    if missing or df.empty:
        logger.warning("%s skipped: missing columns %s or no rows", path, missing)
        return None
    return df


# --------------------------------------------------------------------------- comparison


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


# --------------------------------------------------------------------------- batch


def new_scenario_tmp(root: Path, scenario_id: str) -> Path:
    """Create a private folder where one attempt of a scenario writes (never read).

    Parameters
    ----------
    root
        The batch folder.
    scenario_id
        The scenario.

    Returns
    -------
    pathlib.Path
        ``root/.tmp-<scenario_id>-<random>``, created.
    """
    tmp = Path(root) / f"{TMP_PREFIX}{scenario_id}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    return tmp


def scenario_temporaries(root: Path) -> Iterator[Path]:
    """The temporary folders of unfinished scenario attempts in ``root``.

    Parameters
    ----------
    root
        The batch folder.

    Returns
    -------
    iterator of pathlib.Path
        Each folder made by :func:`new_scenario_tmp` that is still there.
    """
    return (p for p in Path(root).glob(f"{TMP_PREFIX}*") if p.is_dir())


def write_done(folder: Path, record: Mapping[str, Any]) -> Path:
    """Write a scenario's record, :data:`DONE`: the marker of a finished folder, written last.

    Parameters
    ----------
    folder
        The scenario's (temporary) folder.
    record
        Its record (``scenario_id``, status, KPIs ...).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(folder) / DONE
    write_json(path, record)
    return path


def read_done(folder: Path) -> dict[str, Any] | None:
    """The record in ``folder/`` :data:`DONE`.

    Parameters
    ----------
    folder
        A scenario folder.

    Returns
    -------
    dict or None
        The record, or ``None`` when the scenario is not done (or the marker is damaged).
    """
    p = Path(folder) / DONE
    if not p.is_file():
        return None
    try:
        rec = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return rec if isinstance(rec, dict) and "scenario_id" in rec else None


def write_batch_plan(root: Path, plan: Mapping[str, Any]) -> Path:
    """Write the expanded grid of a batch, :data:`BATCH_PLAN`.

    Parameters
    ----------
    root
        The batch folder.
    plan
        Source, name and scenarios.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(root) / BATCH_PLAN
    write_json(path, plan)
    return path


def write_batch_index(root: Path, index: pd.DataFrame) -> Path:
    """Rewrite :data:`BATCH_INDEX` (Parquet) atomically.

    Parameters
    ----------
    root
        The batch folder.
    index
        One row per finished scenario.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(root) / BATCH_INDEX
    atomic_write_with(path, lambda p: index.to_parquet(p, index=False))
    return path


# --------------------------------------------------------------------------- sizing


def write_sizing(out: Path, summary: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Write ``<name>.csv`` for each table, then :data:`SIZING` (``allocate size --out``).

    Parameters
    ----------
    out
        The output folder.
    summary
        The content of :data:`SIZING`.
    tables
        The sizing tables by name.

    Returns
    -------
    list of pathlib.Path
        The tables, then :data:`SIZING`.
    """
    out = Path(out)
    paths = []
    for name, df in tables.items():
        write_csv(out / f"{name}.csv", df)
        paths.append(out / f"{name}.csv")
    write_json(out / SIZING, summary)
    paths.append(out / SIZING)
    return paths
