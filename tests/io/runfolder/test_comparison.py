"""The files of a comparison folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocate.io.runfolder.comparison import write_comparison_files
from allocate.io.runfolder.names import COMPARISON_CSV, COMPARISON_HTML, COMPARISON_MD


def test_a_comparison_writes_its_table_and_pages(tmp_path: Path) -> None:
    paths = write_comparison_files(tmp_path / "c", pd.DataFrame({"kpi": ["a"]}), "# md\n", "<p>h</p>\n")
    assert [p.name for p in paths] == [COMPARISON_CSV, COMPARISON_MD, COMPARISON_HTML]
    assert paths[1].read_text() == "# md\n" and paths[2].read_text() == "<p>h</p>\n"
    assert list(pd.read_csv(paths[0])["kpi"]) == ["a"]
