"""The file names of imports and exports: distinct, plain, and none is a run-folder name."""

from __future__ import annotations

from allocate.io.crm import names
from allocate.io.runfolder import names as run_names


def test_names_are_distinct_and_not_run_folder_names() -> None:
    own = {v for k, v in vars(names).items() if k.isupper()}
    run = {v for k, v in vars(run_names).items() if k.isupper() and isinstance(v, str)}
    assert len(own) == len([k for k in vars(names) if k.isupper()])
    assert not own & run
    assert names.SF_OBJECT_TERRITORY == "ObjectTerritory2Association.csv"
