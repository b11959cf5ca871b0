"""The page in Debian's headless Chromium, network blocked: select, assign, lasso, undo,
re-optimize, save, publish and reopen, and hostile names shown as text; a click-and-assign on
fr-pme. Screenshots are saved."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from tests.publish.publishing import CHROMIUM, XSS, PageWatch, open_browser

TOKEN = "page-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with_units(src: Path, dst: Path) -> Path:
    """A copy of the instance ``src`` with units: squares of 0.25 degrees around its accounts."""
    import json

    import pandas as pd

    shutil.copytree(src, dst)
    acc = pd.read_csv(dst / "accounts.csv", dtype=str, keep_default_na=False)
    cell = [(int(np.floor(float(a) * 4)), int(np.floor(float(b) * 4))) for a, b in zip(acc["lat"], acc["lon"], strict=True)]
    acc["unit_id"] = [f"U{i}_{j}" for i, j in cell]
    acc.to_csv(dst / "accounts.csv", index=False)
    features = [
        {"type": "Feature", "properties": {"unit_id": f"U{i}_{j}"},
         "geometry": {"type": "Polygon", "coordinates": [[[j / 4, i / 4], [(j + 1) / 4, i / 4], [(j + 1) / 4, (i + 1) / 4],
                                                          [j / 4, (i + 1) / 4], [j / 4, i / 4]]]}}
        for i, j in sorted(set(cell))
    ]
    (dst / "units.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return dst


@pytest.fixture(scope="module")
def workspace(small_run, tmp_path_factory: pytest.TempPathFactory):
    """One workspace for the module's browser tests (they run in order on one server): the
    small instance with units, from its solved run."""
    from allocate.serve import Workspace

    root = tmp_path_factory.mktemp("page")
    inst = _with_units(small_run["instance"], root / "inst")
    return Workspace.open(inst, [small_run["run"]], root / "versions")


@contextmanager
def _serving(workspace) -> Iterator[str]:
    """The app of ``workspace`` on a free loopback port, in a thread; yields its address."""
    import uvicorn

    from allocate.serve import Guard, create_app

    port = _free_port()
    app = create_app(workspace, Guard.for_host("127.0.0.1", TOKEN))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        srv.should_exit = True
        t.join(10)


@pytest.fixture(scope="module")
def server(workspace):
    with _serving(workspace) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is not installed (make browser installs it)")
    pytest.importorskip("playwright.sync_api")
    pw, ctx = open_browser(tmp_path_factory.mktemp("profile"))
    yield ctx
    ctx.close()
    pw.stop()


#: An account of the view, not in the given list and not of the given seller, with no other
#: account within 10 px (a click there can only hit it); ``null`` when there is none.
ALONE_IN_VIEW = """([not, seller]) => {
  const A = window.AllocateServe, S = A.state, size = S.map.getSize();
  const pts = S.acc.id.map(id => [id, S.map.latLngToContainerPoint(A.latLng(id))]);
  const seen = pts.filter(([, p]) => p.x > 20 && p.y > 20 && p.x < size.x - 20 && p.y < size.y - 20);
  for (const [id, p] of seen) {
    if (not.includes(id) || S.owner[id] === seller) continue;
    if (pts.every(([o, q]) => o === id || Math.hypot(q.x - p.x, q.y - p.y) > 10)) return id;
  }
  return null;
}"""


def _row_text(page, seller: str) -> str:
    return page.locator(f'#sellers tr[data-seller="{seller}"] td:nth-child(3)').inner_text()


def _click_account(page, account_id: str, shift: bool = False) -> None:
    pt = page.evaluate("id => window.AllocateServe.markerPoint(id)", account_id)
    assert pt is not None
    if shift:
        page.keyboard.down("Shift")
    page.mouse.click(pt["x"], pt["y"])
    if shift:
        page.keyboard.up("Shift")


@pytest.mark.browser
def test_edit_in_the_browser(server: str, browser, workspace, tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = browser.new_page()
    watch = PageWatch(page)
    page.goto(server)
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    page.screenshot(path=str(shots / "1-loaded.png"))
    owner = page.evaluate("() => window.AllocateServe.state.owner")
    # pick an account of S1 far from others is not needed: the canvas hit test takes the top one
    aid = next(a for a, s in owner.items() if s != "S2")
    page.evaluate("id => { window.AllocateServe.state.map.setView(window.AllocateServe.latLng(id), 11, {animate: false}); }", aid)
    page.wait_for_timeout(300)
    _click_account(page, aid)
    assert page.locator("#selcount").inner_text() == "1 selected"
    selected = page.evaluate("() => Array.from(window.AllocateServe.state.selected)")
    target = "S2"
    before = _row_text(page, target)
    page.select_option("#target", target)
    page.click("#assign")
    page.wait_for_function(f"() => window.AllocateServe.state.owner['{selected[0]}'] === '{target}'")
    after = _row_text(page, target)
    assert after != before
    assert "+" in page.locator(f'#sellers tr[data-seller="{target}"] td:nth-child(3) .delta').inner_text()
    page.screenshot(path=str(shots / "2-assigned.png"))
    # undo puts it back
    page.click("#undo")
    page.wait_for_function(f"() => window.AllocateServe.state.owner['{selected[0]}'] !== '{target}'")
    assert _row_text(page, target) == before
    # lasso a group: a free shape around the middle of the map
    page.evaluate("() => { const s = window.AllocateServe.state; s.map.fitBounds(s.acc.id.map(id => window.AllocateServe.latLng(id)).reduce((b, ll) => b.extend(ll), L.latLngBounds([])), {animate: false}); }")
    page.wait_for_timeout(300)
    page.click("#clearsel")
    page.check("#lasso")
    box = page.locator("#map").bounding_box()
    cx, cy, w, h = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, box["width"], box["height"]
    page.mouse.move(cx - w * 0.4, cy - h * 0.4)
    page.mouse.down()
    for x, y in ((cx + w * 0.4, cy - h * 0.4), (cx + w * 0.4, cy + h * 0.4), (cx - w * 0.4, cy + h * 0.4), (cx - w * 0.4, cy - h * 0.39)):
        page.mouse.move(x, y, steps=5)
    page.mouse.up()
    page.uncheck("#lasso")
    n = int(page.locator("#selcount").inner_text().split()[0])
    assert n > 5
    page.screenshot(path=str(shots / "3-lasso.png"))
    page.click("#lockbtn")
    page.wait_for_function(f"() => Number(document.querySelector('#totals tr[data-total=locked_items] td:nth-child(2)').firstChild.textContent) >= {n}")
    # re-optimize around the locks and accept
    page.click("#opt-panel summary")
    page.fill("#opt-time", "2")
    page.click("#optimize")
    page.wait_for_selector("#proposal:not([hidden])", timeout=60000)
    page.screenshot(path=str(shots / "4-proposal.png"))
    page.click("#accept")
    page.wait_for_function("() => document.getElementById('status').textContent === 'proposal accepted'", timeout=20000)
    # save, then reopen the original version
    page.click("#versions-panel summary")
    page.fill("#save-name", "from-browser")
    page.click("#save")
    page.wait_for_selector("#versions li[data-version='from-browser']", timeout=20000)
    assert (workspace.store.root / "from-browser" / "edits.csv").is_file()
    # publish the saved version with the map and report writers, from the versions list
    page.locator("#versions li[data-version='from-browser'] button", has_text="publish").click()
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('published')", timeout=60000)
    assert (workspace.store.root / "maps" / "from-browser.html").is_file()
    assert (workspace.store.root / "reports" / "from-browser" / "index.html").is_file()
    original = workspace.store.list()[0].name
    page.locator(f"#versions li[data-version='{original}'] button", has_text="open").click()
    page.wait_for_function(f"() => document.getElementById('source').textContent.includes('from {original}')", timeout=20000)
    page.screenshot(path=str(shots / "5-reopened.png"))
    # a hostile account name is shown as text in its tooltip, never run
    page.evaluate("() => { window.AllocateServe.state.map.setView(window.AllocateServe.latLng('A0000'), 12, {animate: false}); }")
    page.wait_for_timeout(300)
    pt = page.evaluate("() => window.AllocateServe.markerPoint('A0000')")
    page.mouse.move(pt["x"], pt["y"])  # hovering shows the tooltip
    page.wait_for_selector(".leaflet-tooltip")
    tip = page.locator(".leaflet-tooltip").first.inner_text()
    assert XSS in tip
    assert page.locator("img[src='x']").count() == 0
    page.screenshot(path=str(shots / "6-hostile.png"))
    assert watch.dialogs == [] and watch.errors == []
    assert not [u for u in watch.blocked if not u.startswith("http://127.0.0.1")]  # nothing left the machine
    assert len(list(shots.glob("*.png"))) == 6


@pytest.mark.browser
def test_compare_two_versions_outlines_the_changed_owners(server: str, browser, workspace, tmp_path: Path) -> None:
    import json
    import urllib.request

    def post(path: str, body: dict) -> dict:
        req = urllib.request.Request(server.rstrip("/") + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "X-Allocate-Token": TOKEN})
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())

    s = workspace.session
    post("/api/open", {"name": workspace.store.list()[0].name})
    base = workspace.store.list()[0].name
    owner = {workspace.instance.accounts.ids[s.rows.account[r]]: workspace.instance.sellers.ids[s.live.seller[r]]
             for r in range(len(s.rows))}
    ids = [a for a, o in owner.items() if o != "S2"][:6]
    post("/api/assign", {"account_ids": ids, "seller_id": "S2", "version": s.version})
    name = post("/api/save", {"name": "cmp"})["name"]
    expected = sum(1 for a, b in zip(*(_owners(workspace, v) for v in (base, name)), strict=True) if a != b)
    assert expected == len(ids)
    page = browser.new_page()
    watch = PageWatch(page)
    page.goto(server)
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    page.click("#versions-panel summary")
    page.select_option("#cmp-a", base)
    page.select_option("#cmp-b", name)
    page.click("#compare")
    page.wait_for_selector("body[data-compared]", timeout=10000)
    assert page.get_attribute("body", "data-compared") == str(expected)
    # the panel's totals for both, and each seller of the team in both
    assert page.locator("#cmp-totals tr[data-total]").count() == 8
    assert page.locator("#cmp-sellers tr[data-seller='S2']").count() == 1
    assert page.locator("#cmp-count").inner_text().startswith(f"{expected} account row(s) change owner")
    # the units of the moved accounts are outlined (the page's own set, checked against the data)
    units = page.evaluate("() => Object.keys(window.AllocateServe.state.cmpUnits || {}).map(Number).sort((a, b) => a - b)")
    acc = workspace.instance.accounts
    pos = workspace.instance.account_index()
    assert units == sorted({int(acc.unit[pos[a]]) for a in ids if acc.unit[pos[a]] >= 0})
    page.screenshot(path=str(tmp_path / "compare.png"))
    page.click("#cmp-clear")
    assert page.evaluate("() => window.AllocateServe.state.cmpUnits") is None
    assert watch.dialogs == [] and watch.errors == []
    page.close()


def _owners(workspace, name: str) -> list[str]:
    from allocate.io.runfolder import read_run

    run = read_run(workspace.store.get(name).path, workspace.instance)
    order = sorted(zip(run.alignment.account.tolist(), run.alignment.seller.tolist(), strict=True))
    return [workspace.instance.sellers.ids[s] for _, s in order]


@pytest.mark.browser
def test_a_click_on_a_unit_selects_its_accounts(server: str, browser, workspace) -> None:
    page = browser.new_page()
    watch = PageWatch(page)
    page.goto(server)
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    acc = workspace.instance.accounts
    team = set(page.evaluate("() => window.AllocateServe.state.acc.id"))
    units, counts = np.unique(acc.unit[acc.unit >= 0], return_counts=True)
    for u in units[np.argsort(-counts)][:5].tolist():  # the busiest units first
        pt = page.evaluate("u => window.AllocateServe.unitClickPoint(u)", u)
        if pt is not None:
            break
    assert pt is not None
    page.wait_for_timeout(200)
    page.mouse.click(pt["x"], pt["y"])
    expected = sorted(a for a, x in zip(acc.ids, acc.unit.tolist(), strict=True) if x == u and a in team)
    page.wait_for_function(f"() => window.AllocateServe.state.selected.size === {len(expected)}", timeout=5000)
    assert sorted(page.evaluate("() => Array.from(window.AllocateServe.state.selected)")) == expected
    assert watch.dialogs == [] and watch.errors == []
    page.close()


@pytest.mark.browser
def test_two_tabs_never_lose_an_edit(server: str, browser, workspace) -> None:
    """Two tabs on one session: the second edits an older version, gets 409, says so in red and
    reloads (showing the first tab's edit); its edit made again then applies. Nothing is lost."""
    S = "window.AllocateServe.state"
    tabs = [browser.new_page() for _ in range(2)]
    watches = [PageWatch(t) for t in tabs]
    for t in tabs:
        t.goto(server)
        t.wait_for_selector("body[data-ready='1']", timeout=20000)
    owner = tabs[0].evaluate(f"() => {S}.owner")
    x, y = sorted(owner)[:2]
    tx = next(s for s in workspace.instance.sellers.ids if s != owner[x])
    ty = next(s for s in workspace.instance.sellers.ids if s != owner[y])

    def assign(tab, account: str, seller: str) -> None:
        tab.evaluate(f"id => {{ {S}.selected.clear(); {S}.selected.add(id); }}", account)
        tab.select_option("#target", seller)
        tab.click("#assign")

    assign(tabs[0], x, tx)
    tabs[0].wait_for_function(f"() => {S}.owner['{x}'] === '{tx}'")
    assign(tabs[1], y, ty)  # this tab still holds the version before the first tab's edit
    tabs[1].wait_for_function(f"() => {S}.owner['{x}'] === '{tx}'", timeout=10000)  # reloaded
    assert "stale" in tabs[1].locator("#status").inner_text()
    assert tabs[1].evaluate(f"() => {S}.owner['{y}']") == owner[y]
    assign(tabs[1], y, ty)
    tabs[1].wait_for_function(f"() => {S}.owner['{y}'] === '{ty}'")
    m = workspace.map_data(None)  # the server's owners: both edits
    server_owner = dict(zip(m["accounts"]["id"], m["accounts"]["seller"], strict=True))
    assert (server_owner[x], server_owner[y]) == (tx, ty)
    for t, w in zip(tabs, watches, strict=True):
        assert w.dialogs == [] and w.errors == []
        t.close()


@pytest.mark.browser
def test_fr_pme_click_an_account_and_assign_it(browser, tmp_path: Path) -> None:
    """The demo instance as shipped (2,000 accounts, from today's owners): the view is fitted
    to the accounts; one account clicked on the map and given to another seller from the
    dropdown moves that seller's workload in the panel to the server's new figure; shift-click
    adds to the selection, a right-click on a base gives it the selection, shift-drag boxes."""
    from allocate.serve import Workspace

    root = Path(__file__).resolve().parents[2] / "instances" / "fr-pme"
    ws = Workspace.open(root, [], tmp_path / "versions")
    with _serving(ws) as url:
        page = browser.new_page()
        watch = PageWatch(page)
        page.goto(url)
        page.wait_for_selector("body[data-ready='1']", timeout=30000)
        S = "window.AllocateServe.state"
        # the view holds every account of the team
        inside = page.evaluate(f"() => {{ const b = {S}.map.getBounds(); "
                               f"return {S}.acc.id.filter(id => !b.contains(window.AllocateServe.latLng(id))).length; }}")
        assert inside == 0
        owner = page.evaluate(f"() => {S}.owner")
        assert len(owner) == len(ws.instance.accounts)
        acc = ws.instance.accounts
        # a large customer: enough hours to show in the panel's one-decimal figures
        aid = next(a for a, seg, st in zip(acc.ids, acc.segment, acc.stage, strict=True)
                   if seg == "large" and st == "customer" and a in owner)
        page.evaluate(f"id => {{ {S}.map.setView(window.AllocateServe.latLng(id), 14, {{animate: false}}); }}", aid)
        page.wait_for_timeout(300)
        _click_account(page, aid)
        assert page.locator("#selcount").inner_text() == "1 selected"
        [picked] = page.evaluate(f"() => Array.from({S}.selected)")
        sel = ws.instance.sellers
        # the target's base stands alone (a right-click on a shared base asks which seller:
        # tested below)
        alone = [k for k in range(len(sel.ids))
                 if all(j == k or abs(sel.lat[j] - sel.lat[k]) + abs(sel.lon[j] - sel.lon[k]) > 0.1 for j in range(len(sel.ids)))]
        target = next(sel.ids[k] for k in alone if sel.ids[k] not in (owner[picked], owner.get(aid)))
        # shift-click adds a second account (one with no other account within 10 px)
        page.evaluate(f"id => {{ {S}.map.setView(window.AllocateServe.latLng(id), 10, {{animate: false}}); }}", aid)
        page.wait_for_timeout(300)
        second = page.evaluate(ALONE_IN_VIEW, [[picked], target])
        assert second is not None
        _click_account(page, second, shift=True)
        assert page.locator("#selcount").inner_text() == "2 selected"
        def workload() -> float:
            return next(r["workload_h"] for r in ws.session.state()["sellers"] if r["seller_id"] == target)

        before, before_h = _row_text(page, target), workload()
        page.select_option("#target", target)
        page.click("#assign")
        page.wait_for_function(f"() => {S}.owner['{picked}'] === '{target}' && {S}.owner['{second}'] === '{target}'")
        after, after_h = _row_text(page, target), workload()
        assert after_h > before_h + 0.05
        assert after != before and after.startswith(f"{after_h:.1f}") and before.startswith(f"{before_h:.1f}")
        assert "+" in page.locator(f'#sellers tr[data-seller="{target}"] td:nth-child(3) .delta').inner_text()
        # a right-click on the target's base gives it the selection (a third account)
        third = page.evaluate(ALONE_IN_VIEW, [[picked, second], target])
        assert third is not None
        _click_account(page, third)
        assert page.locator("#selcount").inner_text() == "1 selected"
        base = next(r for r in page.evaluate(f"() => {S}.sellerList") if r["id"] == target)
        page.evaluate(f"ll => {{ {S}.map.setView(ll, 12, {{animate: false}}); }}", [base["lat"], base["lon"]])
        page.wait_for_timeout(300)
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, button="right")
        page.wait_for_function(f"() => {S}.owner['{third}'] === '{target}'")
        page.screenshot(path=str(tmp_path / "fr-pme-assigned.png"))
        # shift-drag draws a box: the accounts inside it are selected
        page.click("#clearsel")
        x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
        x1, y1 = box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.7
        expected = page.evaluate(
            f"""([a, b]) => {{ const r = {S}.map.getContainer().getBoundingClientRect();
              const ll = p => {S}.map.containerPointToLatLng([p[0] - r.left, p[1] - r.top]);
              const bounds = L.latLngBounds(ll(a), ll(b));
              return {S}.acc.id.filter(id => bounds.contains(window.AllocateServe.latLng(id))).length; }}""",
            [[x0, y0], [x1, y1]])
        assert expected > 0
        page.keyboard.down("Shift")
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x1, y1, steps=5)
        page.mouse.up()
        page.keyboard.up("Shift")
        assert page.locator("#selcount").inner_text() == f"{expected} selected"
        # a right-click on a base that several sellers share asks which of them (no guess)
        shown = page.evaluate(f"() => {S}.sellerList")
        by_place: dict[tuple[float, float], list[str]] = {}
        for r in shown:
            by_place.setdefault((round(r["lat"], 4), round(r["lon"], 4)), []).append(r["id"])
        shared = next(ids for ids in by_place.values() if len(ids) > 1)
        chosen = shared[-1]
        boxed = page.evaluate(f"() => Array.from({S}.selected)")
        page.evaluate(f"ll => {{ {S}.map.setView(ll, 12, {{animate: false}}); }}",
                      next([r["lat"], r["lon"]] for r in shown if r["id"] == chosen))
        page.wait_for_timeout(300)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, button="right")
        choices = page.locator(".base-choice button")
        choices.first.wait_for(timeout=5000)
        assert sorted(choices.evaluate_all("bs => bs.map(b => b.dataset.seller)")) == sorted(shared)
        page.click(f'.base-choice button[data-seller="{chosen}"]')
        page.wait_for_function(f"ids => ids.every(id => {S}.owner[id] === '{chosen}')", arg=boxed)
        assert watch.dialogs == [] and watch.errors == []
        assert not [u for u in watch.blocked if not u.startswith("http://127.0.0.1")]
        page.close()
