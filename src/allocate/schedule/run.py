"""One call from an alignment run folder to its action plan files."""

from __future__ import annotations

from pathlib import Path

from allocate.core.instance import Instance
from allocate.core.result import Result
from allocate.io.runfolder import recorded_instance_dir
from allocate.schedule.outputs import write_plan
from allocate.schedule.parallel import SellerMap
from allocate.schedule.plan.config import PlanConfig
from allocate.schedule.plan.driver import Schedule, plan_actions


def schedule_run(
    instance: Instance,
    result: Result,
    folder: str | Path,
    config: PlanConfig | None = None,
    instance_dir: str | Path | None = None,
    mapper: SellerMap | None = None,
) -> Schedule:
    """Plan the actions of ``result.alignment`` and write the plan files into ``folder``.

    Writes what ``allocate schedule`` writes (:func:`~allocate.schedule.outputs.write_plan`).

    Parameters
    ----------
    instance
        The instance that was solved.
    result
        The solve's result (only its alignment is used).
    folder
        The run folder.
    config
        Horizon, limits and seed of the plan (default: :class:`PlanConfig`).
    instance_dir
        Where the sellers' calendar files are read; by default the ``instance_dir`` that
        ``allocate solve`` recorded in the run folder (none: weekends and holidays only).
    mapper
        Runs the sellers' solves (default: a process pool; ``dask_map(client)`` from
        :mod:`allocate.batch.dask` for a Dask cluster).

    Returns
    -------
    Schedule
        The plan written.
    """
    folder = Path(folder)
    if instance_dir is None:
        instance_dir = recorded_instance_dir(folder)
    plan = plan_actions(
        instance, result.alignment, config, instance_dir=instance_dir, mapper=mapper
    )
    write_plan(folder, instance, plan)
    return plan
