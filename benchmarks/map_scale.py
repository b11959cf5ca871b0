"""Map scale benchmark: HTML size and time-to-draw of a 50k-account territory map.

Usage: ``python benchmarks/map_scale.py WORKDIR --out map_scale.csv [--accounts 50000]``.
WORKDIR receives the generated instance (reused when present) and the map. The alignment is
each account's nearest seller (cheap, so the benchmark measures rendering, not solving). The
map is opened from file:// in headless Chromium with the network cut; ``draw_s`` is
``performance.now()`` when Leaflet has painted two frames after adding every layer.
Targets: ``html_mb <= 20`` and ``draw_s <= 3``.
"""

from __future__ import annotations

import argparse
import csv
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

TARGET_MB, TARGET_S = 20.0, 3.0
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workdir", type=Path)
    ap.add_argument("--out", type=Path, default=Path("map_scale.csv"))
    ap.add_argument("--accounts", type=int, default=50_000)
    ap.add_argument("--sellers", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    console = Console()

    import folium
    from playwright.sync_api import sync_playwright

    from allocate.core.result import Alignment
    from allocate.core.travel import haversine_km
    from allocate.generate import generate_instance, write_instance
    from allocate.io import read_instance
    from allocate.publish.maps import plot_territories, save_map

    inst_dir = a.workdir / f"fr-{a.accounts}-{a.sellers}-{a.seed}"
    if not (inst_dir / "accounts.csv").is_file():
        t = time.perf_counter()
        write_instance(generate_instance("FR", a.accounts, a.sellers, a.seed), inst_dir)
        console.print(f"generated {inst_dir} in {time.perf_counter() - t:.1f}s")
    inst = read_instance(inst_dir)
    acc, sel = inst.accounts, inst.sellers
    km = haversine_km(sel.lat[None, :], sel.lon[None, :], acc.lat[:, None], acc.lon[:, None])
    owner = np.asarray(km).argmin(axis=1)
    al = Alignment(
        model="nearest",
        account=np.arange(len(acc)),
        seller=owner,
        key=("",) * len(acc),
        key_kind="",
    )
    t = time.perf_counter()
    m = plot_territories(al, inst, title=f"nearest seller · {len(acc):,} accounts")
    html = a.workdir / f"map_{len(acc)}.html"
    save_map(m, html, offline=True)
    build_s = time.perf_counter() - t
    html_mb = html.stat().st_size / 1e6

    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            tempfile.mkdtemp(),
            executable_path="/usr/bin/chromium",
            headless=True,
            args=ARGS,
            viewport={"width": 1400, "height": 900},
        )
        ctx.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )
        page = ctx.new_page()
        page.goto(html.as_uri(), timeout=120_000)
        page.wait_for_function("window.allocateMapDrawn !== undefined", timeout=120_000)
        draw_s = page.evaluate("window.allocateMapDrawn") / 1000.0
        page.screenshot(path=str(a.workdir / f"map_{len(acc)}.png"))
        browser_version = ctx.browser.version if ctx.browser else "?"
        ctx.close()

    ok = html_mb <= TARGET_MB and draw_s <= TARGET_S
    row = {
        "instance": inst_dir.name,
        "known": f"<={TARGET_MB:g}MB,<={TARGET_S:g}s",
        "value": round(draw_s, 3),
        "gap": round(draw_s / TARGET_S - 1.0, 3),
        "time_s": round(build_s, 2),
        "status": "ok" if ok else "over_target",
        "html_mb": round(html_mb, 2),
        "draw_s": round(draw_s, 3),
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with a.out.open("w", newline="") as fh:
        fh.write(
            f"# machine={platform.machine()} python={platform.python_version()} folium={folium.__version__} "
            f"chromium={browser_version} accounts={len(acc)} sellers={len(sel)}\n"
        )
        w = csv.DictWriter(fh, fieldnames=list(row))
        w.writeheader()
        w.writerow(row)
    t = Table(title="map scale (targets: HTML <= 20 MB, drawn <= 3 s)")
    for k in row:
        t.add_column(k)
    t.add_row(*[str(v) for v in row.values()])
    console.print(t)
    console.print(
        f"machine {platform.platform()}, python {platform.python_version()}, folium {folium.__version__}, "
        f"chromium {browser_version}; build_s = Python build + write; screenshot in {a.workdir}"
    )


if __name__ == "__main__":
    main()
