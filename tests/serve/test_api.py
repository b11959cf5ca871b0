"""The JSON API with FastAPI's test client: edits, locks, history, versions and errors."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from tests.publish.publishing import XSS


def _state(client):
    r = client.get("/api/state")
    assert r.status_code == 200
    return r.json()


def _seller(st, sid):
    return next(s for s in st["sellers"] if s["seller_id"] == sid)


def _ids_not_of(client, sid: str, n: int) -> list[str]:
    m = client.get("/api/map").json()
    a = m["accounts"]
    return [i for i, s in zip(a["id"], a["seller"], strict=True) if s != sid][:n]


def test_state_has_the_contract_keys(client) -> None:
    st = _state(client)
    assert {"version", "team", "sellers", "totals"} <= set(st)
    assert {"workload_h", "capacity_h", "utilization", "travel_h", "potential", "accounts", "moves_in", "delta"} <= set(st["sellers"][0])
    assert {"total_travel_h", "workload_cv", "workload_max_min", "moves", "overloaded_sellers", "split_territories"} <= set(st["totals"])


def test_assign_moves_workload_and_counts(client, workspace) -> None:
    st = _state(client)
    ids = _ids_not_of(client, "S1", 5)
    before = _seller(st, "S1")
    r = client.post("/api/assign", json={"account_ids": ids, "seller_id": "S1", "version": st["version"]})
    assert r.status_code == 200
    after = r.json()
    s1 = _seller(after, "S1")
    assert s1["accounts"] == before["accounts"] + 5
    assert s1["workload_h"] > before["workload_h"]
    assert s1["delta"]["accounts"] == 5
    assert after["version"] > st["version"]
    assert sorted(c["account_id"] for c in after["changes"]) == sorted(ids)
    assert all(c["seller_id"] == "S1" and c["locked"] for c in after["changes"])
    # the workload shown is the full recompute's
    from allocate.analysis.kpi import alignment_kpis

    s = workspace.session
    full = alignment_kpis(s.instance, s.alignment(), s.scenario, s.mp).sellers.set_index("seller_id")
    assert s1["workload_h"] == np.float64(full.loc["S1", "workload_h"]).round(3) or abs(s1["workload_h"] - full.loc["S1", "workload_h"]) < 1e-3


def test_stale_version_is_409_and_nothing_changes(client) -> None:
    st = _state(client)
    ids = _ids_not_of(client, "S2", 2)
    assert client.post("/api/assign", json={"account_ids": ids[:1], "seller_id": "S2", "version": st["version"]}).status_code == 200
    r = client.post("/api/assign", json={"account_ids": ids[1:], "seller_id": "S2", "version": st["version"]})
    assert r.status_code == 409
    assert "stale" in r.json()["detail"]
    now = _state(client)
    assert now["totals"]["edited_items"] == 1


def test_undo_redo_and_reset(client) -> None:
    st = _state(client)
    ids = _ids_not_of(client, "S3", 4)
    w0 = _seller(st, "S3")["workload_h"]
    st1 = client.post("/api/assign", json={"account_ids": ids, "seller_id": "S3", "version": st["version"]}).json()
    w1 = _seller(st1, "S3")["workload_h"]
    undone = client.post("/api/undo", json={}).json()
    assert abs(_seller(undone, "S3")["workload_h"] - w0) < 1e-9
    assert undone["can_redo"] and not undone["can_undo"]
    redone = client.post("/api/redo").json()
    assert abs(_seller(redone, "S3")["workload_h"] - w1) < 1e-9
    reset = client.post("/api/reset", json={"version": redone["version"]}).json()
    assert reset["totals"]["edited_items"] == 0
    assert abs(_seller(reset, "S3")["workload_h"] - w0) < 1e-9
    assert client.post("/api/undo").json()["totals"]["edited_items"] == 4  # the reset is undoable
    empty = client.post("/api/redo").json()
    assert client.post("/api/redo").status_code == 400  # nothing left to redo
    assert empty["totals"]["edited_items"] == 0


def test_lock_and_unlock(client) -> None:
    st = _state(client)
    ids = _ids_not_of(client, "", 3)
    locked = client.post("/api/lock", json={"account_ids": ids, "locked": True, "version": st["version"]}).json()
    assert locked["totals"]["locked_items"] == st["totals"]["locked_items"] + 3
    assert all(c["locked"] for c in locked["changes"])
    unlocked = client.post("/api/lock", json={"account_ids": ids, "locked": False}).json()
    assert unlocked["totals"]["locked_items"] == st["totals"]["locked_items"]


def test_bad_requests_are_4xx_with_a_message(client) -> None:
    st = _state(client)
    v = st["version"]
    r = client.post("/api/assign", json={"account_ids": ["NOPE"], "seller_id": "S1", "version": v})
    assert r.status_code == 400 and "NOPE" in r.json()["detail"]
    r = client.post("/api/assign", json={"account_ids": ["A0002"], "seller_id": "S99", "version": v})
    assert r.status_code == 400 and "S99" in r.json()["detail"]
    assert client.post("/api/assign", json={"account_ids": "A0002", "seller_id": "S1", "version": v}).status_code == 422
    assert client.post("/api/assign", json={"account_ids": [], "seller_id": "S1", "version": v}).status_code == 400
    assert client.post("/api/assign", content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 422
    # a body of the wrong shape: one line naming the field (the page shows it as it is)
    r = client.post("/api/optimize", json={"time_limit_s": 4, "max_moves": -5})
    assert r.status_code == 422 and r.json()["detail"] == "body.max_moves: Input should be greater than or equal to 0"
    r = client.post("/api/assign", json={"account_ids": ["A0002"], "seller_id": "S1"})
    assert r.status_code == 422 and r.json()["detail"] == "body.version: Field required"
    assert client.get("/api/state", params={"team": "nope"}).status_code == 400
    assert client.get("/api/jobs/nope").status_code == 404
    for name in ("../escape", "/abs", ".hidden", "a/b", "x" * 65):
        r = client.post("/api/save", json={"name": name})
        assert r.status_code in (400, 422), name
        assert "Traceback" not in r.text
    assert client.post("/api/open", json={"name": ".."}).status_code == 400


def test_breaches_are_shown_not_refused(client) -> None:
    st = _state(client)
    a = client.get("/api/map").json()["accounts"]
    # give nearly every account to one seller: over capacity, and explained
    ids = a["id"]
    r = client.post("/api/assign", json={"account_ids": ids, "seller_id": "S4", "version": st["version"]})
    assert r.status_code == 200
    over = [b for b in r.json()["breaches"] if b["rule"] == "over_capacity" and b["seller_id"] == "S4"]
    assert over and over[0]["new"] and "capacity" in over[0]["message"]


def test_group_split_is_reported(client) -> None:
    st = _state(client)
    owner = dict(zip(*(client.get("/api/map").json()["accounts"][k] for k in ("id", "seller")), strict=True))
    # A0010, A0060, A0110 form group G1: move one site elsewhere
    target = next(s for s in ("S1", "S2", "S3", "S4") if s != owner["A0010"])
    r = client.post("/api/assign", json={"account_ids": ["A0010"], "seller_id": target, "version": st["version"]}).json()
    assert any(b["rule"] == "group_split" and "G1" in b["message"] for b in r["breaches"])


def test_optimize_keeps_locks_and_accept_applies_the_proposal(client, workspace) -> None:
    st = _state(client)
    ids = _ids_not_of(client, "S2", 6)
    st = client.post("/api/assign", json={"account_ids": ids, "seller_id": "S2", "version": st["version"]}).json()
    r = client.post("/api/optimize", json={"time_limit_s": 3, "max_moves": 40})
    assert r.status_code == 200
    job_id = r.json()["job_id"]
    workspace.jobs.wait(job_id, 60)
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "done", job["message"]
    prop = job["proposal"]
    moved = {c["account_id"] for c in prop["changes"]}
    assert not moved & set(ids)  # locked edits stay
    assert prop["moves"] == len(prop["changes"])
    accepted = client.post(f"/api/jobs/{job_id}/accept").json()
    owner = dict(zip(*(client.get("/api/map").json()["accounts"][k] for k in ("id", "seller")), strict=True))
    assert all(owner[i] == "S2" for i in ids)
    for c in prop["changes"]:
        assert owner[c["account_id"]] == c["to_seller"]
    assert accepted["totals"]["total_travel_h"] == prop["totals"]["total_travel_h"] or abs(accepted["totals"]["total_travel_h"] - prop["totals"]["total_travel_h"]) < 1e-6
    # accepting twice is refused
    assert client.post(f"/api/jobs/{job_id}/accept").status_code == 400


def test_accept_after_an_edit_is_stale(client, workspace) -> None:
    st = _state(client)
    job_id = client.post("/api/optimize", json={"time_limit_s": 2}).json()["job_id"]
    ids = _ids_not_of(client, "S1", 1)
    client.post("/api/assign", json={"account_ids": ids, "seller_id": "S1", "version": st["version"]})
    workspace.jobs.wait(job_id, 60)
    if client.get(f"/api/jobs/{job_id}").json()["status"] == "done":
        assert client.post(f"/api/jobs/{job_id}/accept").status_code == 409


def test_save_writes_a_new_run_folder_with_edits(client, workspace, small_run) -> None:
    st = _state(client)
    ids = _ids_not_of(client, "S1", 3)
    client.post("/api/assign", json={"account_ids": ids, "seller_id": "S1", "version": st["version"]})
    r = client.post("/api/save", json={"name": "mine"})
    assert r.status_code == 200
    run = Path(r.json()["run_dir"])
    assert run.name == "mine" and run.parent == workspace.store.root
    with (run / "edits.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["account_id", "from_seller", "to_seller", "at", "note"]
    assert sorted(x["account_id"] for x in rows) == sorted(ids)
    assert all(x["to_seller"] == "S1" and x["from_seller"] != "S1" and "locked" in x["note"] for x in rows)
    # an ordinary run folder: the map and report readers take it, and its KPIs are the full recompute
    from allocate.io.runfolder import read_run

    back = read_run(run, workspace.instance)
    owner = dict(zip((workspace.instance.accounts.ids[a] for a in back.alignment.account),
                     (workspace.instance.sellers.ids[s] for s in back.alignment.seller), strict=True))
    assert all(owner[i] == "S1" for i in ids)
    # saving again never overwrites
    r2 = client.post("/api/save", json={"name": "mine"}).json()
    assert r2["name"] == "mine-2"
    assert (run / "edits.csv").is_file()
    # deltas restart from the save
    assert all(abs(v or 0) < 1e-9 for v in _state(client)["totals_delta"].values())
    # versions list, reopen and compare
    names = [v["name"] for v in client.get("/api/versions").json()["versions"]]
    assert names[0] == small_run["run"].name and "mine" in names and "mine-2" in names
    opened = client.post("/api/open", json={"name": small_run["run"].name}).json()
    assert opened["totals"]["edited_items"] == 0
    cmp = client.get("/api/compare", params={"a": small_run["run"].name, "b": "mine"}).json()
    assert cmp["changed"] == 3
    pub = client.post("/api/publish", json={"name": "mine"}).json()
    assert Path(pub["path"]).is_file() and Path(pub["path"]).parent.parent == workspace.store.root
    assert Path(pub["report"]).is_file() and Path(pub["report"]).parent.parent.parent == workspace.store.root


def test_hostile_names_stay_data(client) -> None:
    m = client.get("/api/map").json()
    assert XSS in m["accounts"]["name"]  # JSON carries the text; the page writes it with textContent
    page = client.get("/").text
    assert XSS not in page


def test_scenario_panel_solves_with_progress(client, workspace) -> None:
    sc = client.get("/api/scenario").json()
    assert sc["model"] == "geography" and "size" in sc["models"]
    r = client.post("/api/solve", json={"model": "size", "workload_tolerance": 0.2, "time_limit_s": 2})
    job_id = r.json()["job_id"]
    assert client.post("/api/optimize", json={"time_limit_s": 1}).status_code in (200, 409)
    workspace.jobs.wait(job_id, 60)
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "done", job["message"]
    st = client.post(f"/api/jobs/{job_id}/accept").json()
    assert st["model"] == "size"
    assert client.get("/api/scenario").json()["workload_tolerance"] == 0.2


def test_a_version_breaking_hard_rules_is_saved_and_says_so(client, workspace) -> None:
    import json

    st = _state(client)
    # every account to S1: far over its capacity (an edit is never refused, nor its save)
    ids = list(workspace.instance.accounts.ids)
    st = client.post("/api/assign", json={"account_ids": ids, "seller_id": "S1", "version": st["version"]}).json()
    assert any(b["rule"] == "over_capacity" for b in st["breaches"])
    r = client.post("/api/save", json={"name": "overloaded"})
    assert r.status_code == 200, r.text
    meta = json.loads((Path(r.json()["run_dir"]) / "kpis.json").read_text(encoding="utf-8"))
    assert meta["status"] == "unknown" and any(b.startswith("capacity: S1") for b in meta["breaches"])
    listed = {v["name"]: v for v in client.get("/api/versions").json()["versions"]}
    assert listed["overloaded"]["breaches"] >= 1 and listed["overloaded"]["status"] == "unknown"


def test_a_solve_without_a_valid_alignment_fails_with_a_reason(client, workspace, monkeypatch) -> None:
    import dataclasses

    from allocate.core.status import SolveStatus
    from allocate.serve import workspace as ws_module

    real = ws_module.solve_workflow
    monkeypatch.setattr(ws_module, "solve_workflow",
                        lambda inst, sc: dataclasses.replace(real(inst, sc), status=SolveStatus.UNKNOWN))
    job_id = client.post("/api/solve", json={"time_limit_s": 1}).json()["job_id"]
    workspace.jobs.wait(job_id, 60)
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "failed" and "no alignment meeting every hard rule" in job["message"]
    assert "proposal" not in job
    assert client.post(f"/api/jobs/{job_id}/accept").status_code == 400


def test_versions_of_models_split_differently_compare_by_account(client, workspace) -> None:
    from allocate.io.runfolder import account_owner, read_run

    # a roles version beside the geography run: rows keyed by role against whole accounts
    r = client.post("/api/solve", json={"model": "roles", "time_limit_s": 2}).json()
    workspace.jobs.wait(r["job_id"], 60)
    assert client.get(f"/api/jobs/{r['job_id']}").json()["status"] == "done"
    assert client.post(f"/api/jobs/{r['job_id']}/accept").json()["model"] == "roles"
    name = client.post("/api/save", json={"name": "roles-v"}).json()["name"]
    base = workspace.store.list()[0].name
    cmp = client.get("/api/compare", params={"a": base, "b": name}).json()
    assert cmp["by_account"] is True
    inst = workspace.instance
    own = [account_owner(inst, read_run(workspace.store.get(v).path, inst).alignment) for v in (base, name)]
    assert cmp["changed"] == int((own[0] != own[1]).sum())
