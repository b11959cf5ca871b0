"""The PSPLIB single-mode reader on a hand-written project."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.io.benchmarks.psplib import RcpspInstance, read_psplib

# 4 jobs (dummy source 1, jobs 2 and 3 in parallel, dummy sink 4), 2 resources
SM = """************************************************************************
file with basedata            : tiny.bas
************************************************************************
projects                      :  1
jobs (incl. supersource/sink ):  4
horizon                       :  12
RESOURCES
  - renewable                 :  2   R
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           4
   4        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1  R 2
------------------------------------------------------------------------
  1      1     0       0    0
  2      1     3       2    1
  3      1     5       1    4
  4      1     0       0    0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1  R 2
    2    4
************************************************************************
"""


def _write(tmp_path, text):
    path = tmp_path / "tiny.sm"
    path.write_text(text)
    return path


def test_read_psplib_by_hand(tmp_path):
    inst = read_psplib(_write(tmp_path, SM))
    assert isinstance(inst, RcpspInstance)
    assert inst.name == "tiny" and inst.n_jobs == 4 and inst.horizon == 12
    assert inst.durations == (0, 3, 5, 0)
    assert inst.successors == ((1, 2), (3,), (3,), ())  # 0-based
    assert inst.demands == ((0, 0), (2, 1), (1, 4), (0, 0))
    assert inst.capacities == (2, 4)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("horizon                       :  12", "", "no horizon line"),
        ("RESOURCEAVAILABILITIES:", "AVAILABILITIES:", "section 'RESOURCEAVAILABILITIES:' not found"),
        ("   2        1          1           4", "   2        1          2           4", "bad precedence line for job 2"),
        ("  3      1     5       1    4", "  3      1     5       1", "bad request line for job 3"),
        ("   3        1          1           4", "   3        1          1           9", "job 3 has unknown successor 9"),
    ],
)
def test_malformed_psplib(tmp_path, old, new, message):
    assert old in SM
    with pytest.raises(ValueError, match=message):
        read_psplib(_write(tmp_path, SM.replace(old, new)))


def test_instance_checks_its_rows():
    with pytest.raises(ValueError, match="2 durations but 1 demand rows"):
        RcpspInstance("x", (1, 2), ((1,),), ((), ()), (3,), 10)
    with pytest.raises(ValueError, match="job 1 has 2 demands"):
        RcpspInstance("x", (1,), ((1, 1),), ((),), (3,), 10)


def _j30() -> Path:
    """``shared/bench-data/rcpsp/j30`` beside the repository (or a worktree's parent folders)."""
    repo = Path(__file__).resolve().parents[3]
    for folder in repo.parents:
        if (folder / "shared" / "bench-data" / "rcpsp" / "j30").is_dir():
            return folder / "shared" / "bench-data" / "rcpsp" / "j30"
    return repo.parent / "shared" / "bench-data" / "rcpsp" / "j30"


J30 = _j30()


@pytest.mark.skipif(not J30.is_dir(), reason="PSPLIB j30 not present")
def test_reader_matches_a_public_file():
    inst = read_psplib(J30 / "j301_1.sm")
    assert inst.n_jobs == 32
    assert inst.capacities == (12, 13, 4, 12)
    assert inst.horizon == 158
    assert inst.successors[0] == (1, 2, 3)  # job 1 -> jobs 2 3 4
    assert inst.durations[1] == 8 and inst.demands[1] == (4, 0, 0, 0)
    assert inst.successors[31] == ()
