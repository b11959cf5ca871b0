"""CLI parity: ``allocate solve --from RUN --edits edits.csv`` keeps a saved version's locks."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from allocate.cli import app
from allocate.io.runfolder import ALIGNMENT, EDITS


def test_solve_from_a_saved_version_keeps_its_locked_edits(client, workspace, small_run, tmp_path: Path) -> None:
    st = client.get("/api/state").json()
    owner = dict(zip(*(client.get("/api/map").json()["accounts"][k] for k in ("id", "seller")), strict=True))
    ids = [a for a, s in owner.items() if s != "S3"][:4]
    client.post("/api/assign", json={"account_ids": ids, "seller_id": "S3", "version": st["version"]})
    run = Path(client.post("/api/save", json={"name": "edited"}).json()["run_dir"])
    out = tmp_path / "resolved"
    r = CliRunner().invoke(app, ["solve", str(small_run["instance"]), "--model", "geography", "--time-limit", "2",
                                 "--workers", "1", "--from", str(run), "--edits", str(run / EDITS), "--out", str(out)])
    assert r.exit_code == 0, r.output
    with (out / ALIGNMENT).open(encoding="utf-8") as fh:
        got = {row["account_id"]: row["seller_id"] for row in csv.DictReader(fh)}
    assert all(got[a] == "S3" for a in ids)


def test_a_bad_edits_file_is_exit_2_with_row_and_column(small_run, tmp_path: Path) -> None:
    bad = tmp_path / "edits.csv"
    bad.write_text("account_id,from_seller,to_seller,at,note\nA0001,S1,S9,2026-01-01T00:00:00Z,manual; locked\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["solve", str(small_run["instance"]), "--edits", str(bad), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert "row 2" in r.output and "to_seller" in r.output and "S9" in r.output


def test_an_unlock_line_unlocks_an_account_locked_in_the_instance(workspace, tmp_path: Path) -> None:
    import dataclasses

    import numpy as np

    from allocate.serve.edits import edited_instance, read_edits

    inst = workspace.instance
    a = inst.account_index()
    locked = np.array(inst.accounts.locked, dtype=bool)
    locked[[a["A0001"], a["A0002"]]] = True
    inst = dataclasses.replace(inst, accounts=dataclasses.replace(inst.accounts, locked=locked))
    f = tmp_path / "edits.csv"
    f.write_text("account_id,from_seller,to_seller,at,note\n"
                 "A0001,S1,S1,2026-01-01T00:00:00Z,unlock; unlocked\n"
                 "A0003,S1,S2,2026-01-01T00:00:01Z,assign; locked\n"
                 "A0003,S2,S3,2026-01-01T00:00:02Z,assign; unlocked\n"
                 "A0004,S1,S2,2026-01-01T00:00:03Z,manual\n", encoding="utf-8")
    edits = read_edits(f, inst)
    assert [e.locked for e in edits] == [False, True, False, None]
    assert [e.moved for e in edits] == [False, True, True, True]
    out = edited_instance(inst, None, edits)
    got = {k: bool(out.accounts.locked[a[k]]) for k in ("A0001", "A0002", "A0003", "A0004")}
    assert got == {"A0001": False, "A0002": True, "A0003": False, "A0004": False}
    assert inst.sellers.ids[out.accounts.current_seller[a["A0003"]]] == "S3"


def test_moving_an_instance_locked_account_needs_an_unlock_first(workspace, tmp_path: Path) -> None:
    """The editor shows such a move as a breach ("locked to ... but served by ..."); `solve
    --edits` took it as a new lock and found no breach. One rule: refused, naming the row,
    unless an earlier row unlocks the account."""
    import dataclasses

    import numpy as np
    import pytest

    from allocate.core.errors import InputError
    from allocate.serve.edits import read_edits

    inst = workspace.instance
    a = inst.account_index()
    locked = np.array(inst.accounts.locked, dtype=bool)
    locked[a["A0001"]] = True
    inst = dataclasses.replace(inst, accounts=dataclasses.replace(inst.accounts, locked=locked))
    home = inst.sellers.ids[inst.accounts.current_seller[a["A0001"]]]
    other = next(s for s in inst.sellers.ids if s != home)
    f = tmp_path / "edits.csv"
    f.write_text("account_id,from_seller,to_seller,at,note\n"
                 f"A0001,{home},{other},2026-01-01T00:00:00Z,assign; locked\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_edits(f, inst)
    assert "row 2" in str(err.value) and "A0001" in str(err.value) and "unlock" in str(err.value).lower()
    f.write_text("account_id,from_seller,to_seller,at,note\n"
                 f"A0001,{home},{home},2026-01-01T00:00:00Z,unlock; unlocked\n"
                 f"A0001,{home},{other},2026-01-01T00:00:01Z,assign; locked\n", encoding="utf-8")
    assert [e.locked for e in read_edits(f, inst)] == [False, True]
