"""Compare organization models on one instance: the same accounts, different workloads.

:func:`compare` solves the instance with each model, writes one run folder per model (the
outputs of :func:`allocate.io.runfolder.write_run`) and builds a table with one column per model and
one row per KPI (:data:`ROWS`). A model that is infeasible on the instance keeps its column,
with status ``infeasible`` and the explanation (which group of sellers is short, by how much).

When a model's run folder also holds the KPIs of an action plan (keys ``share_scheduled``,
``backlog_h`` and ``funnel_output``, merged into the run's KPIs by ``allocate schedule``), the
table gets the matching rows; :func:`compare` takes an optional ``schedule`` hook that writes
them (:func:`allocate.schedule.schedule_run`).

One concept, the comparison (run each model, tabulate); its Markdown and HTML pages are rendered
by :mod:`allocate.publish.comparison` and handed back through ``pages``; the file names are
:mod:`allocate.io.runfolder`'s.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from allocate.align.solve import solve
from allocate.analysis.kpi import Kpis, compute_kpis
from allocate.core.errors import InfeasibleError
from allocate.core.instance import Instance
from allocate.core.nested import flatten
from allocate.core.result import Result
from allocate.core.scenario import Scenario
from allocate.core.status import SolveStatus
from allocate.io.runfolder import (
    check_out_dir,
    read_kpis,
    write_comparison_files,
    write_failure,
    write_run_files,
    writing,
)

log = logging.getLogger(__name__)

ScheduleHook = Callable[[Instance, Result, Path], None]
PagesHook = Callable[["Comparison", Scenario], tuple[str, str]]
"""Renders a comparison as its Markdown and HTML pages (:func:`allocate.publish.comparison.pages`)."""

ERROR = "error"
"""The status written for a model that raised an error: not a solve status (no solve ended)."""


@dataclass(frozen=True)
class Row:
    """One KPI row: where to read it in a model's record, how to show it, what is better."""

    key: str  # dotted path in the record (``totals`` flattened, plus run fields)
    label: str
    unit: str = ""
    fmt: str = "{:,.1f}"
    better: str = ""  # "low", "high" or "" (no ranking)
    optional: bool = False  # only shown when at least one model has it


#: The rows of the comparison table, in order.
ROWS: tuple[Row, ...] = (
    Row("status", "status", fmt="{}"),
    Row("explanation", "explanation", fmt="{}"),
    Row("total_workload_h", "total workload", "h/week", better="low"),
    Row("workload.mean", "workload per seller: mean", "h/week"),
    Row("workload.min", "workload per seller: min", "h/week"),
    Row("workload.max", "workload per seller: max", "h/week", better="low"),
    Row("workload.cv", "workload per seller: CV", "", "{:.3f}", "low"),
    Row("utilization.max", "utilization: max", "", "{:.0%}", "low"),
    Row("total_travel_h", "travel", "h/week", better="low"),
    Row("potential.cv", "potential balance: CV", "", "{:.3f}", "low"),
    Row("potential.max_min_ratio", "potential balance: max/min", "", "{:.2f}", "low"),
    Row("moves", "moves against today", "accounts", "{:,.0f}", "low"),
    Row("uncovered_items", "uncovered items", "items", "{:,.0f}", "low"),
    Row("overloaded_sellers", "overloaded sellers", "sellers", "{:,.0f}", "low"),
    Row("sellers_used", "sellers used", "sellers", "{:,.0f}"),
    Row("sellers_needed", "sellers needed (build-up)", "sellers", "{:,.0f}", "low"),
    Row("objective", "objective", "", "{:,.2f}"),
    Row("gap", "gap", "", "{:.1%}"),
    Row("wall_s", "wall time", "s", "{:,.1f}"),
    Row("share_scheduled", "actions scheduled", "share", "{:.1%}", "high", optional=True),
    Row("backlog_h", "backlog", "h", "{:,.1f}", "low", optional=True),
    Row("funnel_output", "funnel output", "deals/period", "{:,.2f}", "high", optional=True),
)
SCHEDULE_KEYS = ("share_scheduled", "backlog_h", "funnel_output")


@dataclass(frozen=True)
class ModelRun:
    """The outcome of one model: a result, or the reason there is none."""

    model: str
    status: SolveStatus | None  # None: the model raised an error (see explanation)
    record: dict[str, Any]  # flattened totals + status, gap, wall_s, schedule KPIs
    explanation: str = ""
    folder: Path | None = None

    @property
    def solved(self) -> bool:
        """Whether the model found an alignment (optimal or feasible)."""
        return self.status is not None and self.status.has_solution

    @property
    def label(self) -> str:
        """The status as written and printed: its value, or :data:`ERROR` for a failed model."""
        return ERROR if self.status is None else self.status.value


@dataclass(frozen=True)
class Comparison:
    """The outcome of :func:`compare`: one run per model and the KPI table."""

    instance: str
    runs: tuple[ModelRun, ...]
    table: pd.DataFrame  # columns: kpi, unit, then one per model (raw values)

    @property
    def models(self) -> tuple[str, ...]:
        """The models, in the order of the columns."""
        return tuple(r.model for r in self.runs)


