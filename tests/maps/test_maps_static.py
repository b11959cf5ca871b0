"""Map building without a browser: colouring, escaping, offline assets, CLI and index."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from publishing import XSS
from typer.testing import CliRunner

from allocate.cli import app
from allocate.core.geo import territory_polygons
from allocate.io import read_instance
from allocate.io.runfolder import account_owner
from allocate.publish.maps import (
    greedy_colors,
    plot_territories,
    read_run,
    render_html,
    seller_colors,
)
from allocate.publish.maps.colors import PALETTE, territory_adjacency


@pytest.mark.parametrize(
    ("n", "edges"),
    [
        (3, [(0, 1), (1, 2)]),  # path
        (4, [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]),  # square with a diagonal
        (
            15,
            [(i, j) for i in range(15) for j in range(i + 1, 15)],
        ),  # clique larger than the palette
    ],
)
def test_greedy_colors_separate_neighbours(n: int, edges: list[tuple[int, int]]) -> None:
    colors = greedy_colors(n, edges)
    assert len(colors) == n
    assert all(colors[a] != colors[b] for a, b in edges)


def test_few_sellers_get_distinct_colors() -> None:
    # no edges at all: the legend must still tell sellers apart
    assert len(set(greedy_colors(len(PALETTE), []))) == len(PALETTE)


def test_adjacent_territories_differ(published: dict[str, Path]) -> None:
    inst = read_instance(published["instance"])
    run = read_run(published["size"], inst)
    terr = territory_polygons(inst, account_owner(inst, run.alignment))
    adj = territory_adjacency(terr)
    colors = seller_colors(len(inst.sellers), terr)
    assert any(adj.values())
    assert all(colors[s] != colors[t] for s, nb in adj.items() for t in nb)


def test_names_are_escaped(published: dict[str, Path]) -> None:
    inst = read_instance(published["instance"])
    run = read_run(published["geo"], inst)
    page = render_html(
        plot_territories(run.alignment, inst, seller_kpis=run.sellers, title=XSS), offline=True
    )
    assert XSS not in page
    # html-escaped, then "&" written as \u0026 inside the script data
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page
    assert page.count("</script><script>alert(3)") == 0


def test_offline_page_has_no_remote_asset(published: dict[str, Path]) -> None:
    inst = read_instance(published["instance"])
    run = read_run(published["geo"], inst)
    page = render_html(plot_territories(run.alignment, inst), offline=True)
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=[\"']https?:", page)
    assert "Leaflet 1.9.3" in page or "1.9.3" in page
    online = render_html(plot_territories(run.alignment, inst), offline=False)
    assert re.search(r"<script[^>]+src=\"https://", online)  # the default keeps folium's CDN links


def test_cli_map_vs_and_index(published: dict[str, Path], tmp_path: Path) -> None:
    runner = CliRunner()
    maps = tmp_path / "maps"
    res = runner.invoke(
        app, ["map", str(published["geo"]), "--offline", "--out", str(maps / "geo & co.html")]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app,
        [
            "map",
            str(published["geo"]),
            "--vs",
            str(published["size"]),
            "--instance",
            str(published["instance"]),
            "--offline",
            "--out",
            str(maps / "vs.html"),
        ],
    )
    assert res.exit_code == 0, res.output
    index = (maps / "index.html").read_text()
    assert 'href="geo%20%26%20co.html"' in index and 'href="vs.html"' in index
    assert "geo &amp; co.html" in index
    vs = (maps / "vs.html").read_text()
    assert vs.count("L.map(") == 2 and ".sync(" in vs


def test_cli_map_without_instance_exits_2(published: dict[str, Path], tmp_path: Path) -> None:
    run = Path(shutil.copytree(published["geo"], tmp_path / "run"))
    meta = json.loads((run / "kpis.json").read_text())
    meta.pop("instance_dir", None)
    (run / "kpis.json").write_text(json.dumps(meta))
    res = CliRunner().invoke(app, ["map", str(run), "--out", str(tmp_path / "m.html")])
    assert res.exit_code == 2
    assert "--instance" in res.output
    res = CliRunner().invoke(
        app,
        ["map", str(run), "--instance", str(tmp_path / "nope"), "--out", str(tmp_path / "m.html")],
    )
    assert res.exit_code == 2
