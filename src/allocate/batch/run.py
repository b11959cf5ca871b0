"""Run a batch on Dask distributed, one task per scenario, and keep an index of the runs.

Layout of the output folder ``OUT`` (file names in :mod:`allocate.io.runfolder`)::

    OUT/BATCH_PLAN                 the expanded grid (ids and parameters)
    OUT/BATCH_INDEX                one row per finished scenario (rewritten after each one)
    OUT/<scenario_id>/             outputs of ``write_run`` + DONE (the marker)
    OUT/TMP_PREFIX<scenario_id>-<uid>/  a scenario being written (never read)

Exactly once, even when workers die
-----------------------------------
A worker writes a scenario into a private temporary folder, writes ``DONE`` there last,
then renames the folder to ``OUT/<scenario_id>`` (one atomic ``rename``). A folder that exists
is therefore complete. When Dask re-runs a task because its worker died, the new attempt
either finds the finished folder and returns its record, or writes its own temporary folder;
if two attempts race, the rename of the second fails on the non-empty target and it discards
its copy. So each scenario ends up in exactly one folder, and ``--resume`` (which skips
folders holding ``DONE``) never loses or repeats work.

Failures
--------
An error inside a scenario (infeasible model, bad what-if ...) is caught on the worker and
recorded in the scenario's folder with status ``failed``: rerunning it would fail again, so
``--resume`` keeps it (``retry_failed`` reruns it). A failure of the infrastructure (a task
whose workers kept dying, a lost scheduler) leaves no folder and is recorded in the index only,
so ``--resume`` runs it again.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from allocate.batch.spec import BatchPlan, ScenarioSpec
from allocate.core.errors import InputError
from allocate.core.nested import flatten
from allocate.core.status import SolveStatus
from allocate.io.atomic import atomic_rename_dir, jsonable
from allocate.io.runfolder import (
    new_scenario_tmp,
    read_done,
    scenario_temporaries,
    write_batch_index,
    write_batch_plan,
    write_done,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- worker side


@functools.lru_cache(maxsize=4)
def _read_instance_cached(path: str, stamp: tuple[float, ...]) -> Any:
    from allocate.io import read_instance

    return read_instance(path)


def _folder_stamp(path: str) -> tuple[float, ...]:
    # a changed file gives a new cache entry: a worker never solves a stale instance
    p = Path(path)
    return (
        tuple(sorted(f.stat().st_mtime for f in p.iterdir() if f.is_file())) if p.is_dir() else ()
    )


def apply_whatif(instance: Any, whatif: dict[str, Any]) -> Any:
    """The instance with the what-if's changes (extra sellers, more leads, capacity).

    Parameters
    ----------
    instance
        The instance.
    whatif
        A :class:`~allocate.batch.spec.WhatIf` as a dict (missing fields: no change).

    Returns
    -------
    Instance
        A new instance: capacity scaled first, then leads added, then sellers added.
    """
    from allocate.sizing.whatif import add_leads, add_sellers, scale_capacity

    inst = scale_capacity(instance, float(whatif.get("capacity_factor", 1.0)))
    inst = add_leads(
        inst, float(whatif.get("lead_share", 0.0)), seed=int(whatif.get("lead_seed", 0))
    )
    return add_sellers(inst, int(whatif.get("extra_sellers", 0)))


def check_quotas(plan: BatchPlan) -> None:
    """Refuse, before any work, a quota that no split can meet in some scenario of ``plan``.

    ``solve`` checks the quota before solving; a batch did so only inside each scenario, after
    solving, and then every scenario "failed". Each instance is read once (only when a scenario
    has a quota); the what-ifs count (extra sellers change the split).

    Raises
    ------
    InputError
        Naming the batch file and the scenario.
    """
    from allocate.analysis.kpi import quota_history
    from allocate.sizing.quota import check_quota

    for spec in plan.scenarios:
        scenario = spec.build_scenario()
        if scenario.quota is None:
            continue
        inst = apply_whatif(
            _read_instance_cached(spec.instance_path, _folder_stamp(spec.instance_path)), spec.whatif
        )
        try:
            check_quota(scenario.quota, len(inst.sellers), quota_history(inst) is not None,
                        source=str(plan.source))
        except InputError as exc:
            raise InputError.single(str(plan.source), f"scenario {spec.scenario_id}: {exc}") from None


def _solve_into(spec: ScenarioSpec, folder: Path) -> tuple[str, str, dict[str, Any]]:
    """Solve one scenario and write its outputs into ``folder``: (status, error, totals)."""
    from allocate.align.solve import solve
    from allocate.analysis.kpi import compute_kpis
    from allocate.core.errors import InfeasibleError
    from allocate.io.runfolder import write_run_files

    try:
        inst = _read_instance_cached(spec.instance_path, _folder_stamp(spec.instance_path))
        inst = apply_whatif(inst, spec.whatif)
        scenario = spec.build_scenario()
        result = solve(inst, scenario)
        kpis = compute_kpis(inst, result)
        extra = {"scenario_id": spec.scenario_id, "params": spec.params}
        write_run_files(folder, inst, result, kpis, extra=extra)
        totals = dict(kpis.totals)
        totals.update(status=result.status.value, gap=result.gap, wall_s=result.wall_s)
        totals["seller_count"] = len(inst.sellers)
        return "ok", "", totals
    except InfeasibleError as exc:
        return "failed", f"infeasible: {exc}", {"status": SolveStatus.INFEASIBLE.value}
    except InputError as exc:
        return "failed", f"input error: {exc}", {}
    except Exception as exc:  # recorded, never fatal for the batch
        log.exception("scenario %s failed", spec.scenario_id)
        return "failed", f"{type(exc).__name__}: {exc}", {}


def run_scenario(spec: ScenarioSpec, out: str) -> dict[str, Any]:
    """Dask task: run ``spec`` unless it is done, write ``OUT/<id>`` atomically, return its record.

    Parameters
    ----------
    spec
        The scenario.
    out
        The batch folder.

    Returns
    -------
    dict
        The scenario's record (status, error, parameters, KPIs, worker, times): the one
        already on disk when an earlier attempt finished it.
    """
    root = Path(out)
    final = root / spec.scenario_id
    existing = read_done(final)
    if existing is not None:
        return existing
    tmp = new_scenario_tmp(root, spec.scenario_id)
    start = time.perf_counter()
    try:
        status, error, totals = _solve_into(spec, tmp)
        record = {
            "scenario_id": spec.scenario_id,
            "status": status,
            "error": error,
            "params": spec.params,
            "kpis": _jsonable_totals(totals),
            "run_s": round(time.perf_counter() - start, 3),
            "worker": f"{socket.gethostname()}:{os.getpid()}",
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        write_done(tmp, record)  # the marker, last
        if not atomic_rename_dir(tmp, final):
            # another attempt of the same scenario finished first: keep its folder
            shutil.rmtree(tmp, ignore_errors=True)
            return read_done(final) or record
        return record
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _jsonable_totals(totals: dict[str, Any]) -> dict[str, Any]:
    """The totals flattened, as JSON writes them (numpy scalars as numbers, NaN as ``None``)."""
    return {k: jsonable(v) for k, v in flatten(totals).items()}


# --------------------------------------------------------------------------- client side


@dataclass
class BatchSummary:
    """What happened in :func:`run_batch`."""

    total: int
    skipped: int = 0  # already done before this call (``resume``)
    ok: int = 0
    failed: int = 0
    interrupted: bool = False
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def done(self) -> int:
        """Scenarios finished in this call (ok or failed)."""
        return self.ok + self.failed

    def failures(self) -> list[tuple[str, str]]:
        """Every failed scenario of the index, this call's and those kept by ``resume``.

        Returns
        -------
        list of (str, str)
            Scenario id and the first line of its error, in the order they were recorded.
        """
        return [
            (sid, (str(rec.get("error") or "").splitlines() or [""])[0])
            for sid, rec in self.records.items()
            if rec.get("status") != "ok"
        ]


ProgressFn = Callable[[dict[str, Any], BatchSummary], None]


def index_frame(records: dict[str, dict[str, Any]], order: list[str]) -> pd.DataFrame:
    """One row per scenario: id, status, error, ``param.*`` and ``kpi.*`` columns.

    Parameters
    ----------
    records
        The records of the finished scenarios, by id.
    order
        Every scenario id, in grid order (ids without a record get no row).

    Returns
    -------
    pandas.DataFrame
        The index; mixed-type columns are turned into text so Parquet can store them.
    """
    rows = []
    for sid in order:
        rec = records.get(sid)
        if rec is None:
            continue
        row: dict[str, Any] = {
            "scenario_id": sid,
            "status": rec.get("status"),
            "error": rec.get("error", ""),
        }
        row.update({f"param.{k}": v for k, v in (rec.get("params") or {}).items()})
        row.update({f"kpi.{k}": v for k, v in (rec.get("kpis") or {}).items()})
        row["run_s"] = rec.get("run_s")
        rows.append(row)
    df = pd.DataFrame(rows, columns=None if rows else ["scenario_id", "status", "error"])
    return _arrow_safe(df)


def _arrow_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Columns that mix types (e.g. a tolerance or ``None``, or lists) become text."""
    for col in df.columns:
        if df[col].dtype != object:
            continue
        kinds = {
            type(v) for v in df[col] if v is not None and not (isinstance(v, float) and v != v)
        }
        if len(kinds) > 1 or kinds & {list, tuple, dict}:
            df[col] = [None if v is None else str(v) for v in df[col]]
    return df


