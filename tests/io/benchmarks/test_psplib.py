"""The PSPLIB single-mode reader on a hand-written project."""

from __future__ import annotations

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