def schedule_kpis(folder: Path) -> dict[str, Any]:
    """Action-plan KPIs found in a run folder.

    Parameters
    ----------
    folder
        A model's run folder.

    Returns
    -------
    dict
        The keys of :data:`SCHEDULE_KEYS` that the run's KPIs hold (empty when no schedule was
        run, or the KPIs cannot be read).
    """
    data = read_kpis(folder, strict=False)
    return {k: data[k] for k in SCHEDULE_KEYS if k in data}


def run_model(
    instance: Instance,
    scenario: Scenario,
    model: str,
    out: Path | None = None,
    schedule: ScheduleHook | None = None,
) -> ModelRun:
    """Solve ``instance`` with ``model``; infeasibility and errors become a :class:`ModelRun`.

    Parameters
    ----------
    instance
        The instance.
    scenario
        The scenario (its model is replaced by ``model``).
    model
        The organization model.
    out
        The comparison folder: the run goes to ``out/<model>`` (nothing written when ``None``).
    schedule
        Called after a solve to plan the actions into the run folder.

    Returns
    -------
    ModelRun
        Status, record (totals, solve figures, schedule KPIs) and explanation.
    """
    sc = scenario.model_copy(update={"model": model})
    folder = Path(out) / model if out is not None else None
    start = time.perf_counter()
    try:
        result = solve(instance, sc)
    except InfeasibleError as exc:
        explanation = str(exc)
        if folder is not None:
            write_failure(
                folder,
                True,
                {
                    "model": model,
                    "reason": exc.reason,
                    "shortfalls": [
                        {
                            "group": s.group,
                            "demand_h": s.demand_h,
                            "capacity_h": s.capacity_h,
                            "short_h": s.short_h,
                        }
                        for s in exc.shortfalls
                    ],
                },
            )
        rec = {
            "status": SolveStatus.INFEASIBLE.value,
            "explanation": explanation,
            "wall_s": time.perf_counter() - start,
        }
        return ModelRun(model, SolveStatus.INFEASIBLE, rec, explanation, folder)
    except Exception as exc:  # one model's failure must not hide the others
        log.exception("model %s failed", model)
        explanation = f"{type(exc).__name__}: {exc}"
        rec = {"status": ERROR, "explanation": explanation, "wall_s": time.perf_counter() - start}
        if folder is not None:
            write_failure(folder, False, {"model": model, "error": explanation})
        return ModelRun(model, None, rec, explanation, folder)
    if not result.is_solution:
        # a breaching alignment is never written: the model has no valid solution
        explanation = "no valid solution found: " + "; ".join(result.breaches[:5] or (result.status.value,))
        if folder is not None:
            write_failure(folder, False, {"model": model, "error": explanation, "breaches": list(result.breaches)})
        rec = {"status": SolveStatus.UNKNOWN.value, "explanation": explanation, "wall_s": result.wall_s}
        return ModelRun(model, SolveStatus.UNKNOWN, rec, explanation, folder)
    kpis = compute_kpis(instance, result)
    if folder is not None:
        write_run_files(folder, instance, result, kpis)
        if schedule is not None:
            schedule(instance, result, folder)
    rec = _record(result, kpis)
    if folder is not None:
        rec.update(schedule_kpis(folder))
    return ModelRun(model, result.status, rec, "", folder)


def _record(result: Result, kpis: Kpis) -> dict[str, Any]:
    rec = flatten(kpis.totals, keep_empty=False)  # an empty mapping gives no row
    rec.update(
        status=result.status.value,
        explanation="",
        objective=result.objective,
        gap=result.gap,
        wall_s=result.wall_s,
    )
    return rec


def comparison_table(runs: list[ModelRun] | tuple[ModelRun, ...]) -> pd.DataFrame:
    """One row per KPI of :data:`ROWS`, one column per model (raw values; ``None`` = n/a).

    Parameters
    ----------
    runs
        The models' outcomes.

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi``, ``unit``, then one per model; optional rows only when a model has them.
    """
    rows = []
    for row in ROWS:
        values = [r.record.get(row.key) for r in runs]
        if row.optional and all(v is None for v in values):
            continue
        rows.append(
            {
                "kpi": row.label,
                "unit": row.unit,
                **{r.model: v for r, v in zip(runs, values, strict=True)},
            }
        )
    return pd.DataFrame(rows, columns=["kpi", "unit", *[r.model for r in runs]])


