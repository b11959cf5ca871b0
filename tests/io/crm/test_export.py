"""Export files: Salesforce ETM rules, HubSpot owners, the change log and its reasons."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from allocate.core.result import Alignment
from allocate.io import read_instance
from allocate.io.crm.export import MANUAL, change_log, developer_name, export_tables, write_export
from allocate.io.crm.mapping import Source
from allocate.io.crm.names import (
    CHANGES,
    SF_OBJECT_TERRITORY,
    SF_OWNER_UPDATE,
    SF_TERRITORY,
    SF_USER_TERRITORY,
)
from tests.conftest import TINY_SELLERS, write_instance

DEVNAME = re.compile(r"^[A-Za-z](?!.*__)[A-Za-z0-9_]{0,79}(?<!_)$")
# A1 (locked to LYO), A2 new, A3 and A4 one group, ids that a spreadsheet would mangle
ACCOUNTS = [
    "account_id,name,lat,lon,segment,potential,stage,product_lines,group_id,current_seller_id,locked,unit_id",
    "0015e00000A1b2e,Versailles Co,48.8049,2.1204,small,10000,customer,payroll,,LYO,true,",
    "00123,=HYPERLINK(\"x\"),48.9362,2.3574,small,20000,customer,payroll,,,false,",
    "12345678901,Villeurbanne Co,45.7719,4.8902,mid,30000,customer,hr,G1,PAR,false,",
    "A4,Vénissieux Co,45.6975,4.8867,small,40000,customer,payroll,G1,PAR,false,",
]


def _instance(tmp_path: Path):
    return read_instance(write_instance(tmp_path / "i", ACCOUNTS, TINY_SELLERS))


def _alignment(seller: list[int]) -> Alignment:
    n = len(seller)
    return Alignment(model="geography", account=np.arange(n), seller=np.array(seller), key=("",) * n, key_kind="")


def test_developer_names_follow_salesforce_rules() -> None:
    taken: set[str] = set()
    names = [developer_name(s, taken) for s in ("S-1", "S_1", "é__x_", "9" * 100, "S-1")]
    assert len(set(names)) == 5
    assert all(DEVNAME.match(n) for n in names), names
    # 15-character ids differ by case only; Salesforce API names do not: two names still
    two = [developer_name(s, set_) for set_ in [set()] for s in ("005Aa000000XyZ1", "005AA000000XYZ1")]
    assert len({n.casefold() for n in two}) == 2, two


def test_change_log_reasons(tmp_path: Path) -> None:
    inst = _instance(tmp_path)
    log = change_log(inst, np.array([0, 0, 1, 1]))  # PAR=0, LYO=1
    assert log.set_index("account_id")["reason"].to_dict() == {
        "0015e00000A1b2e": "lock", "00123": "new", "12345678901": "group", "A4": "group"}
    assert change_log(inst, np.array(inst.accounts.current_seller)).empty
    # an account moved by hand (a version saved by `allocate serve`) says so, whatever else holds
    edited = change_log(inst, np.array([0, 0, 1, 1]), frozenset({2}))
    assert edited.set_index("account_id")["reason"].to_dict()["12345678901"] == "manual edit"
    assert edited.set_index("account_id")["reason"].to_dict()["A4"] == "group"


def test_salesforce_files_keep_ids_exactly(tmp_path: Path) -> None:
    inst = _instance(tmp_path)
    out = tmp_path / "out"
    write_export(out, Source.SALESFORCE, inst, _alignment([1, 0, 1, 1]))
    read = {n: pd.read_csv(out / n, dtype=str, keep_default_na=False)
            for n in (SF_TERRITORY, SF_USER_TERRITORY, SF_OBJECT_TERRITORY, SF_OWNER_UPDATE)}
    assert read[SF_OBJECT_TERRITORY]["ObjectId"].tolist() == ["0015e00000A1b2e", "00123", "12345678901", "A4"]
    assert set(read[SF_OBJECT_TERRITORY]["AssociationCause"]) == {MANUAL}
    assert set(read[SF_OBJECT_TERRITORY]["Territory2DeveloperName"]) <= set(read[SF_TERRITORY]["DeveloperName"])
    assert read[SF_USER_TERRITORY]["UserId"].tolist() == ["PAR", "LYO"]
    assert read[SF_OWNER_UPDATE].values.tolist() == [["0015e00000A1b2e", "LYO"], ["00123", "PAR"],
                                                     ["12345678901", "LYO"], ["A4", "LYO"]]


def test_changes_is_neutralized_but_crm_files_are_not(tmp_path: Path) -> None:
    inst = _instance(tmp_path)
    out = tmp_path / "out"
    write_export(out, Source.HUBSPOT, inst, _alignment([1, 0, 1, 1]))
    changes = (out / CHANGES).read_text(encoding="utf-8")
    assert "'=HYPERLINK" in changes
    hub = pd.read_csv(out / "hubspot_company_owner_update.csv", dtype=str, keep_default_na=False)
    assert hub["Record ID"].tolist()[1] == "00123"


def test_split_alignments_give_one_association_per_pair(tmp_path: Path) -> None:
    inst = _instance(tmp_path)
    al = Alignment(model="roles", account=np.array([0, 0, 1, 2, 3]), seller=np.array([0, 1, 1, 1, -1]),
                   key=("AE", "CSM", "CSM", "CSM", "CSM"), key_kind="role")
    obj = export_tables(Source.SALESFORCE, inst, al)[SF_OBJECT_TERRITORY]
    assert obj["ObjectId"].tolist() == ["0015e00000A1b2e", "0015e00000A1b2e", "00123", "12345678901"]
