"""Parent territories: per role, per team, from a design's nested levels; parents first."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from allocate.core.errors import InputError
from allocate.core.result import Alignment
from allocate.io import read_instance
from allocate.io.crm.export import salesforce_tables
from allocate.io.crm.hierarchy import Hierarchy, build_tree, clean_devname
from allocate.io.crm.names import SF_TERRITORY
from allocate.io.runfolder.names import DESIGN_ACCOUNTS, DESIGN_UNITS
from tests.conftest import write_instance

DEVNAME = re.compile(r"^[A-Za-z](?!.*__)[A-Za-z0-9_]{0,79}(?<!_)$")
SELLERS = [
    "seller_id,name,lat,lon,role,capacity_h,segments,product_lines,max_accounts,max_travel_min,team",
    "0055e000001AbCdAAK,Paris AE,48.8566,2.3522,AE,40,,,,,Île & Nord",
    "0055e000001AbCf,Lyon CSM,45.7640,4.8357,CSM,40,,,,,Sud",
    "S3,Lille AE,50.63,3.06,AE,40,,,,,",
]
ACCOUNTS = [
    "account_id,name,lat,lon,segment,potential,stage,product_lines,group_id,current_seller_id,locked,unit_id",
    *[f"A{i},Co {i},{45 + i * 0.5},{2 + i * 0.3},small,1000,customer,payroll,,,false,U{i // 2}" for i in range(8)],
]


@pytest.fixture()
def inst(tmp_path: Path):
    return read_instance(write_instance(tmp_path / "i", ACCOUNTS, SELLERS))


def _alignment(owner: list[int]) -> Alignment:
    n = len(owner)
    return Alignment("geography", np.arange(n), np.array(owner), ("",) * n, "")


def _design(folder: Path, level_1: list[str], level_2: list[str]) -> Path:
    """Units U0..U3 (two accounts each), finest level = 4 territories, two levels above."""
    folder.mkdir()
    pd.DataFrame({"unit_id": [f"U{u}" for u in range(4)], "territory": range(4), "is_centre": True,
                  "level_1": level_1, "level_2": level_2}).to_csv(folder / DESIGN_UNITS, index=False)
    pd.DataFrame({"account_id": [f"A{i}" for i in range(8)], "unit_id": [f"U{i // 2}" for i in range(8)],
                  "territory": [i // 2 for i in range(8)]}).to_csv(folder / DESIGN_ACCOUNTS, index=False)
    return folder


def _check_order(territory: pd.DataFrame) -> None:
    seen: set[str] = set()
    for dev, parent in zip(territory["DeveloperName"], territory["ParentTerritory2DeveloperName"], strict=True):
        assert parent == "" or parent in seen, f"{dev} comes before its parent {parent}"
        assert DEVNAME.match(dev)
        seen.add(dev)
    assert len(seen) == len(territory)


def test_role_parents_come_first(inst) -> None:  # type: ignore[no-untyped-def]
    owner = np.array([0, 0, 1, 1, 2, 2, 0, 1])
    tree = build_tree(Hierarchy.ROLE, inst, owner, [0, 1, 2], set())
    ter = salesforce_tables(inst, _alignment(list(owner)), tree)[SF_TERRITORY]
    _check_order(ter)
    parent = dict(zip(ter["DeveloperName"], ter["ParentTerritory2DeveloperName"], strict=True))
    assert ter["DeveloperName"].tolist()[:2] == ["Role_AE", "Role_CSM"]
    assert parent["T_0055e000001AbCdAAK"] == "Role_AE" and parent["T_S3"] == "Role_AE"
    assert parent["T_0055e000001AbCf"] == "Role_CSM" and parent["Role_AE"] == ""


def test_team_parents_and_a_seller_without_team(inst) -> None:  # type: ignore[no-untyped-def]
    teams = ("Île & Nord", "Sud", "")
    tree = build_tree(Hierarchy.TEAM, inst, np.zeros(8, int), [0, 1, 2], set(), teams=teams)
    assert [p.name for p in tree.parents] == ["Sud", "Île & Nord"]  # sorted, as text
    assert all(DEVNAME.match(p.developer_name) for p in tree.parents)
    assert 2 not in tree.seller_parent and len(set(tree.seller_parent.values())) == 2
    with pytest.raises(InputError, match="column 'team'"):
        build_tree(Hierarchy.TEAM, inst, np.zeros(8, int), [0], set(), teams=None, teams_source="sellers.csv")


def test_design_levels_are_the_parents(inst, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    design = _design(tmp_path / "d", ["0", "0", "1", "1"], ["0", "1", "2", "3"])
    # seller 0 owns U0 + one account of U1 (majority level_2 = 0); seller 1 owns U2; seller 2 U3
    owner = np.array([0, 0, 0, 1, 1, 1, 2, 2])
    tree = build_tree(Hierarchy.DESIGN, inst, owner, [0, 1, 2], set(), design=design)
    ter = salesforce_tables(inst, _alignment(list(owner)), tree)[SF_TERRITORY]
    _check_order(ter)
    parent = dict(zip(ter["DeveloperName"], ter["ParentTerritory2DeveloperName"], strict=True))
    assert parent["T_0055e000001AbCdAAK"] == "Level2_0"
    assert parent["T_0055e000001AbCf"] == "Level2_2"  # 2 of its 3 accounts in U2 (level_2 = 2)
    assert parent["T_S3"] == "Level2_3"
    assert parent["Level2_0"] == "Level1_0" and parent["Level2_2"] == parent["Level2_3"] == "Level1_1"
    assert "Level2_1" not in parent  # no seller under it: not written
    assert parent["Level1_0"] == parent["Level1_1"] == ""


def test_design_errors_name_file_row_column(inst, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    owner = np.zeros(8, int)
    with pytest.raises(InputError, match="not a folder"):
        build_tree(Hierarchy.DESIGN, inst, owner, [0], set(), design=tmp_path / "nope")
    broken = _design(tmp_path / "b", ["0", "1", "1", "1"], ["0", "0", "2", "3"])  # level_2 0 in two level_1
    with pytest.raises(InputError, match="not nested"):
        build_tree(Hierarchy.DESIGN, inst, owner, [0], set(), design=broken)
    flat = tmp_path / "flat"
    flat.mkdir()
    pd.DataFrame({"unit_id": ["U0"], "territory": [0], "is_centre": [True]}).to_csv(flat / DESIGN_UNITS, index=False)
    with pytest.raises(InputError, match=r"column 'level_1'.*--levels"):
        build_tree(Hierarchy.DESIGN, inst, owner, [0], set(), design=flat)
    bad = _design(tmp_path / "u", ["0", "0", "1", "1"], ["0", "1", "2", "3"])
    acc = pd.read_csv(bad / DESIGN_ACCOUNTS)
    acc.loc[3, "unit_id"] = "U9"
    acc.to_csv(bad / DESIGN_ACCOUNTS, index=False)
    with pytest.raises(InputError, match=r"row 5, column 'unit_id'"):
        build_tree(Hierarchy.DESIGN, inst, owner, [0], set(), design=bad)


def test_clean_devname_rules() -> None:
    taken: set[str] = set()
    names = [clean_devname(t, taken) for t in ("Team_Île & Nord", "Team_Île & Nord", "9 lives", "__", "x" * 200)]
    assert len(set(names)) == 5 and all(DEVNAME.match(n) for n in names), names
