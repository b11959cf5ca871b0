"""The files of a sizing folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from allocate.io.runfolder.names import SIZING, sizing_table
from allocate.io.runfolder.sizing import write_sizing


def test_a_sizing_writes_its_tables_then_the_summary(tmp_path: Path) -> None:
    tables = {"placement": pd.DataFrame({"k": [3]}), "marginal": pd.DataFrame({"k": [4]})}
    out = write_sizing(tmp_path, {"minimum": 3}, tables)
    assert [p.name for p in out] == [sizing_table("placement"), sizing_table("marginal"), SIZING]
    assert json.loads(out[-1].read_text()) == {"minimum": 3}
    assert list(pd.read_csv(out[0])["k"]) == [3]
