"""Scenario batches: a grid of instances × models × parameters, run on Dask distributed.

:mod:`.spec` reads and expands the grid, :mod:`.run` runs it (one task per scenario, exactly
once) and :mod:`.dask` makes the client and the Dask mapper of the sellers' plans.

>>> from allocate.batch import read_batch, run_batch, dask_client   # doctest: +SKIP
>>> plan = read_batch("instances/fr-pme/batch.yaml")                 # doctest: +SKIP
>>> with dask_client(workers=2) as client:                           # doctest: +SKIP
...     summary = run_batch(plan, "out", client)
"""

from allocate.batch.dask import check_scheduler, dask_client, dask_map
from allocate.batch.run import BatchSummary, apply_whatif, run_batch, run_scenario, write_index
from allocate.batch.spec import BatchPlan, BatchSpec, ScenarioSpec, WhatIf, read_batch

__all__ = [
    "BatchPlan",
    "BatchSpec",
    "BatchSummary",
    "ScenarioSpec",
    "WhatIf",
    "apply_whatif",
    "check_scheduler",
    "dask_client",
    "dask_map",
    "read_batch",
    "run_batch",
    "run_scenario",
    "write_index",
]
