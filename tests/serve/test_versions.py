"""Versions: never overwritten, atomic, names kept inside the versions folder."""

from __future__ import annotations

import pytest

from allocate.io.runfolder import EDITS, TMP_PREFIX
from allocate.serve.session import BadEdit


def test_names_are_checked_and_never_reused(workspace) -> None:
    store = workspace.store
    for bad in ("", "..", "../x", "a/b", ".x", "x" * 65, "a\\b", "é"):
        with pytest.raises(BadEdit):
            store.free_name(bad)
    first = store.save(workspace.session, "v")
    second = store.save(workspace.session, "v")
    assert (first.name, second.name) == ("v", "v-2")
    assert (first / EDITS).is_file() and (second / EDITS).is_file()
    assert not [p for p in store.root.iterdir() if p.name.startswith(TMP_PREFIX)]  # no half-written folder


def test_scenario_and_model_are_kept(workspace) -> None:
    path = workspace.store.save(workspace.session, "kept")
    from allocate.serve.versions import scenario_of

    assert scenario_of(path).model == workspace.session.mp.name
    assert workspace.store.get("kept").describe()["edited_from"] == workspace.store.list()[0].name


def test_a_version_of_a_quota_scenario_has_its_quotas(workspace) -> None:
    import pandas as pd

    from allocate.core.quota import QuotaSpec
    from allocate.io.runfolder import QUOTAS

    session = workspace.session
    session.scenario = session.scenario.model_copy(update={"quota": QuotaSpec(total=50_000, rounding=100)})
    path = workspace.store.save(session, "quota")
    q = pd.read_csv(path / QUOTAS)
    assert q["quota"].sum() == 50_000 and len(q) == len(session.instance.sellers)
    # a method that needs a history the instance lacks: the version is saved, without quotas
    session.scenario = session.scenario.model_copy(update={"quota": QuotaSpec(total=50_000, method="history")})
    path = workspace.store.save(session, "no-history")
    assert (path / EDITS).is_file() and not (path / QUOTAS).exists()


#: A process that saves version ``v1``, then dies by SIGKILL in the middle of saving ``v2``
#: (its run files written, its edits file not yet): a server killed while it saves.
_KILLED_MID_SAVE = """
import os, signal, sys
from pathlib import Path
import allocate.serve.versions as versions
from allocate.serve import Workspace

ws = Workspace.open(Path(sys.argv[1]), [Path(sys.argv[2])], Path(sys.argv[3]))
for s in ws.instance.sellers.ids:  # one account to another seller: one journal line
    if len(ws.session.assign([ws.instance.accounts.ids[0]], s, ws.session.version)):
        break
ws.store.save(ws.session, "v1")
print("saved", flush=True)
versions.write_csv = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
ws.store.save(ws.session, "v2")
"""


def test_a_server_killed_while_saving_leaves_the_last_version_whole(small_run, tmp_path) -> None:
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from allocate.io.runfolder import read_run
    from allocate.serve import Workspace

    root = tmp_path / "versions"
    src = Path(__file__).resolve().parents[2] / "src"
    proc = subprocess.run([sys.executable, "-c", _KILLED_MID_SAVE, str(small_run["instance"]), str(small_run["run"]), str(root)],
                          capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(src), "PATH": ""})
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert proc.stdout.strip() == "saved"
    # the half-written v2 is a hidden temporary folder, never a version; v1 is whole
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(TMP_PREFIX)) == ["v1"]
    assert [p for p in root.iterdir() if p.name.startswith(TMP_PREFIX)]
    ws = Workspace.open(small_run["instance"], [small_run["run"]], root)
    assert [v.name for v in ws.store.list()] == [small_run["run"].name, "v1"]
    v1 = read_run(ws.store.get("v1").path, ws.instance)
    assert len(v1.alignment.account) == len(ws.instance.accounts)
    assert (root / "v1" / EDITS).read_text(encoding="utf-8").count("\n") == 2  # header + the one edit
    # the next save takes the name the dead one could not
    assert ws.store.save(ws.session, "v2").name == "v2"
