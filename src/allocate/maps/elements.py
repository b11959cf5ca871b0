"""Leaflet elements of our maps, written as folium ``MacroElement`` templates.

Why not folium's ``Tooltip``/``Popup``/``CircleMarker``: ``Tooltip`` pastes its text into a
JavaScript template literal (so ``${...}`` in a CRM name would run), ``Popup`` needs jQuery, and
one folium object per account makes a 50k-account page far too large. Here every layer ships
its data as one JSON array and builds its Leaflet objects in a loop.

Safety rule: **every user string is passed through** :func:`esc` (``html.escape``) **in
Python** before it reaches the page, and data reach scripts only through :func:`js_data`,
which escapes ``<``, ``>``, ``&`` and the JS line separators, so nothing can close the
``<script>`` element. The JavaScript only concatenates those escaped strings and numbers.
"""

from __future__ import annotations

import html
import json
from typing import Any

from branca.element import MacroElement
from folium.map import Layer
from folium.template import Template

_JS_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def esc(value: object) -> str:
    """HTML-escape any user-supplied value (quotes included)."""
    return html.escape(str(value), quote=True)


def js_data(value: Any) -> str:
    """JSON text that is safe inside a ``<script>`` element."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for ch, rep in _JS_UNSAFE.items():
        text = text.replace(ch, rep)
    return text


#: Shared styles of the map chrome (legend, title, seller bases, tooltips).
MAP_CSS = """
<style>
.leaflet-container { background: #eef1f4; font-family: 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; }
.allocate-box { background: rgba(255,255,255,0.94); border-radius: 8px; padding: 8px 12px;
  box-shadow: 0 1px 6px rgba(0,0,0,0.25); font-size: 12px; color: #1f2937; line-height: 1.35; }
.allocate-title h1 { font-size: 16px; margin: 0 0 2px 0; font-weight: 650; }
.allocate-title .sub { color: #4b5563; font-size: 12px; }
.allocate-title .kpis { display: flex; gap: 14px; margin-top: 6px; }
.allocate-title .kpi b { display: block; font-size: 15px; color: #111827; }
.allocate-title .kpi span { color: #6b7280; font-size: 11px; text-transform: uppercase; letter-spacing: .03em; }
.allocate-legend { max-height: 45vh; overflow-y: auto; min-width: 210px; }
.allocate-legend h2 { font-size: 12px; margin: 0 0 4px 0; text-transform: uppercase; color: #6b7280; letter-spacing: .04em; }
.allocate-legend table { border-collapse: collapse; }
.allocate-legend td { padding: 1px 4px; white-space: nowrap; }
.allocate-legend td.num { text-align: right; font-variant-numeric: tabular-nums; }
.allocate-legend .over { color: #b91c1c; font-weight: 600; }
.allocate-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -2px; border: 1px solid rgba(0,0,0,.25); }
.allocate-sym { margin-top: 6px; border-top: 1px solid #e5e7eb; padding-top: 5px; color: #374151; }
.allocate-sym div { margin: 2px 0; }
.allocate-base { width: 22px; height: 22px; border-radius: 6px; background: #111827; color: #fff; border: 2px solid #fff;
  box-shadow: 0 1px 4px rgba(0,0,0,.5); font: 700 11px/18px 'Segoe UI', Roboto, Arial, sans-serif; text-align: center; box-sizing: border-box; }
.allocate-base-icon { background: none; border: none; }
.allocate-tip b { color: #111827; }
.allocate-tip .muted { color: #6b7280; }
</style>
"""

#: Builders for account tooltips/popups, from the escaped lookup tables of a layer.
HELPERS_JS = """
<script>
window.allocateTip = function (d, a) {
  var s = a[4] >= 0 ? d.sellers[a[4]] : '(none)';
  return '<div class="allocate-tip"><b>' + d.names[a[7]] + '</b><br>' +
    'segment: ' + d.segments[a[5]] + ' &middot; stage: ' + d.stages[a[6]] + '<br>' +
    'seller: ' + s + '<br>' +
    'travel: ' + (a[8] >= 0 ? a[8] + ' min one way' : 'n/a') + '</div>';
};
window.allocatePopup = function (d, a) {
  var x = d.extra[a[7]];
  return window.allocateTip(d, a) + '<div class="allocate-tip muted">id ' + x[0] +
    '<br>potential ' + x[1] + '<br>product lines: ' + x[2] +
    (x[3] ? '<br>group: ' + x[3] : '') + '<br>today: ' + x[4] + '</div>';
};
</script>
"""


class JsonLayer(Layer):
    """A feature group filled by a script from one JSON payload (base class)."""

    def __init__(self, name: str, payload: Any, show: bool = True) -> None:
        super().__init__(name=esc(name), overlay=True, control=True, show=show)
        self._name = type(self).__name__
        self.payload = js_data(payload)


class AccountLayer(JsonLayer):
    """Accounts as canvas circle markers, sized by potential, coloured by seller.

    Payload: ``colors``, escaped ``names``/``sellers``/``segments``/``stages`` tables,
    ``extra`` (popup details per account) and ``rows`` of
    ``[lat, lon, radius_px, color_index, seller, segment, stage, name_index, travel_min]``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        (function () {
          var d = {{ this.payload }};
          for (var i = 0; i < d.rows.length; i++) {
            var a = d.rows[i];
            var c = a[3] >= 0 ? d.colors[a[3]] : '#6b7280';
            var m = L.circleMarker([a[0], a[1]], {radius: a[2], color: '#ffffff', weight: 0.8,
              fillColor: c, fillOpacity: 0.85, opacity: 0.9});
            m.allocateRow = a;
            {{ this.get_name() }}.addLayer(m);
          }
          {{ this.get_name() }}.bindTooltip(function (l) { return window.allocateTip(d, l.allocateRow); },
            {sticky: true, direction: 'top', opacity: 0.97});
          {{ this.get_name() }}.bindPopup(function (l) { return window.allocatePopup(d, l.allocateRow); });
        })();
        {% endmacro %}
        """
    )


class HighlightLayer(JsonLayer):
    """Rings around accounts (e.g. those that change owner between two models)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        (function () {
          var d = {{ this.payload }};
          for (var i = 0; i < d.rows.length; i++) {
            var a = d.rows[i];
            {{ this.get_name() }}.addLayer(L.circleMarker([a[0], a[1]], {radius: a[2] + 4, color: d.color,
              weight: 2.2, fill: false, interactive: false}));
          }
        })();
        {% endmacro %}
        """
    )


class TerritoryLayer(JsonLayer):
    """Territory polygons (GeoJSON features with ``color`` and escaped ``tip`` properties)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ this.payload }}, {
          style: function (f) { return {color: f.properties.color, weight: 2, opacity: 0.9,
                                         fillColor: f.properties.color, fillOpacity: 0.22}; },
          onEachFeature: function (f, l) {
            l.bindTooltip(f.properties.tip, {sticky: true, opacity: 0.97});
            l.on('mouseover', function () { l.setStyle({fillOpacity: 0.38, weight: 3}); });
            l.on('mouseout', function () { l.setStyle({fillOpacity: 0.22, weight: 2}); });
          }
        });
        {% endmacro %}
        """
    )


class GroupLinkLayer(JsonLayer):
    """Thin lines that link the sites of each multi-site group; payload rows ``[tip, [[lat, lon], ...]]``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        (function () {
          var d = {{ this.payload }};
          for (var i = 0; i < d.length; i++) {
            var l = L.polyline(d[i][1], {color: '#374151', weight: 1.2, opacity: 0.7, dashArray: '4 3'});
            l.allocateTip = d[i][0];
            {{ this.get_name() }}.addLayer(l);
          }
          {{ this.get_name() }}.bindTooltip(function (l) { return l.allocateTip; }, {sticky: true});
        })();
        {% endmacro %}
        """
    )


class BaseLayer(JsonLayer):
    """Seller bases (one icon per office), as ``L.divIcon`` with inline CSS: no icon fonts."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        (function () {
          var d = {{ this.payload }};
          for (var i = 0; i < d.length; i++) {
            var icon = L.divIcon({className: 'allocate-base-icon', iconSize: [22, 22], iconAnchor: [11, 11],
              html: '<div class="allocate-base" style="border-color:' + d[i].color + '">' + d[i].label + '</div>'});
            var mk = L.marker([d[i].lat, d[i].lon], {icon: icon, zIndexOffset: 1000, keyboard: false});
            mk.bindTooltip(d[i].tip, {direction: 'top', offset: [0, -10], opacity: 0.97});
            {{ this.get_name() }}.addLayer(mk);
          }
        })();
        {% endmacro %}
        """
    )


class HtmlControl(MacroElement):
    """A fixed box (title or legend) as a Leaflet control; ``payload`` is escaped HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var c = L.control({position: {{ this.position|tojson }}});
          c.onAdd = function () {
            var div = L.DomUtil.create('div', 'allocate-box ' + {{ this.css_class|tojson }});
            div.innerHTML = {{ this.payload }};
            L.DomEvent.disableScrollPropagation(div);
            L.DomEvent.disableClickPropagation(div);
            return div;
          };
          c.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, position: str, css_class: str) -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.payload = js_data(html_text)
        self.position = position
        self.css_class = css_class


class DrawnFlag(MacroElement):
    """Sets ``window.allocateMapDrawn`` (ms since navigation) once the first frames are painted."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        requestAnimationFrame(function () { requestAnimationFrame(function () {
          window.allocateMapDrawn = performance.now();
        }); });
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "DrawnFlag"
