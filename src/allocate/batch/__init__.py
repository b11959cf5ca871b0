"""Scenario batches: a grid of instances × models × parameters, run on Dask distributed.

>>> from allocate.batch import read_batch, run_batch, dask_client   # doctest: +SKIP
>>> plan = read_batch("instances/fr-pme/batch.yaml")                 # doctest: +SKIP
>>> with dask_client(workers=2) as client:                           # doctest: +SKIP
...     summary = run_batch(plan, "out", client)
"""

from allocate.batch.run import (
    BatchSummary,
    apply_whatif,
    check_scheduler,
    dask_client,
    read_record,
    run_batch,
    run_scenario,
    write_index,
)
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
    "read_batch",
    "read_record",
    "run_batch",
    "run_scenario",
    "write_index",
]
