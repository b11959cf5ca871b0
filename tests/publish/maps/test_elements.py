"""Leaflet elements: user strings reach the page as data or escaped HTML, never as markup."""

from __future__ import annotations

import json
import math

import folium
import pytest

from allocate.publish.maps.elements import (
    AccountLayer,
    BaseLayer,
    HtmlControl,
    TerritoryLayer,
    js_data,
)
from allocate.publish.text import esc

EVIL = "</script><script>alert('x')</script>"


def _page(*elements) -> str:
    m = folium.Map(location=[46.5, 2.5], zoom_start=6, tiles=None)
    for el in elements:
        m.add_child(el)
    return m.get_root().render()


def test_js_data_cannot_close_the_script_element() -> None:
    text = js_data({"name": EVIL, "amp": "a & b", "sep": "x\u2028y\u2029z"})
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text
    assert "\\u003c/script\\u003e" in text and "a \\u0026 b" in text
    # still the same data for a JSON reader
    assert json.loads(text) == {"name": EVIL, "amp": "a & b", "sep": "x\u2028y\u2029z"}


def test_js_data_is_compact_and_keeps_unicode() -> None:
    assert js_data({"a": [1, 2.5], "b": "Vénissieux"}) == '{"a":[1,2.5],"b":"Vénissieux"}'


def test_js_data_refuses_nan() -> None:
    with pytest.raises(ValueError):
        js_data([math.nan])


def test_layer_name_is_escaped_in_the_layer_control() -> None:
    layer = TerritoryLayer(f"Territories of {EVIL}", {"type": "FeatureCollection", "features": []})
    assert layer.layer_name == f"Territories of {esc(EVIL)}"
    page = _page(layer, folium.LayerControl())
    assert EVIL not in page


def test_seller_name_in_account_payload_stays_data() -> None:
    payload = {"lat": [48.85], "lon": [2.35], "names": [EVIL], "sellers": ["<b>PAR</b>"]}
    page = _page(AccountLayer("accounts", payload))
    assert EVIL not in page and "<b>PAR</b>" not in page
    # the payload block holds the JSON that js_data wrote, which parses back to the raw name
    start = page.index('type="application/json"')
    block = page[page.index(">", start) + 1 : page.index("</script>", start)]
    assert json.loads(block)["names"] == [EVIL]


def test_base_tooltip_and_html_control_carry_only_escaped_html() -> None:
    tip = f"<div class='allocate-tip'>{esc(EVIL)}</div>"
    base = BaseLayer("bases", [{"lat": 48.85, "lon": 2.35, "label": esc("<i>"), "tip": tip, "color": "#4e79a7"}])
    box = HtmlControl(f"<h1>{esc(EVIL)}</h1>", "topright", "allocate-title")
    page = _page(base, box)
    assert EVIL not in page and "<script>alert" not in page
    assert js_data(f"<h1>{esc(EVIL)}</h1>") in page  # HTML-escaped, then made script-safe
    assert '"topright"' in page and '"allocate-title"' in page
