"""The map of a design with levels: one layer per level, thicker borders higher up, escaped
labels, offline; and the design report: one KPI table per level."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from allocate.design import DesignSpec, design_territories
from allocate.io import read_instance
from allocate.io.runfolder import read_design, write_design
from allocate.publish.maps.design import BORDER_PX, save_design_map
from allocate.publish.report.design import write_design_report
from tests.unit_grid import write_grid

#: A unit id and an instance name that would run script if pasted into HTML unescaped.
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def hostile_design(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The 3 x 3 grid with a hostile name and unit id, designed as 1 region > 3 territories."""
    root = tmp_path_factory.mktemp("hostile")
    folder = write_grid(root / HOSTILE)  # the instance is named after its folder
    acc = (folder / "accounts.csv").read_text().replace(",c11\n", f',"{HOSTILE}"\n')
    (folder / "accounts.csv").write_text(acc)
    units = json.loads((folder / "units.geojson").read_text())
    for f in units["features"]:
        if f["properties"]["unit_id"] == "c11":
            f["properties"]["unit_id"] = HOSTILE
    (folder / "units.geojson").write_text(json.dumps(units))
    inst = read_instance(folder)
    assert HOSTILE in inst.units.ids
    d = design_territories(
        inst, DesignSpec(territories=3, levels=(1, 3), balance={"count": 0.0}, time_limit_s=3)
    )
    out = root / "design"
    write_design(
        out,
        d.summary(),
        d.units_frame(),
        d.accounts_frame(),
        d.territories_frame(),
        d.levels_frame(),
    )
    return folder, out


def test_map_has_a_layer_per_level_and_escapes_names(hostile_design, tmp_path: Path) -> None:
    folder, out = hostile_design
    inst = read_instance(folder)
    design = read_design(out)
    page = save_design_map(tmp_path / "d.html", inst, design, tiles=None).read_text()
    for layer in (
        "Colour by region (1)",
        "Colour by territory (3)",
        "Regions: borders",
        "Territories: borders",
    ):
        assert layer in page
    assert f'"weight":{BORDER_PX[0]}' in page and f'"weight":{BORDER_PX[-1]}' in page
    assert BORDER_PX[0] > BORDER_PX[1] > BORDER_PX[-1]  # regions thickest
    assert inst.name == HOSTILE and HOSTILE not in page
    shown = page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    assert HOSTILE not in shown  # not even once the JSON escapes are undone
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown  # the title box names the instance


def test_offline_map_loads_nothing_but_tiles(hostile_design, tmp_path: Path) -> None:
    pytest.importorskip("xstatic.pkg.leaflet")
    folder, out = hostile_design
    page = save_design_map(
        tmp_path / "o.html", read_instance(folder), read_design(out), offline=True, tiles=None
    ).read_text()
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page and "<script src=" not in page


def test_report_has_one_kpi_table_per_level(hostile_design, tmp_path: Path) -> None:
    folder, out = hostile_design
    index = write_design_report(read_design(out), read_instance(folder), tmp_path / "r", tiles=None)
    page = index.read_text()
    assert "<h2>Regions" in page and "<h2>Territories" in page
    assert "count vs mean (%)" in page and "connected" in page and "holds" in page
    assert HOSTILE not in page and (tmp_path / "r" / "design_map.html").is_file()
    assert "independent check</th><td>passed" in page
