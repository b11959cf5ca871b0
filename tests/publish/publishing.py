"""Helpers shared by the map and report tests: a small instance with a hostile name, two runs,
and a headless Chromium that can reach nothing but local files."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd

XSS = "<img src=x onerror=alert(1)>"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def make_instance(folder: Path, n: int = 160) -> Path:
    """``n`` accounts around four French cities, four sellers, two multi-site groups.

    Written by hand (the generator loads every French town and takes ~10 s). Account 0 carries
    a script-injection name, account 1 a template-literal and ``</script>`` payload.
    """
    import numpy as np
    import yaml

    from allocate.core.nomenclature import default_nomenclature_dict

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    cities = [
        ("Paris", 48.8566, 2.3522),
        ("Lyon", 45.764, 4.8357),
        ("Bordeaux", 44.8378, -0.5792),
        ("Lille", 50.6292, 3.0573),
    ]
    roles = ["AE", "AE", "CSM", "generalist"]
    sellers = pd.DataFrame(
        {
            "seller_id": [f"S{k + 1}" for k in range(4)],
            "name": [f"Seller {c[0]}" for c in cities],
            "lat": [c[1] for c in cities],
            "lon": [c[2] for c in cities],
            "role": roles,
            "capacity_h": [40.0] * 4,
            "segments": [""] * 4,
            "product_lines": [""] * 4,
            "max_accounts": [""] * 4,
            "max_travel_min": [""] * 4,
        }
    )
    city = rng.integers(0, 4, n)
    segs = np.array(["micro", "small", "mid", "large"])[rng.choice(4, n, p=[0.5, 0.3, 0.15, 0.05])]
    group = np.array([""] * n, dtype=object)
    group[[10, 60, 110]] = "G1"
    group[[20, 70]] = "G2"
    accounts = pd.DataFrame(
        {
            "account_id": [f"A{k:04d}" for k in range(n)],
            "name": [f"Company {k}" for k in range(n)],
            "lat": np.round([cities[c][1] for c in city] + rng.normal(0, 0.6, n), 5),
            "lon": np.round([cities[c][2] for c in city] + rng.normal(0, 0.8, n), 5),
            "segment": segs,
            "potential": np.round(rng.lognormal(9.5, 1.0, n), 2),
            "stage": np.array(["lead", "prospect", "opportunity", "customer"])[
                rng.integers(0, 4, n)
            ],
            "product_lines": ["payroll"] * n,
            "group_id": group,
            "current_seller_id": [f"S{c + 1}" for c in city],
            "locked": ["false"] * n,
            "unit_id": [""] * n,
        }
    )
    accounts.loc[0, "name"] = XSS
    accounts.loc[1, "name"] = "Acme `${alert(2)}` </script><script>alert(3)</script>"
    accounts.to_csv(folder / "accounts.csv", index=False)
    sellers.to_csv(folder / "sellers.csv", index=False)
    (folder / "nomenclature.yaml").write_text(
        yaml.safe_dump(default_nomenclature_dict(), sort_keys=False)
    )
    return folder


def solve_run(instance: Path, model: str, out: Path) -> Path:
    from typer.testing import CliRunner

    from allocate.cli import app

    res = CliRunner().invoke(
        app,
        [
            "solve",
            str(instance),
            "--model",
            model,
            "--time-limit",
            "1",
            "--seed",
            "1",
            "--workers",
            "1",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    return out


def published_runs(tmp_path_factory: Any) -> dict[str, Path]:
    """The instance of :func:`make_instance` and its geography and size runs."""
    root = tmp_path_factory.mktemp("publish")
    inst = make_instance(root / "inst")
    return {
        "instance": inst,
        "geo": solve_run(inst, "geography", root / "run_geo"),
        "size": solve_run(inst, "size", root / "run_size"),
    }


def add_schedule_files(run: Path) -> None:
    """Small load/schedule/funnel files as the schedule helper writes them."""
    sellers = pd.read_csv(run / "sellers_kpis.csv")
    align = pd.read_csv(run / "alignment.csv")
    load, sched = [], []
    for k, (sid, cap) in enumerate(zip(sellers["seller_id"], sellers["capacity_h"], strict=True)):
        for w in (1, 2, 3):
            planned = cap * (0.7 + 0.2 * w) if k == 0 else cap * 0.5
            load.append((sid, w, planned, cap, planned / cap))
        accs = align.loc[align["seller_id"] == sid, "account_id"].tolist() or ["A000001"]
        for d in range(5):
            sched.append(
                (
                    sid,
                    accs[d % len(accs)],
                    "visit" if d % 2 else "call",
                    f"2025-03-{3 + d:02d}",
                    "09:30",
                    60,
                    20,
                )
            )
    pd.DataFrame(
        load, columns=["seller_id", "week", "planned_h", "capacity_h", "utilization"]
    ).to_csv(run / "load.csv", index=False)
    pd.DataFrame(
        sched,
        columns=[
            "seller_id",
            "account_id",
            "operation",
            "date",
            "start",
            "duration_min",
            "travel_min",
        ],
    ).to_csv(run / "schedule.csv", index=False)
    pd.DataFrame(
        {
            "week": [1, 2, 3],
            "contacts": [100, 90, 110],
            "offers": [30, 25, 35],
            "deals": [6, 5, 8],
            "margin": [12000, 9000, 16000],
        }
    ).to_csv(run / "funnel.csv", index=False)


def copy_run(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def open_browser(user_dir: Path) -> Any:
    """(playwright, context) for headless Chromium with every non-local request aborted."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    ctx = pw.chromium.launch_persistent_context(
        str(user_dir),
        executable_path=CHROMIUM,
        headless=True,
        args=ARGS,
        viewport={"width": 1400, "height": 900},
    )

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("file:", "data:", "about:", "http://localhost", "http://127.0.0.1")):
            r.continue_()
        else:
            r.abort()

    ctx.route("**/*", route)
    return pw, ctx


