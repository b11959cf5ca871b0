"""The files of a batch folder: scenario temporaries, the DONE marker, the plan and the index."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocate.io.runfolder.batch import (
    new_scenario_tmp,
    read_done,
    scenario_temporaries,
    write_batch_index,
    write_batch_plan,
    write_done,
)
from allocate.io.runfolder.names import BATCH_INDEX, BATCH_PLAN, DONE, TMP_PREFIX


def test_batch_folder(tmp_path: Path) -> None:
    tmp = new_scenario_tmp(tmp_path, "abc")
    assert tmp.is_dir() and tmp.name.startswith(TMP_PREFIX + "abc-")
    assert list(scenario_temporaries(tmp_path)) == [tmp]
    assert read_done(tmp) is None
    write_done(tmp, {"scenario_id": "abc", "status": "ok"})
    assert read_done(tmp) == {"scenario_id": "abc", "status": "ok"}
    (tmp / DONE).write_text('{"status": "ok"}')  # no id: not a record of ours
    assert read_done(tmp) is None
    (tmp / DONE).write_text("{broken")  # damaged marker: not done
    assert read_done(tmp) is None
    assert write_batch_plan(tmp_path, {"name": "b"}).name == BATCH_PLAN
    index = write_batch_index(tmp_path, pd.DataFrame({"scenario_id": ["abc"]}))
    assert index.name == BATCH_INDEX and list(pd.read_parquet(index)["scenario_id"]) == ["abc"]


def test_two_attempts_of_a_scenario_get_their_own_folders(tmp_path: Path) -> None:
    a, b = new_scenario_tmp(tmp_path, "abc"), new_scenario_tmp(tmp_path, "abc")
    (tmp_path / "abc").mkdir()  # a finished scenario is not a temporary
    assert a != b and sorted(scenario_temporaries(tmp_path)) == sorted([a, b])
