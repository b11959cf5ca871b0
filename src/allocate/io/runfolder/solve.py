"""Writing a solve's run folder: the alignment, the indicators, and what a failed model leaves.

``allocate solve``, each model of ``compare`` and each batch scenario write :data:`ALIGNMENT`,
:data:`SELLERS_KPIS`, :data:`KPIS`, :data:`TERRITORIES` and, when the scenario sets quotas,
:data:`QUOTAS`: :func:`write_run` writes them as one unit (built beside the folder and swapped
in), :func:`write_run_files` into a folder that its caller already stages (a comparison, a batch
scenario, a saved version). A model without an alignment leaves :data:`INFEASIBLE` or
:data:`ERROR` instead (:func:`write_failure`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from allocate.core.errors import NoSolutionError
from allocate.core.instance import Instance
from allocate.core.result import Alignment, Result
from allocate.io.atomic import atomic_write_text, write_csv, write_json
from allocate.io.runfolder.kpis import Kpis
from allocate.io.runfolder.names import (
    ALIGNMENT,
    ERROR,
    INFEASIBLE,
    KPIS,
    QUOTAS,
    SELLERS_KPIS,
    TERRITORIES,
)
from allocate.io.runfolder.target import check_out_dir, writing
from allocate.io.runfolder.territories import territories_geojson


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
    out: Path,
    instance: Instance,
    result: Result,
    kpis: Kpis,
    extra: dict[str, Any] | None = None,
    hand_edited: bool = False,
) -> list[Path]:
    """Write the outputs of one solve as the run folder ``out``, as one unit.

    The files are built in a folder beside ``out`` and swapped in at the end
    (:func:`~allocate.io.runfolder.target.writing`): a reader, or a process killed at any
    moment, sees the previous run or this one, never a mix. ``out`` is checked first
    (:func:`~allocate.io.runfolder.target.check_out_dir`): an existing folder is replaced only
    when empty or written by allocate.

    Parameters
    ----------
    out
        The run folder (created or replaced).
    instance
        The instance that was solved.
    result
        The solve's result.
    kpis
        Its indicators (``sellers`` table and ``totals``, and ``quotas`` when the scenario
        sets quotas).
    extra
        Keys added to :data:`KPIS` (e.g. ``instance_dir``, a batch scenario's id).
    hand_edited
        An alignment edited by hand (a version saved by ``allocate serve``): written even
        when it breaks hard rules (the user's choice, shown to them), with its status (not
        a solution: ``unknown``) and the ``breaches`` listed in :data:`KPIS`.

    Returns
    -------
    list of pathlib.Path
        :data:`ALIGNMENT`, :data:`SELLERS_KPIS`, :data:`KPIS`, :data:`TERRITORIES` (and
        :data:`QUOTAS`), at their final place.

    Raises
    ------
    NoSolutionError
        When ``result`` is no solution (its alignment breaks a hard rule, or its status is
        neither optimal nor feasible) and not ``hand_edited``: nothing is written.
    InputError
        When ``out`` cannot be written or is a folder that allocate did not write.
    """
    _check_solution(result, hand_edited)
    out = check_out_dir(Path(out), option="write_run(out)")
    with writing(out) as tmp:
        names = [p.name for p in write_run_files(tmp, instance, result, kpis, extra, hand_edited)]
    return [out / n for n in names]


def _check_solution(result: Result, hand_edited: bool = False) -> None:
    if not result.is_solution and not hand_edited:
        raise NoSolutionError(
            f"no valid solution found ({result.status.value}): no alignment meeting every hard "
            "rule was found in the time limit, and none was proven impossible",
            list(result.breaches),
        )


def write_run_files(
    folder: Path,
    instance: Instance,
    result: Result,
    kpis: Kpis,
    extra: dict[str, Any] | None = None,
    hand_edited: bool = False,
) -> list[Path]:
    """Write the files of one solve into ``folder``, a folder its caller stages (each file atomically).

    :func:`write_run` without the swap: for a run folder that is part of a larger unit (a
    model of a comparison, a batch scenario, a saved version) or that ``allocate solve``
    already builds under :func:`~allocate.io.runfolder.target.writing`.

    Parameters
    ----------
    folder
        Where to write (created).
    instance, result, kpis, extra, hand_edited
        As :func:`write_run`.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    NoSolutionError
        When ``result`` is no solution and not ``hand_edited``: nothing is written.
    """
    _check_solution(result, hand_edited)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    p = out / ALIGNMENT
    write_csv(p, alignment_frame(instance, result.alignment))
    written.append(p)
    p = out / SELLERS_KPIS
    write_csv(p, kpis.sellers)
    written.append(p)
    data: dict[str, Any] = {
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
    if result.breaches:
        data["breaches"] = list(result.breaches)
    if result.clock_stopped:
        data["deterministic_note"] = "the wall-clock safety net stopped: " + ", ".join(
            result.clock_stopped
        )
    if extra:
        data.update(extra)
    p = out / KPIS
    write_json(p, data)
    written.append(p)
    p = out / TERRITORIES
    atomic_write_text(p, territories_geojson(instance, result.alignment, kpis))
    written.append(p)
    quotas = getattr(kpis, "quotas", None)
    if quotas is not None:
        p = out / QUOTAS
        write_csv(p, quotas)
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
