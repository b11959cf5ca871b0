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
