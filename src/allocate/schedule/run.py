"""One call from an alignment run folder to its action plan files."""

from __future__ import annotations

import json
from pathlib import Path

from allocate.core.instance import Instance
from allocate.core.result import Result
from allocate.schedule.outputs import write_plan
from allocate.schedule.parallel import SellerMap
from allocate.schedule.plan.config import PlanConfig
from allocate.schedule.plan.driver import ActionPlan, plan_actions


def schedule_run(
    instance: Instance,
    result: Result,
    folder: str | Path,
    config: PlanConfig | None = None,
    instance_dir: str | Path | None = None,
    mapper: SellerMap | None = None,
) -> ActionPlan:
    """Plan the actions of ``result.alignment`` and write the plan files into ``folder``.

    Writes what ``allocate schedule`` writes (``schedule.csv``, ``load.csv``,
    ``unscheduled.csv``, ``funnel.csv``, keys added to ``kpis.json``). The sellers' calendar
    files are read from ``instance_dir``, by default the ``instance_dir`` recorded in
    ``folder/kpis.json`` by ``allocate solve`` (none: weekends and holidays only).
    ``mapper`` runs the sellers' solves (default: a process pool; ``dask_map(client)`` for a
    Dask cluster, see :mod:`allocate.schedule.parallel`).
    """
    folder = Path(folder)
    if instance_dir is None:
        kp = folder / "kpis.json"
        try:
            recorded = (
                json.loads(kp.read_text(encoding="utf-8")).get("instance_dir")
                if kp.is_file()
                else None
            )
        except (json.JSONDecodeError, OSError, AttributeError):
            recorded = None
        if recorded and Path(recorded).is_dir():
            instance_dir = Path(recorded)
    plan = plan_actions(
        instance, result.alignment, config, instance_dir=instance_dir, mapper=mapper
    )
    write_plan(folder, instance, plan)
    return plan
