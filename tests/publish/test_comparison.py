"""The comparison pages: Markdown and self-contained, escaped HTML."""

from __future__ import annotations

from allocate.analysis.compare import Comparison, ModelRun, comparison_table
from allocate.core.scenario import Scenario
from allocate.core.status import SolveStatus
from allocate.publish.comparison import pages, to_html, to_markdown


def _comparison() -> Comparison:
    runs = (
        ModelRun("a|<b>", SolveStatus.OPTIMAL, {"status": "optimal", "total_workload_h": 10.0}),
        ModelRun("c", SolveStatus.INFEASIBLE, {"status": "infeasible", "explanation": "hr short <1 h>"}),
        ModelRun("d", None, {"status": "error", "explanation": "boom", "total_workload_h": 9.0}),
    )
    return Comparison("inst & co", runs, comparison_table(runs))


def test_markdown_escapes_pipes_and_bolds_nothing_without_two_solutions() -> None:
    md = to_markdown(_comparison(), Scenario(time_limit_s=2, workers=1, seed=3))
    assert md.startswith("# Organization models compared on inst & co\n")
    assert "| KPI | unit | a\\|<b> | c | d |" in md
    assert "Scenario: time limit 2 s, 1 worker(s), seed 3." in md
    assert "**" not in md  # one model with a solution: no best value
    assert md.endswith("Bold: the best feasible value of a row. CV: coefficient of variation (std / mean).\n")


def test_html_is_escaped_and_classes_the_statuses() -> None:
    page = to_html(_comparison())
    assert page.startswith("<!doctype html>") and "<script" not in page and "<style>" in page
    assert "<th>a|&lt;b&gt;</th>" in page and "inst &amp; co" in page
    assert '<td class="s-optimal">optimal</td>' in page and '<td class="s-error">error</td>' in page
    assert '<td class="x">hr short &lt;1 h&gt;</td>' in page
    assert "Scenario:" not in page


def test_pages_are_the_markdown_and_the_html() -> None:
    comp, sc = _comparison(), Scenario()
    assert pages(comp, sc) == (to_markdown(comp, sc), to_html(comp, sc))


def test_the_library_compare_writes_the_same_files_as_the_cli(tiny, tmp_path):
    import allocate
    from allocate.core.scenario import Scenario
    from allocate.io.runfolder import COMPARISON_CSV, COMPARISON_HTML, COMPARISON_MD

    comp = allocate.compare(tiny, ["size", "generalist"], Scenario(time_limit_s=5, workers=1), tmp_path / "cmp")
    for name in (COMPARISON_CSV, COMPARISON_MD, COMPARISON_HTML):
        assert (tmp_path / "cmp" / name).is_file()
    assert [r.model for r in comp.runs] == ["size", "generalist"]
