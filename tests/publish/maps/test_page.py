"""A map as a page: offline pages carry Leaflet inline, saved pages are the rendered text."""

from __future__ import annotations

import re
from pathlib import Path

from allocate.io import read_instance
from allocate.io.runfolder import read_run
from allocate.publish.maps import plot_territories, render_html, save_map


def test_offline_page_has_no_remote_asset(published: dict[str, Path]) -> None:
    inst = read_instance(published["instance"])
    run = read_run(published["geo"], inst)
    page = render_html(plot_territories(run.alignment, inst), offline=True)
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=[\"']https?:", page)
    assert "Leaflet 1.9.3" in page or "1.9.3" in page
    online = render_html(plot_territories(run.alignment, inst), offline=False)
    assert re.search(r"<script[^>]+src=\"https://", online)  # the default keeps folium's CDN links


def test_save_map_writes_the_titled_page(published: dict[str, Path], tmp_path: Path) -> None:
    inst = read_instance(published["instance"])
    run = read_run(published["geo"], inst)
    path = save_map(plot_territories(run.alignment, inst), tmp_path / "m.html", title="a <b> title")
    assert path == tmp_path / "m.html"
    page = path.read_text(encoding="utf-8")
    assert "<title>a &lt;b&gt; title</title>" in page
