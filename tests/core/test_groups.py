"""The segment a multi-site group is owned as: its largest site's."""

from __future__ import annotations

from allocate.core.groups import owner_segments
from allocate.io.instance import read_instance
from tests.conftest import TINY_ACCOUNTS, TINY_SELLERS, write_instance


def test_a_group_takes_its_largest_segment(tmp_path):
    accounts = [
        TINY_ACCOUNTS[0],
        "A1,Versailles Co,48.8049,2.1204,micro,10000,customer,payroll,G1,,false,",
        "A2,Saint-Denis Co,48.9362,2.3574,large,20000,customer,payroll,G1,,false,",
        "A3,Villeurbanne Co,45.7719,4.8902,mid,30000,customer,hr,G2,,false,",
        "A4,Vénissieux Co,45.6975,4.8867,small,40000,customer,payroll,,,false,",
    ]
    inst = read_instance(write_instance(tmp_path / "i", accounts, TINY_SELLERS))
    # G1: micro + large -> large; G2 alone keeps mid; A4 without a group keeps its own
    assert owner_segments(inst) == ("large", "large", "mid", "small")
