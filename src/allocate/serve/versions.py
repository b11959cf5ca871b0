"""Versions of an edited alignment: run folders, saved whole and never overwritten.

A version is an ordinary run folder (the files of ``allocate solve``, so ``map``, ``report``
and ``schedule`` read it) plus :data:`~allocate.io.runfolder.EDITS`, the journal of the hand
edits (every assign, lock, unlock, undo... since the version was first edited, see
:mod:`allocate.serve.edits`). It is written into a private temporary folder and published
with one ``rename`` (:func:`allocate.io.atomic.atomic_rename_dir`): a server killed while
saving leaves the previous versions whole and no half-written one. A name already taken gets
a ``-2``, ``-3``... suffix; request names are checked against :data:`NAME_PATTERN` so that
no request reaches outside the versions folder.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from allocate.align.check import check_alignment
from allocate.analysis.kpi import alignment_kpis, choice_of, with_quotas
from allocate.core.errors import InputError
from allocate.core.instance import Instance
from allocate.core.result import Result
from allocate.core.scenario import PRESETS, Scenario
from allocate.core.status import SolveStatus
from allocate.io.atomic import atomic_rename_dir, write_csv
from allocate.io.runfolder import (
    ALIGNMENT,
    EDITS,
    new_scenario_tmp,
    read_kpis,
    read_run,
    write_run_files,
)
from allocate.serve.session import BadEdit, Session
from allocate.solvers.problem import evaluate

logger = logging.getLogger(__name__)

#: A version's folder name: letters, digits, ``.``, ``_`` and ``-``; no leading dot.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: Columns of :data:`EDITS`.
EDIT_COLUMNS = ["account_id", "from_seller", "to_seller", "at", "note"]


@dataclass(frozen=True)
class Version:
    """A run folder that the app can open: its name (the handle clients use) and path."""

    name: str
    path: Path

    def describe(self) -> dict[str, Any]:
        """Name, model, edits, status, hard rules broken and the headline KPIs from its
        :data:`KPIS` (JSON-ready)."""
        meta = read_kpis(self.path, strict=False)
        raw = meta.get("totals")
        totals: dict[str, Any] = raw if isinstance(raw, dict) else {}
        return {
            "name": self.name,
            "model": meta.get("model", ""),
            "edits": meta.get("edits"),
            "edited_from": meta.get("edited_from"),
            "total_travel_h": totals.get("total_travel_h"),
            "moves": totals.get("moves"),
            "workload_cv": (totals.get("workload") or {}).get("cv"),
            "overloaded_sellers": totals.get("overloaded_sellers"),
            "status": meta.get("status"),
            "breaches": len(meta.get("breaches") or []),
        }


class VersionStore:
    """The run folders given at start and the versions saved in ``root``.

    Parameters
    ----------
    root
        Folder where versions are saved (created on the first save).
    runs
        Run folders opened at start (listed by their folder name).
    """

    def __init__(self, root: Path, runs: list[Path]) -> None:
        self.root = Path(root)
        self.extra = {p.resolve().name: p.resolve() for p in runs}

    def list(self) -> list[Version]:
        """Every version: the start runs, then the run folders of ``root``, by name."""
        found = dict(self.extra)
        if self.root.is_dir():
            for p in sorted(self.root.iterdir()):
                if p.is_dir() and not p.name.startswith(".") and (p / ALIGNMENT).is_file():
                    found.setdefault(p.name, p.resolve())
        return [Version(n, p) for n, p in found.items()]

    def get(self, name: str) -> Version:
        """The version called ``name`` (:class:`BadEdit` when there is none)."""
        for v in self.list():
            if v.name == name:
                return v
        raise BadEdit(f"unknown version {name!r}")

    def free_name(self, name: str) -> str:
        """``name``, or ``name-2``, ``name-3``... when it is taken."""
        if not NAME_PATTERN.match(name):
            raise BadEdit(f"version name {name!r}: use 1-64 letters, digits, '.', '_' or '-', not starting with a dot")
        taken = {v.name for v in self.list()}
        out, k = name, 1
        while out in taken or (self.root / out).exists():
            k += 1
            out = f"{name}-{k}"
        return out

    def save(self, session: Session, name: str) -> Path:
        """Write the session's alignment as a new version and take it as the saved reference.

        Parameters
        ----------
        session
            The editing session.
        name
            The wanted folder name (:data:`NAME_PATTERN`; suffixed when taken).

        Returns
        -------
        pathlib.Path
            The new run folder.
        """
        with session.lock:
            inst, sc, mp = session.instance, session.scenario, session.mp
            alignment = session.alignment()
            kpis = alignment_kpis(inst, alignment, sc, mp)
            try:  # the quotas of the edited territories, as a solve writes them
                kpis = with_quotas(inst, alignment, sc, kpis)
            except InputError as exc:  # a version is saved all the same, without quotas
                logger.warning("version saved without quotas: %s", exc)
            choice = choice_of(mp, alignment)
            ev = evaluate(mp.problem, choice) if (choice >= 0).all() else None
            objective = ev.objective if ev else math.nan
            # hand edits may break hard rules (shown, never refused): saved all the same,
            # "feasible" only when the independent checker finds no breach
            report = check_alignment(inst, alignment, sc)
            ok = ev is not None and ev.feasible and report.ok
            status = SolveStatus.FEASIBLE if ok else SolveStatus.UNKNOWN
            breaches = report.breaches or (() if ok else ("the model's constraints are not all met",))
            result = Result(status=status, objective=objective, best_bound=math.nan, lp_bound=math.nan,
                            wall_s=0.0, alignment=alignment, scenario=sc, deterministic=True,
                            solver_objective=objective, breaches=breaches)
            edits = session.edit_records()
            self.root.mkdir(parents=True, exist_ok=True)
            while True:
                final = self.root / self.free_name(name)
                tmp = new_scenario_tmp(self.root, final.name)
                write_run_files(tmp, inst, result, kpis, extra={
                    "instance_dir": inst.source_dir, "edited_from": session.opened_from, "edits": len(edits),
                }, hand_edited=True)
                write_csv(tmp / EDITS, pd.DataFrame(edits, columns=EDIT_COLUMNS))
                if atomic_rename_dir(tmp, final):
                    break
            session.source = final.name
            session.mark_saved()
            return final


def scenario_of(run_dir: Path) -> Scenario:
    """The scenario recorded in a run's :data:`KPIS` (the defaults when absent or invalid)."""
    meta = read_kpis(run_dir, strict=False)
    try:
        sc = Scenario.model_validate(meta.get("scenario") or {})
    except ValueError:
        sc = Scenario()
    model = meta.get("model")
    if isinstance(model, str) and model in PRESETS and model != sc.model:
        sc = sc.model_copy(update={"model": model})
    return sc


def read_version(path: Path, instance: Instance) -> tuple[Scenario, Any]:
    """The scenario and the alignment of a run folder.

    Returns
    -------
    scenario, alignment
        From its :data:`KPIS` and :data:`ALIGNMENT`.
    """
    run = read_run(path, instance)
    return scenario_of(path), run.alignment


__all__ = ["EDIT_COLUMNS", "NAME_PATTERN", "Version", "VersionStore", "read_version", "scenario_of"]
