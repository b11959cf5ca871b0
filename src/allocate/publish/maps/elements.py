"""Leaflet elements of our maps, written as folium ``MacroElement`` templates.

Why not folium's ``Tooltip``/``Popup``/``CircleMarker``: ``Tooltip`` pastes its text into a
JavaScript template literal (so ``${...}`` in a CRM name would run), ``Popup`` needs jQuery, and
one folium object per account makes a 50k-account page far too large. Here every layer ships
its data as one JSON payload; accounts are not Leaflet objects at all but rows of an
``AllocatePoints`` canvas layer (:data:`POINTS_JS`) drawn in one pass.

Safety rules: data reach scripts only through :func:`js_data`, which escapes ``<``, ``>``,
``&`` and the JS line separators, so nothing can close the ``<script>`` element. Strings that
end up as HTML (territory, group and base tooltips, title, legend) are passed through
:func:`esc` (``html.escape``) in Python first. Account strings are shipped raw and the page
only ever sets them with ``textContent``.
"""

from __future__ import annotations

import json
from typing import Any

from branca.element import MacroElement
from folium.map import Layer
from folium.template import Template

from allocate.publish.text import esc

_JS_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def js_data(value: Any) -> str:
    """JSON text that is safe inside a ``<script>`` element.

    Parameters
    ----------
    value
        Data that JSON can encode (NaN and infinities are refused).

    Returns
    -------
    str
        Compact JSON with ``<``, ``>``, ``&``, U+2028 and U+2029 written as ``\\u`` escapes.

    Raises
    ------
    ValueError
        For NaN or infinite numbers.
    """
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
.allocate-box summary { cursor: pointer; }
.allocate-title h1 { font-size: 16px; margin: 0 0 2px 0; font-weight: 650; display: inline; }
.allocate-legend summary h2 { display: inline; }
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
.leaflet-container.allocate-point-hover, .allocate-point-hover .leaflet-interactive { cursor: pointer; }
.allocate-point-hover .allocate-under-tip { display: none; }  /* account tip wins */
</style>
"""

#: ``AllocatePoints``: every account of a layer drawn in one pass on one canvas of its own.
#:
#: One ``L.circleMarker`` per account costs tens of thousands of Leaflet objects, SVG-free but
#: still hit-tested and redrawn one by one. This layer keeps the data in flat arrays, projects
#: them once (zoom 0), redraws its canvas on ``moveend``/``zoomend`` (scaled during the zoom
#: animation like Leaflet's own renderers), and buckets the painted points into a screen grid
#: of :data:`GRID_PX` pixels so that hover and click only test a few neighbours. One listener
#: per map picks the topmost hit among its point layers. Tooltips and popups are DOM nodes
#: whose user strings are set with ``textContent``: nothing from the data is parsed as HTML.
POINTS_JS = """
<script>
// defined on first use: in online pages folium's Leaflet <script> comes after this one
window.allocatePointsClass = function () {
  if (window.AllocatePoints) { return window.AllocatePoints; }
  var GRID = 24, PAD = 0.1;
  function text(parent, tag, cls, value) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    if (value !== undefined) { el.textContent = value; }
    parent.appendChild(el);
    return el;
  }
  function lines(div, items) {
    items.forEach(function (t, k) {
      if (k) { div.appendChild(document.createElement('br')); }
      div.appendChild(document.createTextNode(t));
    });
  }
  function fmt(x) { return Math.round(x).toLocaleString('en-US'); }
  window.allocateTipNode = function (d, i) {
    var div = document.createElement('div');
    div.className = 'allocate-tip';
    text(div, 'b', '', d.names[i]);
    div.appendChild(document.createElement('br'));
    var s = d.s[i];
    lines(div, [
      'segment: ' + d.segments[d.seg] + ' \u00b7 stage: ' + d.stages[d.st[i]],
      'seller: ' + (s >= 0 ? d.sellers[s] : '(none)'),
      'travel: ' + (d.tr[i] >= 0 ? d.tr[i] + ' min one way' : 'n/a')
    ]);
    return div;
  };
  window.allocatePopupNode = function (d, i) {
    var box = document.createElement('div');
    box.appendChild(window.allocateTipNode(d, i));
    var more = text(box, 'div', 'allocate-tip muted');
    var cur = d.cur[i], g = d.grp[i];
    var items = ['id ' + d.ids[i], 'potential ' + fmt(d.pot[i]),
                 'product lines: ' + d.lines[d.pl[i]]];
    if (g >= 0) { items.push('group: ' + d.groups[g]); }
    items.push('today: ' + (cur >= 0 ? d.sellers[cur] : '(none)'));
    lines(more, items);
    return box;
  };

  function hub(map) {
    if (map._allocatePoints) { return map._allocatePoints; }
    var h = map._allocatePoints = {layers: [], hover: null,
      tip: L.tooltip({direction: 'top', opacity: 0.97, className: 'allocate-point-tip'})};
    function find(e) {
      for (var k = h.layers.length - 1; k >= 0; k--) {
        var i = h.layers[k]._hit(e.containerPoint);
        if (i >= 0) { return {layer: h.layers[k], i: i}; }
      }
      return null;
    }
    map.on('mousemove', function (e) {
      var hit = find(e), box = map.getContainer();
      if (!hit) {
        if (h.hover) { h.hover = null; map.closeTooltip(h.tip); L.DomUtil.removeClass(box, 'allocate-point-hover'); }
        return;
      }
      if (h.hover && h.hover.layer === hit.layer && h.hover.i === hit.i) { return; }
      h.hover = hit;
      L.DomUtil.addClass(box, 'allocate-point-hover');
      h.tip.options.offset = [0, -hit.layer._d.r[hit.i]];
      h.tip.setContent(window.allocateTipNode(hit.layer._d, hit.i));
      map.openTooltip(h.tip, hit.layer._ll(hit.i));
    });
    map.on('mouseout zoomstart movestart', function () {
      if (h.hover) { h.hover = null; map.closeTooltip(h.tip); L.DomUtil.removeClass(map.getContainer(), 'allocate-point-hover'); }
    });
    map.on('click', function (e) {
      var hit = find(e);
      if (hit) {
        L.popup({maxWidth: 320}).setLatLng(hit.layer._ll(hit.i))
          .setContent(window.allocatePopupNode(hit.layer._d, hit.i)).openOn(map);
      }
    });
    return h;
  }

  window.AllocatePoints = L.Layer.extend({
    options: {pane: 'allocatePoints', zIndex: 450, ring: false, interactive: true,
               className: 'allocate-points'},
    initialize: function (d, options) {
      L.setOptions(this, options);
      this._d = d;
      this.count = d.lat.length;
    },
    _ll: function (i) { return L.latLng(this._d.lat[i], this._d.lon[i]); },
    onAdd: function (map) {
      var pane = map.getPane(this.options.pane);
      if (!pane) {
        pane = map.createPane(this.options.pane);
        pane.style.zIndex = this.options.zIndex;
        pane.style.pointerEvents = 'none';
      }
      if (!this._x) {
        // Web-Mercator pixels at zoom 0; any zoom is a scale of these
        var n = this.count, x = this._x = new Float64Array(n), y = this._y = new Float64Array(n);
        for (var i = 0; i < n; i++) {
          var p = map.project([this._d.lat[i], this._d.lon[i]], 0);
          x[i] = p.x; y[i] = p.y;
        }
      }
      this._canvas = L.DomUtil.create('canvas', this.options.className + ' leaflet-zoom-animated', pane);
      this._canvas.style.pointerEvents = 'none';
      if (this.options.interactive) { hub(map).layers.push(this); }
      this._draw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      this._canvas = null;
      this._cells = null;
      var h = map._allocatePoints;
      if (h) {
        h.layers = h.layers.filter(function (l) { return l !== this; }, this);
        if (h.hover && h.hover.layer === this) { h.hover = null; map.closeTooltip(h.tip); }
      }
    },
    getEvents: function () {
      var ev = {moveend: this._draw, zoomend: this._draw, viewreset: this._draw, resize: this._draw};
      if (this._map.options.zoomAnimation && L.Browser.any3d) { ev.zoomanim = this._animate; }
      return ev;
    },
    _animate: function (e) {
      // same transform as L.Renderer: scale the last frame around its frozen top-left corner
      var map = this._map, scale = map.getZoomScale(e.zoom, this._zoom);
      var half = map.getSize().multiplyBy(0.5 + PAD);
      var offset = half.multiplyBy(-scale).add(map.project(this._center, e.zoom))
        .subtract(map._getNewPixelOrigin(e.center, e.zoom));
      L.DomUtil.setTransform(this._canvas, offset, scale);
    },
    _draw: function () {
      var map = this._map, c = this._canvas;
      if (!map || !c) { return; }
      var size = map.getSize(), pad = size.multiplyBy(PAD)._round();
      var w = size.x + 2 * pad.x, h = size.y + 2 * pad.y;
      var topLeft = map.containerPointToLayerPoint([-pad.x, -pad.y])._round();
      var dpr = window.devicePixelRatio || 1;
      c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
      c.style.width = w + 'px'; c.style.height = h + 'px';
      L.DomUtil.setPosition(c, topLeft);
      this._center = map.getCenter(); this._zoom = map.getZoom();
      this._topLeft = topLeft;
      var origin = map.getPixelOrigin().add(topLeft);
      var k = map.options.crs.scale(this._zoom) / map.options.crs.scale(0);
      var d = this._d, n = this.count, x = this._x, y = this._y, r = d.r;
      var ctx = c.getContext('2d');
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      var sx = new Float32Array(n), sy = new Float32Array(n), shown = new Int32Array(n), m = 0;
      for (var i = 0; i < n; i++) {
        var px = x[i] * k - origin.x, py = y[i] * k - origin.y, ri = r[i] + 5;
        if (px < -ri || py < -ri || px > w + ri || py > h + ri) { continue; }
        sx[i] = px; sy[i] = py; shown[m++] = i;
      }
      ctx.lineWidth = this.options.ring ? 2.2 : 0.8;
      // rows come sorted by (radius, colour): one path per run of equal radius and colour
      var run = null, runR = -1;
      for (var q = 0; q < m; q++) {
        var j = shown[q], col = d.s ? d.s[j] : 0, rj = r[j];
        if (col !== run || rj !== runR) {
          if (run !== null) { this._flush(ctx, run); }
          run = col; runR = rj;
          ctx.beginPath();
        }
        var rad = this.options.ring ? rj + 4 : rj;
        ctx.moveTo(sx[j] + rad, sy[j]);
        ctx.arc(sx[j], sy[j], rad, 0, 2 * Math.PI);
      }
      if (run !== null) { this._flush(ctx, run); }
      this._sx = sx; this._sy = sy;
      this.painted = m;
      if (this.options.interactive) { this._index(shown, m, w, h); }
    },
    _flush: function (ctx, col) {
      if (this.options.ring) {
        ctx.strokeStyle = this._d.color; ctx.globalAlpha = 1; ctx.stroke();
        return;
      }
      // in a split model an account without a row in the team shown is faint (not uncovered)
      ctx.globalAlpha = col < 0 && this._d.ts ? 0.25 : 0.85;
      ctx.fillStyle = col >= 0 ? this._d.colors[col] : '#6b7280';
      ctx.fill();
      ctx.globalAlpha = 0.9;
      ctx.strokeStyle = '#ffffff';
      ctx.stroke();
    },
    _index: function (shown, m, w, h) {
      // counting sort of the painted points into GRID-pixel cells (draw order kept)
      var cols = Math.ceil(w / GRID) + 1, rows = Math.ceil(h / GRID) + 1;
      var start = new Int32Array(cols * rows + 1), cell = new Int32Array(m);
      for (var q = 0; q < m; q++) {
        var j = shown[q];
        var cx = Math.min(cols - 1, Math.max(0, Math.floor(this._sx[j] / GRID)));
        var cy = Math.min(rows - 1, Math.max(0, Math.floor(this._sy[j] / GRID)));
        cell[q] = cx + cy * cols;
        start[cell[q] + 1]++;
      }
      for (var t = 0; t < cols * rows; t++) { start[t + 1] += start[t]; }
      var fill = start.slice(0, cols * rows), items = new Int32Array(m);
      for (q = 0; q < m; q++) { items[fill[cell[q]]++] = shown[q]; }
      this._cells = {cols: cols, rows: rows, start: start, items: items};
    },
    _hit: function (cp) {
      var g = this._cells;
      if (!g || !this._map) { return -1; }
      var p = this._map.containerPointToLayerPoint(cp).subtract(this._topLeft);
      var cx = Math.floor(p.x / GRID), cy = Math.floor(p.y / GRID), best = -1;
      for (var yy = cy - 1; yy <= cy + 1; yy++) {
        if (yy < 0 || yy >= g.rows) { continue; }
        for (var xx = cx - 1; xx <= cx + 1; xx++) {
          if (xx < 0 || xx >= g.cols) { continue; }
          var c = xx + yy * g.cols;
          for (var t = g.start[c]; t < g.start[c + 1]; t++) {
            var j = g.items[t], dx = this._sx[j] - p.x, dy = this._sy[j] - p.y, rr = this._d.r[j] + 1;
            if (dx * dx + dy * dy <= rr * rr && j > best) { best = j; }
          }
        }
      }
      return best;
    }
  });
  return window.AllocatePoints;
};
</script>
"""


class JsonLayer(Layer):
    """A feature group filled by a script from one JSON payload (base class)."""

    def __init__(self, name: str, payload: Any, show: bool = True, overlay: bool = True) -> None:
        super().__init__(name=esc(name), overlay=overlay, control=True, show=show)
        self._name = type(self).__name__
        self.payload = js_data(payload)


class AccountLayer(JsonLayer):
    """Accounts of one group as an ``AllocatePoints`` canvas layer (see :data:`POINTS_JS`).

    Payload (columns, one entry per account, sorted by radius then colour so that large accounts
    are drawn last): ``lat, lon, r`` (radius px), ``s`` (seller = colour index, -1 none),
    ``st`` (stage index), ``tr`` (travel minutes, -1 n/a), ``names, ids, pot, pl`` (product-line
    combination index), ``grp`` (group index, -1 none), ``cur`` (today's seller); lookup tables
    ``colors, sellers, segments, stages, lines, groups``; ``seg`` is the segment of the layer.
    User strings are raw here: the page sets them with ``textContent`` only. The payload sits
    in a ``<script type="application/json">`` block: ``JSON.parse`` reads it about twice as
    fast as V8 compiles the same object literal.
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <script type="application/json" id="{{ this.get_name() }}_data">{{ this.payload }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new (window.allocatePointsClass())(
          JSON.parse(document.getElementById({{ (this.get_name() ~ '_data')|tojson }}).textContent));
        {% endmacro %}
        """
    )


class HighlightLayer(JsonLayer):
    """Rings around accounts (e.g. those that change owner); payload ``color, lat, lon, r``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new (window.allocatePointsClass())({{ this.payload }},
          {ring: true, interactive: false, pane: 'allocateRings', zIndex: 455,
           className: 'allocate-rings'});
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
            l.bindTooltip(f.properties.tip, {sticky: true, opacity: 0.97, className: 'allocate-under-tip'});
            l.on('mouseover', function () { l.setStyle({fillOpacity: 0.38, weight: 3}); });
            l.on('mouseout', function () { l.setStyle({fillOpacity: 0.22, weight: 2}); });
          }
        });
        {% endmacro %}
        """
    )


class OutlineLayer(JsonLayer):
    """Dashed outlines without fill (e.g. the area whose owner changes); payload: GeoJSON with
    ``color`` and escaped ``tip`` properties."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ this.payload }}, {
          style: function (f) { return {color: f.properties.color, weight: 3, opacity: 0.95,
                                         dashArray: '6 4', fill: false}; },
          onEachFeature: function (f, l) {
            l.bindTooltip(f.properties.tip, {sticky: true, opacity: 0.97, className: 'allocate-under-tip'});
          }
        });
        {% endmacro %}
        """
    )


class BorderLayer(JsonLayer):
    """Lines without fill and without tooltips (the borders of one level of a design); payload:
    GeoJSON of (multi)line strings; ``style`` (colour, weight, opacity) is the same for all."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ this.payload }}, {
          style: function () { return {{ this.style }}; }, interactive: false
        });
        {% endmacro %}
        """
    )

    def __init__(self, name: str, payload: Any, style: dict[str, Any], show: bool = True) -> None:
        super().__init__(name, payload, show=show)
        self.style = js_data({**style, "fill": False})


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
          {{ this.get_name() }}.bindTooltip(function (l) { return l.allocateTip; },
            {sticky: true, className: 'allocate-under-tip'});
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


class TeamSwitch(MacroElement):
    """Shows one team everywhere when its territories are picked in the layer control.

    On ``baselayerchange`` to the layer called ``layer_names[k]``: the legend rows of the
    other teams are hidden (rows carry ``data-team``, see
    :func:`~allocate.publish.maps.legend.legend_html`), and account layers that carry ``ts``
    (an owner per team, split models) take ``ts[k]`` as their colours and redraw.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }}, names = {{ this.names }}, teams = {{ this.teams }};
          map.on('baselayerchange', function (e) {
            var k = names.indexOf(e.name);
            if (k < 0) { return; }
            var box = map.getContainer(), n = 0;
            box.querySelectorAll('tr[data-team]').forEach(function (row) {
              var mine = row.getAttribute('data-team') === teams[k];
              row.style.display = mine ? '' : 'none';
              if (mine) { n++; }
            });
            box.querySelectorAll('.allocate-team-n').forEach(function (el) { el.textContent = n; });
            map.eachLayer(function (l) {
              if (l._d && l._d.ts) { l._d.s = l._d.ts[k]; if (l._draw) { l._draw(); } }
            });
            map.allocateTeam = teams[k];
          });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, layer_names: list[str], teams: list[str]) -> None:
        super().__init__()
        self._name = "TeamSwitch"
        # folium hands the layer control the escaped names: compare with those
        self.names = js_data([esc(n) for n in layer_names])
        self.teams = js_data(list(teams))


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