def write_index(out: Path, records: dict[str, dict[str, Any]], order: list[str]) -> Path:
    """Rewrite the batch's index of runs (:func:`index_frame`) atomically.

    Parameters
    ----------
    out
        The batch folder.
    records
        The records of the finished scenarios, by id.
    order
        Every scenario id, in the order of the grid.

    Returns
    -------
    pathlib.Path
        The index file.
    """
    return write_batch_index(Path(out), index_frame(records, order))


def clean_temporaries(out: Path) -> int:
    """Remove the temporary folders of scenarios interrupted in a previous run.

    Parameters
    ----------
    out
        The batch folder.

    Returns
    -------
    int
        How many were removed.
    """
    n = 0
    for p in list(scenario_temporaries(out)):
        shutil.rmtree(p, ignore_errors=True)
        n += 1
    return n


def run_batch(
    plan: BatchPlan,
    out: str | Path,
    client: Any,
    *,
    resume: bool = False,
    retry_failed: bool = False,
    on_progress: ProgressFn | None = None,
    stop: threading.Event | None = None,
    poll_s: float = 0.25,
) -> BatchSummary:
    """Run every scenario of ``plan`` on the Dask ``client`` and index the results.

    Parameters
    ----------
    plan
        The expanded grid (:func:`allocate.batch.read_batch`).
    out
        Output folder; it must not hold finished scenarios unless ``resume``.
    client
        A ``distributed.Client`` (embedded ``LocalCluster`` or a remote scheduler).
    resume
        Skip the scenarios whose folder is done (:func:`allocate.io.runfolder.read_done`).
    retry_failed
        With ``resume``, rerun the scenarios recorded as failed.
    on_progress
        Called after each finished scenario with its record and the running summary.
    stop
        When set (e.g. by a SIGINT handler), pending scenarios are cancelled and the function
        returns with ``interrupted=True``; finished scenarios stay on disk and in the index.
    poll_s
        Seconds between checks of ``stop``.

    Returns
    -------
    BatchSummary
        Counts of skipped, ok and failed scenarios, and every record.

    Raises
    ------
    InputError
        When ``out`` already holds finished scenarios of this batch and ``resume`` is not set.
    """
    from distributed import wait

    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    order = [s.scenario_id for s in plan.scenarios]
    summary = BatchSummary(total=len(plan))
    stale = clean_temporaries(root)
    if stale:
        log.info("removed %d unfinished scenario folder(s) of an earlier run", stale)

    todo: list[ScenarioSpec] = []
    for spec in plan.scenarios:
        rec = read_done(root / spec.scenario_id)
        if rec is None:
            if (root / spec.scenario_id).exists():  # not ours, or damaged: redo it
                shutil.rmtree(root / spec.scenario_id)
            todo.append(spec)
            continue
        if not resume:
            raise InputError.single(
                str(root),
                "the output folder already holds results of this batch; use --resume or another folder",
            )
        if retry_failed and rec.get("status") != "ok":
            shutil.rmtree(root / spec.scenario_id)
            todo.append(spec)
            continue
        summary.records[spec.scenario_id] = rec
        summary.skipped += 1
    write_batch_plan(
        root,
        {
            "source": str(plan.source),
            "name": plan.name,
            "scenarios": [{"scenario_id": s.scenario_id, **s.params} for s in plan.scenarios],
        },
    )
    write_index(root, summary.records, order)

    # keys unique to this call: a scheduler that still holds the result of an earlier batch
    # with the same scenario (written to another folder) must not hand it back
    token = uuid.uuid4().hex[:8]
    futures = {
        client.submit(
            run_scenario, spec, str(root), key=f"allocate-scenario-{spec.scenario_id}-{token}"
        ): spec
        for spec in todo
    }
    pending = set(futures)
    try:
        while pending:
            if stop is not None and stop.is_set():
                summary.interrupted = True
                break
            try:
                finished, pending = wait(pending, timeout=poll_s, return_when="FIRST_COMPLETED")
            except TimeoutError:
                continue
            for fut in finished:
                spec = futures[fut]
                rec = _record_of(fut, spec)
                if rec["status"] == "ok":
                    summary.ok += 1
                else:
                    summary.failed += 1
                summary.records[spec.scenario_id] = rec
                write_index(root, summary.records, order)
                if on_progress is not None:
                    on_progress(rec, summary)
    finally:
        if pending:
            client.cancel(list(pending), force=True)
            # scenarios that finished while we were stopping are on disk: index them too
            for spec in futures.values():
                if spec.scenario_id not in summary.records:
                    rec = read_done(root / spec.scenario_id)
                    if rec is not None:
                        summary.records[spec.scenario_id] = rec
                        summary.ok += rec.get("status") == "ok"
                        summary.failed += rec.get("status") != "ok"
            write_index(root, summary.records, order)
    if not summary.interrupted:
        # every task has returned: what is left are the folders of attempts whose worker died
        clean_temporaries(root)
    return summary


def _record_of(fut: Any, spec: ScenarioSpec) -> dict[str, Any]:
    """The record of a finished future; an infrastructure error becomes a failed record."""
    if fut.status == "finished":
        rec = fut.result()
        if isinstance(rec, dict):
            return rec
    try:
        exc = fut.exception()
        error = f"{type(exc).__name__}: {exc}"
    except Exception as err:  # cancelled futures raise here
        error = f"{type(err).__name__}: {err}"
    return {
        "scenario_id": spec.scenario_id,
        "status": "failed",
        "error": f"not run: {error}",
        "params": spec.params,
        "kpis": {},
    }