def compare(
    instance: Instance,
    models: list[str] | tuple[str, ...],
    scenario: Scenario | None = None,
    out: Path | str | None = None,
    schedule: ScheduleHook | None = None,
    on_model: Callable[[ModelRun], None] | None = None,
    pages: PagesHook | None = None,
) -> Comparison:
    """Run every model on ``instance`` and build the comparison (and its files if ``out``).

    Parameters
    ----------
    instance
        The instance.
    models
        The models, each once.
    scenario
        Limits and seed (default: :class:`Scenario`).
    out
        The comparison folder (one run folder per model plus the comparison files).
    schedule
        Plans each model's actions into its run folder.
    on_model
        Called after each model.
    pages
        Renders the Markdown and HTML pages (:func:`allocate.publish.comparison.pages`); with
        ``out``, the comparison files (table, Markdown, HTML) are written only when given.

    Returns
    -------
    Comparison
        The runs and the table.
    """
    scenario = scenario or Scenario()
    if len(set(models)) != len(models):
        raise ValueError("a model is listed twice")
    if out is None:
        return _compare_into(instance, models, scenario, None, schedule, on_model, pages)
    root = check_out_dir(Path(out), option="compare(out)")
    # every model's folder and the comparison files are built beside ``out`` and swapped in
    # together: a reader, or a run stopped at any moment, sees the old folder or the new one
    with writing(root) as tmp:
        comp = _compare_into(instance, models, scenario, tmp, schedule, on_model, pages)
    return replace(comp, runs=tuple(
        replace(r, folder=root / r.folder.name) if r.folder is not None else r for r in comp.runs
    ))


def _compare_into(
    instance: Instance,
    models: list[str] | tuple[str, ...],
    scenario: Scenario,
    root: Path | None,
    schedule: ScheduleHook | None,
    on_model: Callable[[ModelRun], None] | None,
    pages: PagesHook | None,
) -> Comparison:
    """:func:`compare` writing into ``root`` (a staged folder) or nowhere."""
    runs = []
    for m in models:
        log.info("comparing: solving %s", m)
        run = run_model(instance, scenario, m, root, schedule)
        runs.append(run)
        if on_model is not None:
            on_model(run)
    comp = Comparison(instance.name, tuple(runs), comparison_table(runs))
    if root is not None and pages is not None:
        write_comparison_files(root, comp.table, *pages(comp, scenario))
    return comp


# --------------------------------------------------------------------------- rendering


def _row_spec(label: str) -> Row:
    return next(r for r in ROWS if r.label == label)


def format_value(row: Row, v: Any) -> str:
    """One cell as shown.

    Parameters
    ----------
    row
        Its row (format).
    v
        The raw value.

    Returns
    -------
    str
        The text; ``n/a`` for a missing number, empty for missing text.
    """
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "" if row.fmt == "{}" else "n/a"
    if row.fmt == "{}":
        return str(v)
    try:
        return row.fmt.format(v)
    except (ValueError, TypeError):
        return str(v)


def _best(row: Row, values: list[Any], solved: list[bool]) -> set[int]:
    """Columns holding the best value of a ranked row (models with a solution only)."""
    if not row.better:
        return set()
    ok = [
        (i, float(v))
        for i, (v, s) in enumerate(zip(values, solved, strict=True))
        if isinstance(v, int | float)
        and not isinstance(v, bool)
        and math.isfinite(float(v))
        and s
    ]
    if len(ok) < 2:
        return set()
    target = min(v for _, v in ok) if row.better == "low" else max(v for _, v in ok)
    return {i for i, v in ok if abs(v - target) <= 1e-9 * max(1.0, abs(target))}


def headline(comp: Comparison) -> str:
    """One sentence: how much the total workload varies with the organization.

    Parameters
    ----------
    comp
        The comparison.

    Returns
    -------
    str
        The sentence (or why there is nothing to compare).
    """
    vals: list[tuple[str, float]] = []
    for r in comp.runs:
        v = r.record.get("total_workload_h")
        if r.solved and isinstance(v, int | float):
            vals.append((r.model, float(v)))
    if len(vals) < 2:
        return "Fewer than two models found an alignment; nothing to compare."
    lo = min(vals, key=lambda t: t[1])
    hi = max(vals, key=lambda t: t[1])
    diff = (hi[1] - lo[1]) / lo[1] if lo[1] > 0 else 0.0
    return f"The same accounts cost {lo[1]:,.1f} h/week under {lo[0]} and {hi[1]:,.1f} h/week under {hi[0]} ({diff:+.1%}): the workload varies with the organization."


def formatted(comp: Comparison) -> pd.DataFrame:
    """The table as display strings.

    Parameters
    ----------
    comp
        The comparison.

    Returns
    -------
    pandas.DataFrame
        :attr:`Comparison.table` with every value formatted by its row.
    """
    df = comp.table.copy()
    for i, label in enumerate(df["kpi"]):
        row = _row_spec(label)
        for m in comp.models:
            df.at[i, m] = format_value(row, comp.table.at[i, m])
    return df


def display_rows(comp: Comparison) -> Iterator[tuple[int, str, Row, list[str], set[int]]]:
    """Each KPI row as shown: its index, label, spec, formatted values and best models.

    Parameters
    ----------
    comp
        The comparison.

    Yields
    ------
    tuple
        ``(index in the table, label, row spec, formatted values by model, columns of the best
        value)``; what the pages of :mod:`allocate.publish.comparison` render.
    """
    df = formatted(comp)
    solved = [r.solved for r in comp.runs]
    for i, label in enumerate(df["kpi"]):
        row = _row_spec(label)
        best = _best(row, [comp.table.at[i, m] for m in comp.models], solved)
        yield i, label, row, [str(df.at[i, m]) for m in comp.models], best
