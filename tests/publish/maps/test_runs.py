"""The map page of a run folder: one run, or two side by side, titled by model and instance."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.io import read_instance
from allocate.io.runfolder import read_run
from allocate.publish.maps import save_run_map


def test_one_run_is_titled_by_model_and_instance(published: dict[str, Path], tmp_path: Path) -> None:
    inst = read_instance(published["instance"])
    run = read_run(published["geo"], inst)
    path = save_run_map(tmp_path / "one.html", inst, run, tiles=None)
    assert path == tmp_path / "one.html"
    page = path.read_text(encoding="utf-8")
    assert f"<title>{run.label} · {inst.name}</title>" in page
    assert f"{run.label} model" in page
    assert "openstreetmap" not in page.lower()  # tiles=None: no background layer
    assert "L.map(" in page and page.count("L.map(") == 1


def test_two_runs_side_by_side(published: dict[str, Path], tmp_path: Path) -> None:
    inst = read_instance(published["instance"])
    a, b = read_run(published["geo"], inst), read_run(published["size"], inst)
    page = save_run_map(tmp_path / "two.html", inst, a, b, offline=True).read_text(encoding="utf-8")
    assert f"<title>{a.label} vs {b.label} · {inst.name}</title>" in page
    assert f"{a.label} model" in page and f"{b.label} model" in page
    assert page.count("L.map(") == 2  # a DualMap: two synced panes
    assert "<script src=" not in page  # offline: Leaflet inline


def test_colors_belong_to_a_single_run_map(published: dict[str, Path], tmp_path: Path) -> None:
    inst = read_instance(published["instance"])
    run = read_run(published["geo"], inst)
    with pytest.raises(ValueError, match="colours its sellers itself"):
        save_run_map(tmp_path / "x.html", inst, run, run, colors=["#000000"] * len(inst.sellers))
    assert not (tmp_path / "x.html").exists()
