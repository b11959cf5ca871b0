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


def test_report_explains_each_term_of_the_objective(report: Path) -> None:
    page = (report / "index.html").read_text()
    # once per run: the objective, term by term, with the bound and the gap
    assert page.count("Objective, term by term") == 2
    for label in ("travel", "compactness", "workload balance", "potential balance", "moves", "best bound"):
        assert f"<th>{label}</th>" in page, label
    assert "accounts taken away from their seller today" in page


def test_objective_table_escapes_and_sums(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    from allocate.core.result import Alignment
    from allocate.io.runfolder import RunData
    from allocate.publish.report.build import objective_table

    terms = [
        {"key": "travel", "label": "<b>travel</b>", "meaning": "a < b", "amount": 10.0, "unit": "h/week", "weight": 1.0, "value": 10.0},
        {"key": "moves", "label": "moves", "meaning": "m", "amount": 8.0, "unit": "accounts", "weight": 0.25, "value": 2.0},
    ]
    al = Alignment("size", np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), (), "")
    run = RunData(tmp_path, al, pd.DataFrame(), {"objective": 12.0, "best_bound": 11.0, "gap": 1 / 12, "totals": {"objective_breakdown": terms}})
    html = objective_table(run)
    assert "<b>travel</b>" not in html and "&lt;b&gt;travel&lt;/b&gt;" in html and "a &lt; b" in html
    assert "83%" in html and "17%" in html  # each term's share of the objective
    assert "gap 8.3%" in html
    old = RunData(tmp_path, al, pd.DataFrame(), {"objective": 12.0, "totals": {}})
    assert "no breakdown" in objective_table(old)


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
