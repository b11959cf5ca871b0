"""The HTML report: KPI table, SVG charts, optional schedule/funnel sections, maps, index."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocate.cli import app
from allocate.io import read_instance
from tests.publish.publishing import COUNT_JS, PageWatch, add_schedule_files


@pytest.fixture(scope="module")
def report(published: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rep")
    sched = Path(shutil.copytree(published["geo"], root / "run_sched"))
    add_schedule_files(sched)
    out = root / "maps" / "models"
    res = CliRunner().invoke(
        app, ["report", str(sched), str(published["size"]), "--offline", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    return out


def test_report_sections(report: Path, published: dict[str, Path]) -> None:
    inst = read_instance(published["instance"])
    page = (report / "index.html").read_text()
    m = len(inst.sellers)
    # one capacity tick per seller and per run in the workload charts
    assert page.count('class="capacity" x1=') == 2 * m
    assert "Weekly load" in page and "Gantt per seller" in page and "Funnel output" in page
    assert page.count("Weekly load") == 1  # only the run with load.csv
    assert len(re.findall(r'class="cell"', page)) == m * 3  # sellers x 3 weeks heat map
    assert len(re.findall(r'class="action"', page)) == m * 5  # 5 actions per seller in the week
    assert "<script" not in page  # static page: charts are SVG
    frames = re.findall(r'<iframe class="map" src="([^"]+)"', page)
    assert len(frames) == 3 and all((report / f).is_file() for f in frames)
    assert 'class="best"' in page
    index = (report.parent / "index.html").read_text()
    assert 'href="models/index.html"' in index


@pytest.mark.browser
def test_report_draws_offline(browser, report: Path, tmp_path: Path) -> None:  # noqa: ANN001
    page = browser.new_page()
    watch = PageWatch(page)
    page.goto((report / "index.html").as_uri())
    frames = [f for f in page.frames if f != page.main_frame]
    assert len(frames) == 3
    for k, f in enumerate(frames):
        # Chromium does not paint iframes outside the viewport, so bring each one in view
        page.locator("iframe.map").nth(k).scroll_into_view_if_needed()
        f.wait_for_function("window.allocateMapDrawn !== undefined", timeout=15_000)
        assert all(c["points"] > 0 and c["painted"] > 0 for c in f.evaluate(COUNT_JS))
    assert page.locator("svg rect.action").count() > 0
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 50_000
    assert not watch.errors and not watch.dialogs
    page.close()
