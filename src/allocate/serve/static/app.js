/* allocate serve: the territory editor page. Plain JS + Leaflet, served inline.
 * Every string that comes from the data (names, ids, messages) is written with textContent
 * or as a DOM text node, never parsed as HTML. */
(function () {
  "use strict";
  var TOKEN = new URLSearchParams(location.search).get("token");
  var S = { st: null, map: null, team: null, selected: new Set(), idx: {}, acc: null, owner: {}, locked: {},
            colors: {}, names: {}, job: null, pollTimer: null, layer: null, bases: null, marks: null };

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { e.textContent = attrs[k]; }
      else if (k === "cls") { e.className = attrs[k]; }
      else if (k === "style") { e.setAttribute("style", attrs[k]); }
      else { e.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  function clear(e) { while (e.firstChild) { e.removeChild(e.firstChild); } }
  function fmt(x, d) { return (x === null || x === undefined || !isFinite(x)) ? "–" : Number(x).toFixed(d === undefined ? 1 : d); }
  function say(text, bad) { var s = $("status"); s.textContent = text; s.style.color = bad ? "#b91c1c" : "#666"; }

  function api(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (TOKEN) { headers["X-Allocate-Token"] = TOKEN; }
    var opts = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) { opts.body = JSON.stringify(body); }
    var url = path + (TOKEN ? (path.indexOf("?") < 0 ? "?" : "&") + "token=" + encodeURIComponent(TOKEN) : "");
    return fetch(url, opts).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { var err = new Error(data.detail || r.statusText); err.status = r.status; throw err; }
        return data;
      });
    });
  }
  function teamQ() { return S.team === null ? "" : "?team=" + encodeURIComponent(S.team); }

  // ---------------------------------------------------------------- map
  // All accounts are drawn on one canvas (20,000 Leaflet markers would take seconds to
  // create); clicks, hovers and selections find the nearest point in screen space.
  var Points = L.Layer.extend({
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "allocate-points leaflet-zoom-hide");
      map.getPanes().overlayPane.appendChild(this._canvas);
      map.on("moveend zoomend resize viewreset", this.redraw, this);
      this.redraw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize viewreset", this.redraw, this);
    },
    redraw: function () {
      var map = this._map; if (!map) { return; }
      var size = map.getSize(), c = this._canvas, ratio = window.devicePixelRatio || 1;
      c.width = size.x * ratio; c.height = size.y * ratio;
      c.style.width = size.x + "px"; c.style.height = size.y + "px";
      L.DomUtil.setPosition(c, map.containerPointToLayerPoint([0, 0]));
      var ctx = c.getContext("2d"); ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      var A = S.acc, n = A.id.length;
      // Web Mercator by hand (S.mx, S.my in [0, 1], computed once per load): 20,000
      // latLngToContainerPoint calls would allocate 40,000 objects per redraw
      var scale = map.options.crs.scale(map.getZoom()), org = map.getPixelOrigin(), c0 = map.containerPointToLayerPoint([0, 0]);
      var ox = org.x + c0.x, oy = org.y + c0.y;
      S.px = new Float32Array(n); S.py = new Float32Array(n);
      var byColor = {}, sel = [], locked = [];
      for (var i = 0; i < n; i++) {
        var x = S.mx[i] * scale - ox, y = S.my[i] * scale - oy;
        S.px[i] = x; S.py[i] = y;
        if (x < -10 || y < -10 || x > size.x + 10 || y > size.y + 10) { continue; }
        var id = A.id[i], col = S.colors[S.owner[id]] || "#999";
        (byColor[col] = byColor[col] || []).push(i);
        if (S.selected.has(id)) { sel.push(i); } else if (S.locked[id]) { locked.push(i); }
      }
      var r = map.getZoom() >= 9 ? 5 : 3.5;
      Object.keys(byColor).forEach(function (col) {
        ctx.beginPath(); ctx.fillStyle = col;
        byColor[col].forEach(function (i) { ctx.moveTo(S.px[i] + r, S.py[i]); ctx.arc(S.px[i], S.py[i], r, 0, 6.2832); });
        ctx.fill();
      });
      ctx.lineWidth = 1.5; ctx.strokeStyle = "#000"; ctx.beginPath();
      locked.forEach(function (i) { ctx.moveTo(S.px[i] + r, S.py[i]); ctx.arc(S.px[i], S.py[i], r, 0, 6.2832); });
      ctx.stroke();
      ctx.lineWidth = 2.5; ctx.strokeStyle = "#111"; ctx.beginPath();
      sel.forEach(function (i) { ctx.moveTo(S.px[i] + r + 2, S.py[i]); ctx.arc(S.px[i], S.py[i], r + 2, 0, 6.2832); });
      ctx.stroke();
      S.painted = n;
    }
  });
  var pending = false;
  function repaint() {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(function () { pending = false; if (S.layer) { S.layer.redraw(); } });
  }
  function nearest(pt, within) {
    var best = -1, bd = within * within;
    if (!S.px) { return -1; }
    for (var i = 0; i < S.px.length; i++) {
      var dx = S.px[i] - pt.x, dy = S.py[i] - pt.y, d = dx * dx + dy * dy;
      if (d <= bd) { bd = d; best = i; }
    }
    return best;
  }

  // unit outlines, filled with the colour of the seller holding most of their accounts
  function countUnit(u, seller, k) {
    var c = S.unitCount[u] = S.unitCount[u] || {};
    c[seller] = (c[seller] || 0) + k;
    if (c[seller] <= 0) { delete c[seller]; }
  }
  function unitOwner(u) {
    var c = S.unitCount[u], best = null, n = 0;
    if (!c) { return null; }
    Object.keys(c).forEach(function (s) { if (c[s] > n) { n = c[s]; best = s; } });
    return best;
  }
  function unitStyle(u) {
    var o = unitOwner(u), hit = S.cmpUnits && S.cmpUnits[u];
    return { fillColor: o ? (S.colors[o] || "#999") : "#fff", fillOpacity: o ? 0.28 : 0.05,
             color: hit ? "#c026d3" : "#fff", weight: hit ? 2.5 : 0.6, opacity: hit ? 1 : 0.9 };
  }
  function recolorUnits(list) {
    if (!S.unitLayers) { return; }
    (list || Object.keys(S.unitLayers)).forEach(function (u) { var l = S.unitLayers[u]; if (l) { l.setStyle(unitStyle(u)); } });
  }
  function loadUnits() {
    return api("GET", "/api/units").then(function (g) {
      if (!g.features.length) { return; }
      S.unitLayers = {};
      var r = L.canvas({ pane: "units", padding: 0.3 });
      S.unitLayer = L.geoJSON(g, { pane: "units", renderer: r, interactive: false,
        style: function (f) { return unitStyle(f.id); },
        onEachFeature: function (f, l) { S.unitLayers[f.id] = l; } });
      S.unitLayer.addTo(S.map);
    });
  }

  function initMap() {
    S.map = L.map("map", { boxZoom: false, zoomSnap: 0.25, attributionControl: false });
    S.renderer = L.canvas({ padding: 0.3, tolerance: 4 });
    S.map.setView([46.5, 2.5], 5);
    S.map.createPane("units").style.zIndex = 350;  // under the accounts (overlay pane: 400)
    S.tip = L.tooltip({ direction: "top", offset: [0, -6] });
    // a click selects the account under the mouse, else the accounts of the unit under it
    S.map.on("click", function (ev) {
      if (S.dragged) { return; }  // the end of a box or lasso is no click
      var i = nearest(ev.containerPoint, 7), shift = ev.originalEvent && ev.originalEvent.shiftKey;
      if (i >= 0) { clickAccount(S.acc.id[i], shift); return; }
      var u = unitAt(ev.latlng);
      if (u !== null) { selectUnit(u, shift); }
    });
    S.map.on("contextmenu", function (ev) {
      var b = nearestBases(ev.containerPoint);
      if (b.length === 1) { assignTo(b[0]); return; }
      if (b.length > 1) { chooseBase(ev.latlng, b); return; }
      var i = nearest(ev.containerPoint, 7);
      if (i >= 0) { assignTo(S.owner[S.acc.id[i]]); }
    });
    S.map.on("mousemove", function (ev) {
      var i = nearest(ev.containerPoint, 7);
      if (i < 0) { S.map.closeTooltip(S.tip); return; }
      showTip(S.acc.id[i]);
    });
    setupSelection();
  }
  // the sellers whose base is under the mouse (several sellers may share a town's office)
  function nearestBases(pt) {
    var found = [];
    (S.sellerList || []).forEach(function (s) {
      var p = S.map.latLngToContainerPoint([s.lat, s.lon]);
      if (Math.abs(p.x - pt.x) <= 9 && Math.abs(p.y - pt.y) <= 9) { found.push(s.id); }
    });
    return found;
  }
  // a shared base: the user picks the seller from a small list, never a silent guess
  function chooseBase(latlng, ids) {
    var box = el("div", { cls: "base-choice" }, [el("div", { text: "Give the selection to:" })]);
    var pop = L.popup({ closeButton: true, autoPan: false }).setLatLng(latlng);
    ids.forEach(function (id) {
      var btn = el("button", { type: "button", "data-seller": id, text: S.names[id] || id });
      btn.addEventListener("click", function () { S.map.closePopup(pop); assignTo(id); });
      box.appendChild(el("div", {}, [btn]));
    });
    pop.setContent(box).openOn(S.map);
  }
  function showTip(id) {
    var i = S.idx[id]; if (i === undefined) { return; }
    var A = S.acc;
    S.tip.setLatLng([A.lat[i], A.lon[i]]);
    S.tip.setContent(el("span", { text: A.name[i] + " · " + id + " · " + (S.names[S.owner[id]] || S.owner[id]) + (S.locked[id] ? " · locked" : "") }));
    S.map.openTooltip(S.tip);
  }

  function loadMap() { return api("GET", "/api/map" + teamQ()).then(applyMap); }
  function applyMap(d) {
    {
      S.team = d.team;
      if (S.layer) { S.map.removeLayer(S.layer); }
      if (S.bases) { S.map.removeLayer(S.bases); }
      S.acc = d.accounts; S.idx = {}; S.owner = {}; S.locked = {}; S.colors = {}; S.names = {}; S.sellerList = d.sellers;
      d.sellers.forEach(function (s) { S.colors[s.id] = s.color; S.names[s.id] = s.name; });
      var a = d.accounts;
      var n = a.id.length;
      S.unitCount = {};
      S.mx = new Float64Array(n); S.my = new Float64Array(n);
      for (var i = 0; i < n; i++) {
        S.idx[a.id[i]] = i; S.owner[a.id[i]] = a.seller[i]; S.locked[a.id[i]] = !!a.locked[i];
        if (a.unit[i] >= 0) { countUnit(a.unit[i], a.seller[i], 1); }
        // EPSG:3857 (the map's CRS) scaled to [0, 1], as L.CRS.EPSG3857 does it
        var lat = Math.max(-85.0511287798, Math.min(85.0511287798, a.lat[i])) * Math.PI / 180;
        S.mx[i] = a.lon[i] / 360 + 0.5;
        S.my[i] = 0.5 - Math.log(Math.tan(Math.PI / 4 + lat / 2)) / (2 * Math.PI);
      }
      S.bases = L.layerGroup();
      d.sellers.forEach(function (s) {
        var b = L.circleMarker([s.lat, s.lon], { renderer: S.renderer, radius: 8, fillColor: s.color, fillOpacity: 1, color: "#111", weight: 2 });
        b.bindTooltip(el("span", { text: s.name + " (" + s.role + ") base" }));
        S.bases.addLayer(b);
      });
      S.selected.clear();
      if (d.bounds) { S.map.fitBounds(d.bounds, { padding: [20, 20], animate: false }); }
      S.layer = new Points(); S.layer.addTo(S.map); S.bases.addTo(S.map);
      updateSelection();
      recolorUnits(null);
      document.body.setAttribute("data-map-ready", "1");
    }
  }

  function unitAt(ll) {
    if (!S.unitLayers) { return null; }
    var keys = Object.keys(S.unitLayers);
    for (var k = 0; k < keys.length; k++) {
      var l = S.unitLayers[keys[k]];
      if (l.getBounds && l.getBounds().contains(ll) && inPolygons(l.getLatLngs(), ll)) { return Number(keys[k]); }
    }
    return null;
  }
  // Leaflet's rings: [outer, hole...] for a polygon, a list of those for a multipolygon
  function inPolygons(rings, ll) {
    if (!rings.length) { return false; }
    if (Array.isArray(rings[0]) && Array.isArray(rings[0][0])) {
      return rings.some(function (poly) { return inPolygons(poly, ll); });
    }
    if (!Array.isArray(rings[0])) { return polyTest(rings)(ll); }
    if (!polyTest(rings[0])(ll)) { return false; }
    return !rings.slice(1).some(function (hole) { return polyTest(hole)(ll); });
  }
  function selectUnit(u, shift) {
    if (!shift) { S.selected.clear(); }
    var A = S.acc, n = 0;
    for (var i = 0; i < A.id.length; i++) { if (A.unit[i] === u) { S.selected.add(A.id[i]); n++; } }
    repaint(); updateSelection();
    say(n + " account(s) of the unit " + (shift ? "added to the selection" : "selected"));
  }
  function clickAccount(id, shift) {
    if (shift) {
      if (S.selected.has(id)) { S.selected.delete(id); } else { S.selected.add(id); }
    } else {
      S.selected.clear(); S.selected.add(id);
    }
    repaint(); updateSelection();
  }

  // box (shift-drag) and lasso selection
  function setupSelection() {
    var map = S.map, pts = null, shape = null, box = false, start = null;
    map.getContainer().addEventListener("contextmenu", function (e) { e.preventDefault(); });
    map.on("mousedown", function (ev) {
      var lasso = $("lasso").checked;
      if (!(ev.originalEvent.shiftKey || lasso)) { return; }
      box = !lasso; pts = [ev.latlng]; start = ev.containerPoint; map.dragging.disable();
      shape = box ? L.rectangle(L.latLngBounds(ev.latlng, ev.latlng), { color: "#111", weight: 1, dashArray: "4", fill: false })
                  : L.polyline([ev.latlng], { color: "#111", weight: 1, dashArray: "4" });
      shape.addTo(map);
    });
    map.on("mousemove", function (ev) {
      if (!pts) { return; }
      if (box) { pts[1] = ev.latlng; shape.setBounds(L.latLngBounds(pts[0], ev.latlng)); }
      else { pts.push(ev.latlng); shape.addLatLng(ev.latlng); }
    });
    map.on("mouseup", function (ev) {
      if (!pts) { return; }
      map.dragging.enable();
      if (box && ev.containerPoint.distanceTo(start) < 4) {
        // a shift-click, not a drag: the click handler adds the account or unit under it
        map.removeLayer(shape); pts = null; shape = null; return;
      }
      if (box) { pts[1] = ev.latlng; }
      var inside = box ? boxTest(L.latLngBounds(pts[0], pts[1])) : polyTest(pts);
      map.removeLayer(shape); pts = null; shape = null;
      S.dragged = true; setTimeout(function () { S.dragged = false; }, 50);
      var add = 0, A = S.acc;
      for (var i = 0; i < A.id.length; i++) {
        if (!S.selected.has(A.id[i]) && inside(L.latLng(A.lat[i], A.lon[i]))) { S.selected.add(A.id[i]); add++; }
      }
      repaint(); updateSelection();
      say(add + " account(s) added to the selection");
    });
  }
  function boxTest(b) { return function (ll) { return b.contains(ll); }; }
  function polyTest(poly) {
    return function (ll) {
      var x = ll.lng, y = ll.lat, inside = false;
      for (var i = 0, j = poly.length - 1; i < poly.length; j = i++) {
        var xi = poly[i].lng, yi = poly[i].lat, xj = poly[j].lng, yj = poly[j].lat;
        if (((yi > y) !== (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi)) { inside = !inside; }
      }
      return inside;
    };
  }
  function updateSelection() { $("selcount").textContent = S.selected.size + " selected"; }

  // ---------------------------------------------------------------- state
  function applyChanges(changes) {
    var units = {};
    (changes || []).forEach(function (c) {
      var i = S.idx[c.account_id];
      if (i !== undefined && S.acc.unit[i] >= 0) {
        countUnit(S.acc.unit[i], S.owner[c.account_id], -1); countUnit(S.acc.unit[i], c.seller_id, 1); units[S.acc.unit[i]] = true;
      }
      S.owner[c.account_id] = c.seller_id; S.locked[c.account_id] = c.locked;
    });
    recolorUnits(Object.keys(units));
    repaint();
  }
  function render(st) {
    S.st = st;
    S.dirty = Object.keys(st.totals_delta).some(function (k) { var d = st.totals_delta[k]; return d !== null && Math.abs(d) > 1e-9; });
    $("source").textContent = "model " + st.model + " · from " + st.source + " · version " + st.version;
    $("undo").disabled = !st.can_undo; $("redo").disabled = !st.can_redo;
    renderTeams(st); renderTarget(st); renderSellers(st); renderTotals(st); renderBreaches(st);
  }
  function renderTeams(st) {
    var box = $("teams"); clear(box);
    if (st.teams.length < 2) { return; }
    st.teams.forEach(function (t) {
      var r = el("input", { type: "radio", name: "team", value: t });
      r.checked = (t === st.team);
      r.addEventListener("change", function () { S.team = t; refresh(true); });
      box.appendChild(el("label", {}, [r, " " + t]));
    });
  }
  function renderTarget(st) {
    var sel = $("target"), keep = sel.value; clear(sel);
    st.sellers.forEach(function (s) { sel.appendChild(el("option", { value: s.seller_id, text: s.name + " (" + s.seller_id + ")" })); });
    if (keep) { sel.value = keep; }
  }
  // the change since the last save under each figure; once anything changed, an unchanged
  // figure says so (±0) rather than leaving a blank
  function delta(v, d, digits, invert) {
    if (d === null || d === undefined || !isFinite(d)) { return el("span", { cls: "delta", text: "" }); }
    if (Number(fmt(Math.abs(d), digits)) === 0) { return el("span", { cls: "delta", text: S.dirty ? "±0" : "" }); }
    var up = d > 0;
    return el("span", { cls: "delta " + ((up !== !!invert) ? "up" : "down"), text: (up ? "+" : "") + fmt(d, digits) });
  }
  function cell(v, d, digits) { return el("td", {}, [fmt(v, digits), delta(v, d, digits)]); }
  function renderSellers(st) {
    var tb = $("sellers").querySelector("tbody"); clear(tb);
    st.sellers.forEach(function (s) {
      var over = s.workload_h > s.capacity_h + 1e-6;
      var frac = Math.min(1.3, s.workload_h / Math.max(s.capacity_h, 1e-9));
      var bar = el("div", { cls: "bar", title: fmt(s.workload_h) + " of " + fmt(s.capacity_h) + " h/week" },
        [el("i", { cls: over ? "over" : "", style: "width:" + (frac / 1.3 * 100).toFixed(1) + "%" }),
         el("b", { style: "left:" + (1 / 1.3 * 100).toFixed(1) + "%" })]);
      var wl = el("td", {}, [fmt(s.workload_h) + " / " + fmt(s.capacity_h, 0), bar, delta(s.workload_h, s.delta.workload_h, 1)]);
      var tr = el("tr", { cls: over ? "over" : "", "data-seller": s.seller_id }, [
        el("td", {}, [el("span", { cls: "swatch", style: "background:" + (S.colors[s.seller_id] || "#999") })]),
        el("td", { text: s.name }), wl,
        el("td", {}, [fmt(100 * s.utilization, 0) + "%", delta(0, 100 * s.delta.utilization, 0)]),
        cell(s.travel_h, s.delta.travel_h, 1), cell(s.potential / 1000, s.delta.potential / 1000, 0),
        cell(s.accounts, s.delta.accounts, 0), cell(s.moves_in, s.delta.moves_in, 0)]);
      tr.addEventListener("click", function () { $("target").value = s.seller_id; });
      tb.appendChild(tr);
    });
  }
  var TOTALS = [["total_travel_h", "travel h/week", 1], ["total_workload_h", "workload h/week", 1],
    ["workload_cv", "workload CV", 3], ["workload_max_min", "workload max/min", 2], ["moves", "accounts moved", 0],
    ["overloaded_sellers", "overloaded sellers", 0], ["split_territories", "split territories", 0],
    ["locked_items", "locked", 0], ["edited_items", "edited since opened", 0]];
  function renderTotals(st) {
    var t = $("totals"); clear(t);
    TOTALS.forEach(function (k) {
      t.appendChild(el("tr", { "data-total": k[0] }, [el("td", { text: k[1] }), cell(st.totals[k[0]], st.totals_delta[k[0]], k[2])]));
    });
  }
  function renderBreaches(st) {
    var ul = $("breaches"); clear(ul);
    $("nbreach").textContent = st.breaches.length ? "(" + st.breaches.length + ")" : "";
    if (!st.breaches.length) { ul.appendChild(el("li", { cls: "none", text: "none broken" })); return; }
    st.breaches.forEach(function (b) {
      var li = el("li", { cls: b.new ? "new" : "", "data-rule": b.rule, text: (b.new ? "NEW · " : "") + b.message });
      if (b.account_ids.length) {
        li.title = b.account_ids.join(", ");
        li.addEventListener("click", function () { selectIds(b.account_ids); });
      }
      ul.appendChild(li);
    });
  }
  function selectIds(ids) {
    S.selected.clear();
    ids.forEach(function (id) { if (S.idx[id] !== undefined) { S.selected.add(id); } });
    repaint(); updateSelection();
  }
  function refresh(withMap) {
    if (!withMap) { return api("GET", "/api/state" + teamQ()).then(render); }
    // state and map in parallel; the map first, so the panel gets the sellers' colours
    return Promise.all([api("GET", "/api/state" + teamQ()), api("GET", "/api/map" + teamQ())])
      .then(function (both) {
        performance.mark("allocate-data");
        applyMap(both[1]); performance.mark("allocate-map"); render(both[0]); performance.mark("allocate-panel");
        // first paint: every account drawn and two frames on screen
        requestAnimationFrame(function () { requestAnimationFrame(function () { performance.mark("allocate-painted"); }); });
      });
  }
  function handle(err) {
    say(err.message, true);
    if (err.status === 409) { refresh(true); }
  }

  // ---------------------------------------------------------------- actions
  function assignTo(sellerId) {
    if (!S.selected.size) { say("select accounts first", true); return; }
    var ids = Array.from(S.selected);
    api("POST", "/api/assign", { account_ids: ids, seller_id: sellerId, version: S.st.version, team: S.team })
      .then(function (st) { applyChanges(st.changes); render(st); say(ids.length + " account(s) given to " + (S.names[sellerId] || sellerId)); })
      .catch(handle);
  }
  function post(path, body, withMap) {
    return api("POST", path, body).then(function (st) { if (withMap) { S.team = st.team; return loadMap().then(function () { render(st); }); } applyChanges(st.changes); render(st); }).catch(handle);
  }
  function lockSel(flag) {
    if (!S.selected.size) { say("select accounts first", true); return; }
    post("/api/lock", { account_ids: Array.from(S.selected), locked: flag, version: S.st.version, team: S.team });
  }

  function startJob(path, body) {
    api("POST", path, body).then(function (r) {
      S.job = r.job_id; $("cancel").disabled = false; $("optimize").disabled = true; $("solve").disabled = true;
      $("proposal").hidden = true; $("opt-panel").open = true; poll();
    }).catch(handle);
  }
  function poll() {
    if (!S.job) { return; }
    api("GET", "/api/jobs/" + S.job).then(function (j) {
      $("progress").value = j.progress;
      if (j.status === "running") { say("solving… " + fmt(j.elapsed_s, 1) + " s"); S.pollTimer = setTimeout(poll, 300); return; }
      $("cancel").disabled = true; $("optimize").disabled = false; $("solve").disabled = false;
      if (j.status === "done") { showProposal(j); say("proposal ready"); }
      else { say(j.status + (j.message ? ": " + j.message : ""), j.status === "failed"); S.job = null; }
    }).catch(handle);
  }
  function showProposal(j) {
    var p = j.proposal, now = S.st.totals;
    $("proposal").hidden = false;
    $("proposal-text").textContent = p.moves + " change(s) proposed (" + p.status + ", " + fmt(p.wall_s, 1) + " s" +
      (p.free_items ? ", the " + p.free_items + " items nearest to your edits re-optimized" : "") + ")" +
      (p.locks_not_applied.length ? "; locks not applied: " + p.locks_not_applied.length : "");
    var t = $("proposal-totals"); clear(t);
    t.appendChild(el("tr", {}, [el("th", { text: "" }), el("th", { text: "now" }), el("th", { text: "proposed" })]));
    [["total_travel_h", "travel h/week", 1], ["moves", "accounts moved", 0], ["overloaded_sellers", "overloaded", 0]].forEach(function (k) {
      t.appendChild(el("tr", {}, [el("td", { text: k[1] }), el("td", { text: fmt(now[k[0]], k[2]) }), el("td", { text: fmt(p.totals[k[0]], k[2]) })]));
    });
    t.appendChild(el("tr", {}, [el("td", { text: "workload CV" }), el("td", { text: fmt(now.workload_cv, 3) }), el("td", { text: fmt(p.totals.workload.cv, 3) })]));
    var ul = $("proposal-list"); clear(ul);
    p.changes.slice(0, 200).forEach(function (c) {
      ul.appendChild(el("li", { text: c.account_id + (c.team ? " [" + c.team + "]" : "") + ": " + (S.names[c.from_seller] || c.from_seller) + " → " + (S.names[c.to_seller] || c.to_seller) }));
    });
    selectIds(p.changes.filter(function (c) { return !c.team || c.team === S.team; }).map(function (c) { return c.account_id; }));
  }

  function loadVersions() {
    return api("GET", "/api/versions").then(function (d) {
      var ul = $("versions"); clear(ul);
      var a = $("cmp-a"), b = $("cmp-b"); clear(a); clear(b);
      d.versions.forEach(function (v) {
        var open = el("button", { text: "open" }), pub = el("button", { text: "publish" });
        open.addEventListener("click", function () { post("/api/open", { name: v.name }, true).then(loadVersions); });
        pub.addEventListener("click", function () { api("POST", "/api/publish", { name: v.name }).then(function (r) { say("published " + r.path + " and " + r.report); }).catch(handle); });
        ul.appendChild(el("li", { "data-version": v.name }, [v.name + " · " + v.model + " · travel " + fmt(v.total_travel_h) + " · moves " + fmt(v.moves, 0) + (v.breaches ? " · " + v.breaches + " hard rule(s) broken" : "") + (v.name === d.current ? " (open)" : "") + " ", open, pub]));
        a.appendChild(el("option", { value: v.name, text: v.name })); b.appendChild(el("option", { value: v.name, text: v.name }));
      });
      if (d.versions.length > 1) { b.selectedIndex = d.versions.length - 1; }
    });
  }
  // two versions side by side: the panel's KPIs for each, the sellers' workload and accounts,
  // and on the map the units holding accounts that change owner outlined (rings only when few)
  var CMP = [["total_travel_h", "travel h/week", 1], ["total_workload_h", "workload h/week", 1],
    ["workload_cv", "workload CV", 3], ["workload_max_min", "workload max/min", 2], ["moves", "accounts moved", 0],
    ["overloaded_sellers", "overloaded sellers", 0], ["split_territories", "split territories", 0],
    ["breaches", "hard rules broken", 0]];
  function clearCompare() {
    if (S.marks) { S.map.removeLayer(S.marks); S.marks = null; }
    var had = S.cmpUnits; S.cmpUnits = null;
    if (had) { recolorUnits(Object.keys(had)); }
    clear($("comparison"));
  }
  function compare() {
    api("GET", "/api/compare?a=" + encodeURIComponent($("cmp-a").value) + "&b=" + encodeURIComponent($("cmp-b").value)).then(function (c) {
      clearCompare();
      var box = $("comparison");
      var t = el("table", { id: "cmp-totals" });
      t.appendChild(el("tr", {}, [el("th", { text: "" }), el("th", { text: c.a.name }), el("th", { text: c.b.name }), el("th", { text: "change" })]));
      CMP.forEach(function (k) {
        var va = c.a[k[0]], vb = c.b[k[0]], d = (isFinite(va) && isFinite(vb) && va !== null && vb !== null) ? vb - va : null;
        t.appendChild(el("tr", { "data-total": k[0] }, [el("td", { text: k[1] }), el("td", { text: fmt(va, k[2]) }), el("td", { text: fmt(vb, k[2]) }), el("td", {}, [delta(0, d, k[2])])]));
      });
      box.appendChild(t);
      var mine = c.changes.filter(function (x) { return !x.team || x.team === S.team; });
      box.appendChild(el("p", { id: "cmp-count", text: c.changed + " account row(s) change owner between the two" +
        (c.changed !== mine.length ? " (" + mine.length + " in team " + S.team + ")" : "") + ": their units are outlined on the map" +
        (c.by_account ? " (the two models split accounts differently: each account's first owner is compared)" : "") }));
      var sb = {}; c.sellers_b.forEach(function (r) { sb[r.seller_id] = r; });
      var st = el("table", { id: "cmp-sellers" });
      st.appendChild(el("tr", {}, [el("th", { text: "" }), el("th", { text: "seller" }), el("th", { text: "workload " + c.a.name }),
        el("th", { text: "workload " + c.b.name }), el("th", { text: "acc. " + c.a.name }), el("th", { text: "acc. " + c.b.name })]));
      c.sellers_a.forEach(function (r) {
        if (S.colors[r.seller_id] === undefined) { return; }  // another team's seller
        var q = sb[r.seller_id] || {};
        st.appendChild(el("tr", { "data-seller": r.seller_id }, [
          el("td", {}, [el("span", { cls: "swatch", style: "background:" + S.colors[r.seller_id] })]), el("td", { text: r.name || r.seller_id }),
          el("td", { text: fmt(r.workload_h, 1) }), el("td", {}, [fmt(q.workload_h, 1), delta(0, q.workload_h - r.workload_h, 1)]),
          el("td", { text: fmt(r.accounts, 0) }), el("td", {}, [fmt(q.accounts, 0), delta(0, q.accounts - r.accounts, 0)])]));
      });
      box.appendChild(st);
      var clr = el("button", { text: "Clear comparison", id: "cmp-clear" });
      clr.addEventListener("click", clearCompare);
      box.appendChild(clr);
      S.cmpUnits = {};
      var loose = [];
      mine.forEach(function (x) {
        var i = S.idx[x.account_id];
        if (i !== undefined && S.acc.unit[i] >= 0) { S.cmpUnits[S.acc.unit[i]] = true; } else { loose.push(x); }
      });
      recolorUnits(Object.keys(S.cmpUnits));
      // rings for accounts without a unit, and for all of them when they are few
      var ringed = mine.length <= 200 ? mine : loose;
      S.marks = L.layerGroup();
      ringed.forEach(function (x) { S.marks.addLayer(L.circleMarker([x.lat, x.lon], { renderer: S.renderer, radius: 6, fill: false, color: "#c026d3", weight: 1.5, interactive: false })); });
      S.marks.addTo(S.map);
      document.body.setAttribute("data-compared", String(c.changed));
    }).catch(handle);
  }
  function loadScenario() {
    return api("GET", "/api/scenario").then(function (s) {
      var m = $("sc-model"); clear(m);
      s.models.forEach(function (x) { m.appendChild(el("option", { value: x, text: x })); });
      m.value = s.model; $("sc-wl").value = s.workload_tolerance === null ? "" : s.workload_tolerance;
      $("sc-pot").value = s.potential_tolerance === null ? "" : s.potential_tolerance;
      $("sc-moves").value = s.max_moves === null ? "" : s.max_moves; $("sc-time").value = s.time_limit_s;
    });
  }
  function num(id) { var v = $(id).value; return v === "" ? null : Number(v); }

  function wire() {
    $("assign").addEventListener("click", function () { assignTo($("target").value); });
    $("undo").addEventListener("click", function () { post("/api/undo", { version: S.st.version, team: S.team }); });
    $("redo").addEventListener("click", function () { post("/api/redo", { version: S.st.version, team: S.team }); });
    $("reset").addEventListener("click", function () { post("/api/reset", { version: S.st.version, team: S.team }); });
    $("lockbtn").addEventListener("click", function () { lockSel(true); });
    $("unlockbtn").addEventListener("click", function () { lockSel(false); });
    $("clearsel").addEventListener("click", function () { selectIds([]); });
    $("lasso").addEventListener("change", function () { S.map.getContainer().classList.toggle("lasso", this.checked); });
    $("optimize").addEventListener("click", function () { startJob("/api/optimize", { time_limit_s: num("opt-time") || 4, max_moves: num("opt-moves") }); });
    $("solve").addEventListener("click", function () {
      startJob("/api/solve", { model: $("sc-model").value, workload_tolerance: num("sc-wl"), potential_tolerance: num("sc-pot"), max_moves: num("sc-moves"), time_limit_s: num("sc-time") });
    });
    $("cancel").addEventListener("click", function () { if (S.job) { api("POST", "/api/jobs/" + S.job + "/cancel").catch(handle); } });
    $("accept").addEventListener("click", function () {
      var id = S.job; S.job = null; $("proposal").hidden = true;
      api("POST", "/api/jobs/" + id + "/accept" + teamQ()).then(function (st) { S.team = st.team; return loadMap().then(function () { render(st); }); }).then(function () { say("proposal accepted"); }).catch(handle);
    });
    $("reject").addEventListener("click", function () {
      var id = S.job; S.job = null; $("proposal").hidden = true;
      api("POST", "/api/jobs/" + id + "/reject").then(function () { say("proposal rejected"); selectIds([]); }).catch(handle);
    });
    $("save").addEventListener("click", function () {
      api("POST", "/api/save", { name: $("save-name").value }).then(function (r) { say("saved as " + r.name); return refresh(false).then(loadVersions); }).catch(handle);
    });
    $("compare").addEventListener("click", compare);
    document.addEventListener("keydown", function (e) {
      if (e.target.tagName === "INPUT") { return; }
      if ((e.ctrlKey || e.metaKey) && e.key === "z") { $("undo").click(); }
      if ((e.ctrlKey || e.metaKey) && e.key === "y") { $("redo").click(); }
    });
  }

  // read-only handle for the browser tests and the first-paint benchmark
  window.AllocateServe = {
    state: S,
    count: function () { return S.acc ? S.acc.id.length : 0; },
    latLng: function (id) { var i = S.idx[id]; return i === undefined ? null : L.latLng(S.acc.lat[i], S.acc.lon[i]); },
    markerPoint: function (id) {
      var ll = this.latLng(id); if (!ll) { return null; }
      var p = S.map.latLngToContainerPoint(ll), r = S.map.getContainer().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    },
    showTip: showTip,
    // a page point inside unit u, 8 px or more from any account (the map is fitted to the unit)
    unitClickPoint: function (u) {
      var l = S.unitLayers && S.unitLayers[u]; if (!l) { return null; }
      S.map.fitBounds(l.getBounds(), { animate: false }); S.layer.redraw();
      var b = l.getBounds(), r = S.map.getContainer().getBoundingClientRect();
      var inside = function (ll) { return unitAt(ll) === u; };
      for (var a = 1; a < 20; a++) {
        for (var c = 1; c < 20; c++) {
          var ll = L.latLng(b.getSouth() + (b.getNorth() - b.getSouth()) * a / 20, b.getWest() + (b.getEast() - b.getWest()) * c / 20);
          var p = S.map.latLngToContainerPoint(ll);
          if (inside(ll) && nearest(p, 8) < 0) { return { x: r.left + p.x, y: r.top + p.y }; }
        }
      }
      return null;
    }
  };
  initMap(); wire();
  refresh(true).then(function () { return Promise.all([loadVersions(), loadScenario(), loadUnits()]); })
    .then(function () { document.body.setAttribute("data-ready", "1"); say("ready"); })
    .catch(function (e) { say(e.message, true); });
})();
