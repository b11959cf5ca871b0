"""write_design: the tables that exist, then the summary."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from allocate.io.runfolder import (
    DESIGN,
    DESIGN_ACCOUNTS,
    DESIGN_LEVELS,
    DESIGN_TERRITORIES,
    DESIGN_UNITS,
    write_design,
)


def test_writes_tables_then_summary(tmp_path: Path) -> None:
    df = pd.DataFrame({"unit_id": ["u1"], "territory": [0]})
    paths = write_design(tmp_path / "d", {"status": "feasible"}, df, df, None)
    assert [p.name for p in paths] == [DESIGN_UNITS, DESIGN_ACCOUNTS, DESIGN]
    assert not (tmp_path / "d" / DESIGN_TERRITORIES).exists()
    assert json.loads((tmp_path / "d" / DESIGN).read_text())["status"] == "feasible"


def test_writes_the_levels_table_when_given(tmp_path: Path) -> None:
    df = pd.DataFrame({"unit_id": ["u1"], "territory": [0]})
    lv = pd.DataFrame({"level": [1], "territory": [0]})
    paths = write_design(tmp_path / "d", {"status": "feasible"}, df, df, df, lv)
    assert [p.name for p in paths] == [
        DESIGN_UNITS,
        DESIGN_ACCOUNTS,
        DESIGN_TERRITORIES,
        DESIGN_LEVELS,
        DESIGN,
    ]
    assert pd.read_csv(tmp_path / "d" / DESIGN_LEVELS).to_dict("list") == {
        "level": [1],
        "territory": [0],
    }
