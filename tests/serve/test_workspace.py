"""The workspace: opening without a run, map payload, model switch on accept."""

from __future__ import annotations

from pathlib import Path

from allocate.serve import Workspace


def test_open_without_runs_starts_from_today(small_run, tmp_path: Path) -> None:
    ws = Workspace.open(small_run["instance"], [], tmp_path / "v")
    assert ws.session.source == "today"
    assert ws.session.state()["totals"]["moves"] == 0
    m = ws.map_data(None)
    assert len(m["accounts"]["id"]) == 160 and m["bounds"][0][0] < m["bounds"][1][0]
    colors = {s["id"]: s["color"] for s in m["sellers"]}
    assert len(set(colors.values())) == len(colors)


def test_roles_model_has_one_team_per_role(small_run, tmp_path: Path) -> None:
    ws = Workspace.open(small_run["instance"], [], tmp_path / "v")
    sc = ws.scenario_with("roles", None, None, None, 2)
    job = ws.start_solve(sc)
    ws.jobs.wait(job.id, 60)
    assert ws.jobs.get(job.id).status == "done", ws.jobs.get(job.id).message
    s = ws.accept(job.id)
    assert s.mp.name == "roles" and len(s.teams) > 1
    ae = ws.map_data("AE")
    assert {x["role"] for x in ae["sellers"]} <= {"AE", "generalist"}


def test_units_outlines_are_geojson(small_run, tmp_path: Path) -> None:
    import json

    ws = Workspace.open(small_run["instance"], [], tmp_path / "v")
    g = json.loads(ws.units_json())
    assert g["type"] == "FeatureCollection" and g["features"] == []  # this instance has no units
    assert ws.units_json() is ws.units_json()  # built once


def test_units_outlines_with_units(tmp_path: Path) -> None:
    import json

    from tests.base_instance import BASE

    ws = Workspace.open(BASE, [], tmp_path / "v")
    g = json.loads(ws.units_json())
    assert len(g["features"]) == len(ws.instance.units)
    assert {f["geometry"]["type"] for f in g["features"]} <= {"Polygon", "MultiPolygon"}
    m = ws.map_data(None)
    assert all(u >= -1 for u in m["accounts"]["unit"]) and max(m["accounts"]["unit"]) >= 0
