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


def test_read_design_round_trip_and_refusals(tmp_path: Path) -> None:
    import pytest

    from allocate.core.errors import InputError
    from allocate.io.runfolder import is_design_folder, read_design, resolve_instance_dir

    units = pd.DataFrame({"unit_id": ["=u1", "u2"], "level_1": [0, 0], "territory": [0, 1]})
    acc = pd.DataFrame({"account_id": ["a1", "a2"], "territory": [0, 1]})
    ter = pd.DataFrame({"territory": [0, 1]})
    lv = pd.DataFrame({"level": [1, 2, 2], "territory": [0, 0, 1]})
    out = tmp_path / "d"
    write_design(out, {"status": "feasible", "instance_dir": str(tmp_path)}, units, acc, ter, lv)
    assert is_design_folder(out) and not is_design_folder(tmp_path)
    d = read_design(out)
    assert d.node_key == "unit_id" and d.level_columns == ["level_1", "territory"]
    assert d.units["unit_id"].tolist() == ["'=u1", "u2"]  # neutralized on the way out
    assert d.levels is not None and len(d.levels) == 3
    assert resolve_instance_dir(out) == tmp_path  # recorded by the design itself
    # no design found: the summary alone, and the reader says why
    bare = tmp_path / "bare"
    write_design(bare, {"status": "unknown", "reason": "no split"}, None, None, None)
    with pytest.raises(InputError, match="no split"):
        read_design(bare)
    with pytest.raises(InputError, match="not a design folder"):
        read_design(tmp_path)
