"""Maps drawn by a real headless Chromium with every non-local request blocked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from allocate.cli import app
from allocate.core.geo import territory_polygons
from allocate.io import read_instance
from allocate.io.runfolder import account_owner, read_run
from allocate.publish.maps import changed_owner, plot_comparison, plot_territories, save_map
from tests.publish.publishing import COUNT_JS, PIXELS_JS, XSS, PageWatch

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def maps_dir(published: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    maps = tmp_path_factory.mktemp("site") / "maps"
    runner = CliRunner()
    for args in (
        ["map", str(published["geo"]), "--offline", "--out", str(maps / "geo.html")],
        [
            "map",
            str(published["geo"]),
            "--vs",
            str(published["size"]),
            "--offline",
            "--out",
            str(maps / "vs.html"),
        ],
    ):
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
    return maps


#: Page coordinates of ``[lat, lon]`` on the first map.
_PAGE_POINT_JS = """([lat, lon]) => { const m = Object.values(window).find(v => v instanceof L.Map);
    const p = m.latLngToContainerPoint([lat, lon]); const r = m.getContainer().getBoundingClientRect();
    return [r.left + p.x, r.top + p.y]; }"""


def _open(browser, path: Path):  # noqa: ANN001, ANN202
    page = browser.new_page()
    watch = PageWatch(page)
    page.goto(path.as_uri())
    page.wait_for_function("window.allocateMapDrawn !== undefined", timeout=15_000)
    return page, watch


def test_map_draws_layers_offline(
    browser, maps_dir: Path, published: dict[str, Path], tmp_path: Path
) -> None:  # noqa: ANN001
    inst = read_instance(published["instance"])
    owner = account_owner(inst, read_run(published["geo"], inst).alignment)
    terr_roles = sorted(inst.sellers.role[s] for s in territory_polygons(inst, owner))
    teams = sorted(set(terr_roles))
    page, watch = _open(browser, maps_dir / "geo.html")
    (counts,) = page.evaluate(COUNT_JS)
    # every account is a row of a canvas point layer, none a Leaflet marker of its own
    assert counts["points"] == len(inst.accounts) and counts["circles"] == 0
    assert 0 < counts["painted"] <= len(inst.accounts)
    # one team's territories at a time (multi-polygons count once per part)
    assert len(teams) >= 2
    assert terr_roles.count(teams[0]) <= counts["polygons"] < len(terr_roles)
    assert page.locator(".leaflet-control-layers-base input[type=radio]").count() == len(teams)
    assert counts["lines"] >= 1  # multi-site group links
    assert page.locator(".allocate-base").count() >= 1
    assert page.locator(".leaflet-control-layers-overlays label").count() >= 4
    # the canvas holds drawn pixels, not just the empty background
    painted = page.evaluate("""() => { const c = document.querySelector('canvas.leaflet-zoom-animated');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")
    assert painted > 10_000
    # the account canvases hold painted dots, one of them where account 0 is
    lat, lon = float(inst.accounts.lat[0]), float(inst.accounts.lon[0])
    xy = page.evaluate(_PAGE_POINT_JS, [lat, lon])
    dots, alpha = page.evaluate(PIXELS_JS, xy)
    assert dots > 20 * counts["painted"] and alpha > 0
    far = page.evaluate(_PAGE_POINT_JS, [lat + 30.0, lon])  # far north of France: no account
    assert page.evaluate(PIXELS_JS, far)[1] == 0
    shot = tmp_path / "map.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    page.locator(".leaflet-control-layers-base input[type=radio]").nth(1).check()
    page.wait_for_timeout(100)
    (switched,) = page.evaluate(COUNT_JS)
    assert terr_roles.count(teams[1]) <= switched["polygons"] < len(terr_roles)
    assert not watch.errors and not watch.dialogs
    assert all(u.startswith("http") for u in watch.blocked)  # only tiles were refused
    page.close()


def test_hover_shows_escaped_name(browser, maps_dir: Path, published: dict[str, Path]) -> None:  # noqa: ANN001
    inst = read_instance(published["instance"])
    lat, lon = float(inst.accounts.lat[0]), float(inst.accounts.lon[0])
    page, watch = _open(browser, maps_dir / "geo.html")
    x, y = page.evaluate(f"""() => {{ const m = Object.values(window).find(v => v instanceof L.Map);
        m.setView([{lat}, {lon}], 15, {{animate: false}});
        const p = m.latLngToContainerPoint([{lat}, {lon}]); const r = m.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }}""")
    page.wait_for_timeout(200)
    page.mouse.move(x - 30, y - 30)
    page.mouse.move(x, y, steps=5)
    page.wait_for_timeout(100)  # Leaflet throttles canvas hover tests to one per 32 ms
    page.mouse.move(x + 1, y)
    tip = page.locator(".leaflet-tooltip").filter(has_text="onerror")
    tip.first.wait_for(timeout=5_000)
    text = tip.first.inner_text()
    assert XSS in text and "segment" in text and "travel" in text
    assert page.locator("img[src='x']").count() == 0
    page.mouse.click(x + 1, y)  # the popup adds the details, still as text
    popup = page.locator(".leaflet-popup-content").filter(has_text="today:")
    popup.first.wait_for(timeout=5_000)
    assert XSS in popup.first.inner_text() and "A0000" in popup.first.inner_text()
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(200)
    assert not watch.dialogs and not watch.errors
    page.close()


def test_dual_map_two_synced_panes(
    browser, maps_dir: Path, published: dict[str, Path], tmp_path: Path
) -> None:  # noqa: ANN001
    page, watch = _open(browser, maps_dir / "vs.html")
    assert page.locator(".leaflet-container").count() == 2
    counts = page.evaluate(COUNT_JS)
    assert len(counts) == 2 and all(c["points"] > 0 and c["polygons"] > 0 for c in counts)
    assert counts[0]["points"] == counts[1]["points"]
    # rings of single accounts are off by default: the changed area is outlined instead
    assert counts[0]["rings"] == counts[1]["rings"] == 0
    page.evaluate(
        "() => { Object.values(window).filter(v => v instanceof L.Map)[0].setZoom(9, {animate: false}); }"
    )
    page.wait_for_timeout(300)
    assert {c["zoom"] for c in page.evaluate(COUNT_JS)} == {9}
    page.screenshot(path=str(tmp_path / "vs.png"))
    assert (tmp_path / "vs.png").stat().st_size > 20_000
    assert not watch.errors and not watch.dialogs
    page.close()


def test_changed_owners_are_ringed_on_demand(
    browser, published: dict[str, Path], tmp_path: Path
) -> None:  # noqa: ANN001
    inst = read_instance(published["instance"])
    base = read_run(published["geo"], inst).alignment
    seller = np.array(base.seller)
    moved = np.flatnonzero(base.account < 12)  # hand 12 accounts to the next seller
    seller[moved] = (seller[moved] + 1) % len(inst.sellers)
    other = dataclasses.replace(base, model="moved", seller=seller)
    n_changed = int(changed_owner(inst, base, other).sum())
    assert n_changed == 12
    save_map(plot_comparison(base, other, inst, tiles=None), tmp_path / "vs.html", offline=True)
    page, watch = _open(browser, tmp_path / "vs.html")
    assert [c["rings"] for c in page.evaluate(COUNT_JS)] == [0, 0]
    labels = page.locator(".leaflet-control-layers-overlays label").all_text_contents()
    assert sum(f"Area whose owner changes ({n_changed} accounts)" in t for t in labels) == 2
    page.evaluate("""() => document.querySelectorAll('.leaflet-control-layers-overlays label').forEach(l => {
        if (l.textContent.includes('Accounts that change owner')) l.querySelector('input').click(); })""")
    page.wait_for_timeout(200)
    counts = page.evaluate(COUNT_JS)
    assert [c["rings"] for c in counts] == [n_changed, n_changed]
    rings = page.evaluate("""() => [...document.querySelectorAll('canvas.allocate-rings')].map(c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] > 150 && d[i + 2] > 60) n++; return n; })""")
    assert len(rings) == 2 and all(n > 12 * 20 for n in rings)  # magenta rings on both panes
    assert not watch.errors and not watch.dialogs
    page.close()


def test_switching_team_filters_the_legend_and_recolours_accounts(
    browser, published: dict[str, Path], tmp_path: Path
) -> None:  # noqa: ANN001
    inst = read_instance(published["instance"])
    base = read_run(published["geo"], inst).alignment
    n = len(inst.accounts)
    # a split alignment: an AE row (S1 or S2) and a CSM row (S3) per account
    acc = np.arange(n)
    ae = np.where(acc % 2 == 0, 0, 1)
    split = dataclasses.replace(
        base,
        model="roles",
        account=np.r_[acc, acc],
        seller=np.r_[ae, np.full(n, 2)],
        key=tuple(["AE"] * n + ["CSM"] * n),
        key_kind="role",
    )
    save_map(plot_territories(split, inst, tiles=None), tmp_path / "roles.html", offline=True)
    page, watch = _open(browser, tmp_path / "roles.html")
    names = inst.sellers.names

    def legend() -> list[str]:
        return page.evaluate(
            """() => Array.from(document.querySelectorAll('.allocate-legend tr'))
                .filter(r => r.style.display !== 'none').map(r => r.cells[1].textContent)"""
        )

    def colours() -> set[int]:
        return set(page.evaluate("""() => { const m = Object.values(window).find(v => v instanceof L.Map);
            const out = []; m.eachLayer(l => { if (l._d && l._d.ts) out.push(...l._d.s); }); return out; }"""))

    # AE first: its two sellers only, and every account in an AE seller's colour
    assert sorted(x.split(" ")[0] for x in legend()) == sorted(names[s].split(" ")[0] for s in (0, 1))
    assert colours() == {0, 1}
    page.locator(".leaflet-control-layers-base input[type=radio]").nth(1).check()
    page.wait_for_timeout(100)
    assert [x.split(" ")[0] for x in legend()] == [names[2].split(" ")[0]]
    assert colours() == {2}
    assert page.locator(".allocate-legend .allocate-team-n").first.text_content() == "1"
    assert not watch.errors and not watch.dialogs
    page.close()
