"""Offline maps: Leaflet is inlined from ``xstatic-leaflet`` and no CDN link is left."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import folium
import pytest
from folium.plugins import DualMap

from allocate.core.errors import InputError
from allocate.publish.maps import offline, save_map
from allocate.publish.maps.offline import SYNC_JS, leaflet_assets, make_offline

#: URLs that Leaflet's own text carries (a licence comment, the SVG namespace, a bug link):
#: none is fetched by a browser.
INERT_URLS = {
    "https://leafletjs.com",
    "http://www.w3.org/2000/svg",
    "https://bugzilla.mozilla.org/show_bug.cgi?id=888319",
}


def _remote_loads(page: str) -> list[str]:
    """Every place where the page would fetch something over the network."""
    return (
        re.findall(r"<script[^>]*\bsrc=[\"']?([^\"' >]+)", page)
        + re.findall(r"<link[^>]*\bhref=[\"']?(https?:[^\"' >]+)", page)
        + re.findall(r"url\(\s*[\"']?(https?:[^)\"']+)", page)
        + re.findall(r"@import\s+[\"']?(https?:[^\"';]+)", page)
    )


def _render(m: folium.Map | DualMap) -> str:
    fig = m.get_root()
    make_offline(fig)
    return fig.render()


def test_leaflet_assets_are_self_contained() -> None:
    js, css = leaflet_assets()
    assert js.lstrip().startswith("/* @preserve") and "Leaflet 1.9.3" in js
    assert "sourceMappingURL" not in js
    assert "url(images/" not in css  # every CSS image became a data: URI
    assert css.count("url(data:image/png;base64,") >= 3  # layers, layers-2x, marker icon
    assert leaflet_assets() is leaflet_assets()  # read once


@pytest.mark.parametrize("kind", ["map", "dual"])
def test_offline_page_loads_nothing_remote(kind: str) -> None:
    def fresh() -> folium.Map | DualMap:
        if kind == "map":
            return folium.Map(location=[46.5, 2.5], zoom_start=6, tiles=None)
        return DualMap(location=[46.5, 2.5], zoom_start=6, tiles=None)

    online = fresh().get_root().render()
    assert any("cdn" in u for u in _remote_loads(online))  # folium's default pulls CDNs
    page = _render(fresh())
    assert _remote_loads(page) == []
    assert set(re.findall(r"https?://[^\s\"'()<>]+", page)) <= INERT_URLS
    assert page.count("Leaflet 1.9.3, a JS library") == 1  # inlined once
    # Leaflet comes first in the head, before any script that uses L
    assert page.index("Leaflet 1.9.3") < page.index("L.map(")
    if kind == "dual":
        assert SYNC_JS.strip() in page and ".sync(" in page


def test_saved_offline_map_has_no_network_url(tmp_path: Path) -> None:
    m = folium.Map(location=[46.5, 2.5], zoom_start=6, tiles=None)
    folium.Marker([48.85, 2.35]).add_to(m)
    path = save_map(m, tmp_path / "map.html", offline=True, title="offline")
    page = path.read_text(encoding="utf-8")
    assert _remote_loads(page) == []
    assert "<title>offline</title>" in page


def test_inlined_code_cannot_close_its_element(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline, "leaflet_assets", lambda: ('var s = "</script>";', "a{} </style>"))
    page = _render(folium.Map(location=[46.5, 2.5], tiles=None))
    assert 'var s = "<\\/script>";' in page and "a{} <\\/style>" in page


def test_missing_xstatic_leaflet_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xstatic.pkg.leaflet", None)  # import now fails
    leaflet_assets.cache_clear()
    try:
        with pytest.raises(InputError) as info:
            leaflet_assets()
        text = str(info.value)
        assert "--offline" in text and "xstatic-leaflet" in text
    finally:
        leaflet_assets.cache_clear()