class PageWatch:
    """Records dialogs, page errors and console errors (tile loads that we blocked excepted)."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.blocked: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("console", self._console)
        page.on("requestfailed", lambda r: self.blocked.append(r.url))

    def _dialog(self, d: Any) -> None:
        self.dialogs.append(d.message)
        d.dismiss()

    def _console(self, m: Any) -> None:
        if m.type == "error" and "Failed to load resource" not in m.text:
            self.errors.append(m.text)


#: Leaflet objects of every map of the page (folium declares maps as globals). ``points`` and
#: ``rings`` are the rows held by our canvas point layers, ``painted`` those drawn in the current
#: view, ``circles`` any per-account ``L.circleMarker`` (there should be none).
COUNT_JS = """() => Object.values(window).filter(v => v instanceof L.Map).map(m => {
  let c = {points: 0, painted: 0, rings: 0, circles: 0, polygons: 0, markers: 0, lines: 0};
  const P = window.AllocatePoints;
  m.eachLayer(l => {
    if (P && l instanceof P) {
      if (l.options.ring) c.rings += l.count; else { c.points += l.count; c.painted += l.painted; }
    }
    else if (l instanceof L.CircleMarker) c.circles++;
    else if (l instanceof L.Polygon) c.polygons++;
    else if (l instanceof L.Polyline) c.lines++;
    else if (l instanceof L.Marker) c.markers++;
  });
  c.zoom = m.getZoom();
  return c;
})"""

#: Non-transparent pixels on the account canvases, and the alpha at page point (x, y).
PIXELS_JS = """([x, y]) => { let n = 0, alpha = 0;
  for (const c of document.querySelectorAll('canvas.allocate-points')) {
    const ctx = c.getContext('2d'), d = ctx.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    const r = c.getBoundingClientRect(), sx = c.width / r.width;
    const px = Math.round((x - r.left) * sx), py = Math.round((y - r.top) * sx);
    if (px >= 0 && py >= 0 && px < c.width && py < c.height)
      alpha = Math.max(alpha, ctx.getImageData(px, py, 1, 1).data[3]);
  }
  return [n, alpha]; }"""
