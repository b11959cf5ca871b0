"""PSPLIB reader (``.sm`` files), checked against the public j30 files."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.io.benchmarks.psplib import read_psplib

RCPSP = Path("/work/shared/bench-data/rcpsp")
pytestmark = pytest.mark.skipif(not (RCPSP / "j30").is_dir(), reason="PSPLIB j30 not available")


def test_reader_matches_the_file():
    inst = read_psplib(RCPSP / "j30" / "j301_1.sm")
    assert inst.n_jobs == 32
    assert inst.capacities == (12, 13, 4, 12)
    assert inst.horizon == 158
    assert inst.successors[0] == (1, 2, 3)  # job 1 -> jobs 2 3 4
    assert inst.durations[1] == 8 and inst.demands[1] == (4, 0, 0, 0)
    assert inst.successors[31] == ()


def test_reader_rejects_a_truncated_file(tmp_path):
    text = (RCPSP / "j30" / "j301_1.sm").read_text()
    bad = tmp_path / "bad.sm"
    bad.write_text(text.split("RESOURCEAVAILABILITIES:")[0])
    with pytest.raises(ValueError):
        read_psplib(bad)
