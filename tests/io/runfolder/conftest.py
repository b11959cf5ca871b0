"""A solved tiny instance written as a run folder, for the tests of its readers and writers."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.align.solve import solve
from allocate.analysis.kpi import compute_kpis
from allocate.core.scenario import Scenario
from allocate.io.runfolder.solve import write_run


@pytest.fixture()
def run(tiny, tmp_path: Path):  # type: ignore[no-untyped-def]
    """``(folder, result, written)`` of a geography solve of ``tiny``."""
    result = solve(tiny, Scenario(model="geography", time_limit_s=2, workers=1, seed=1))
    kpis = compute_kpis(tiny, result)
    folder = tmp_path / "run"
    written = write_run(folder, tiny, result, kpis, extra={"instance_dir": tiny.source_dir})
    return folder, result, written
