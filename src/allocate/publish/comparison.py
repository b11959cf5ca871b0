"""The comparison of organization models as pages: Markdown and a self-contained HTML page.

The table (values, formats, best value of a row) is :mod:`allocate.analysis.compare`'s; this
module only renders it. :func:`pages` is what :func:`allocate.analysis.compare.compare` takes
as its ``pages`` hook to write the Markdown and HTML comparison files (their names are
:mod:`allocate.io.runfolder`'s).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from allocate.analysis.compare import Comparison, compare, display_rows, headline
from allocate.core.instance import Instance
from allocate.core.scenario import Scenario
from allocate.publish.text import esc


def _scenario_note(scenario: Scenario) -> str:
    """The scenario sentence under a page's headline."""
    return f"Scenario: time limit {scenario.time_limit_s:g} s, {scenario.workers} worker(s), seed {scenario.seed}."


def to_markdown(comp: Comparison, scenario: Scenario | None = None) -> str:
    """The comparison as a Markdown page (best values in bold, pipes escaped).

    Parameters
    ----------
    comp
        The comparison.
    scenario
        Its scenario, named under the headline.

    Returns
    -------
    str
        The page.
    """

    def cell(x: Any) -> str:
        return str(x).replace("|", "\\|").replace("\n", "<br>")

    lines = [f"# Organization models compared on {cell(comp.instance)}", "", headline(comp), ""]
    if scenario is not None:
        lines += [_scenario_note(scenario), ""]
    lines.append("| KPI | unit | " + " | ".join(cell(m) for m in comp.models) + " |")
    lines.append("| --- | --- | " + " | ".join("---:" for _ in comp.models) + " |")
    for _, label, row, texts, best in display_rows(comp):
        vals = [f"**{cell(x)}**" if j in best else cell(x) for j, x in enumerate(texts)]
        lines.append(f"| {cell(label)} | {cell(row.unit)} | " + " | ".join(vals) + " |")
    lines += [
        "",
        "Bold: the best feasible value of a row. CV: coefficient of variation (std / mean).",
    ]
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem;color:#1f2933;background:#fff}
h1{font-size:1.35rem;margin:0 0 .4rem} p{max-width:60rem;line-height:1.45}
table{border-collapse:collapse;margin-top:1rem;font-size:.92rem}
th,td{padding:.38rem .7rem;border-bottom:1px solid #e4e7eb;text-align:right;vertical-align:top}
th{background:#f5f7fa;position:sticky;top:0} td.k,th.k{text-align:left;white-space:nowrap}
td.u{color:#7b8794;text-align:left} td.best{background:#e3f9e5;font-weight:600}
td.s-optimal{color:#0e7c3a;font-weight:600} td.s-feasible{color:#1f6feb;font-weight:600}
td.s-infeasible,td.s-error{color:#b42318;font-weight:600} td.s-unknown{color:#b54708}
td.x{white-space:pre-wrap;text-align:left;max-width:22rem;font-size:.82rem;color:#52606d}
tr:hover td{background:#fafbfc} .note{color:#7b8794;font-size:.85rem}
"""


def to_html(comp: Comparison, scenario: Scenario | None = None) -> str:
    """A self-contained, escaped HTML page (inline CSS, no scripts, no external assets).

    Parameters
    ----------
    comp
        The comparison.
    scenario
        Its scenario, named under the headline.

    Returns
    -------
    str
        The page.
    """
    e = esc
    head = "".join(f"<th>{e(m)}</th>" for m in comp.models)
    body = []
    for i, label, row, texts, best in display_rows(comp):
        cells = []
        for j, m in enumerate(comp.models):
            text = e(texts[j])
            cls = []
            if row.key == "status":
                cls.append(f"s-{e(str(comp.table.at[i, m]))}")
            if row.key == "explanation":
                cls.append("x")
            if j in best:
                cls.append("best")
            attr = f' class="{" ".join(cls)}"' if cls else ""
            cells.append(f"<td{attr}>{text}</td>")
        body.append(
            f'<tr><td class="k">{e(label)}</td><td class="u">{e(row.unit)}</td>{"".join(cells)}</tr>'
        )
    sc = ""
    if scenario is not None:
        sc = f'<p class="note">{_scenario_note(scenario)}</p>'
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e('Organization models: ' + comp.instance)}</title><style>{_CSS}</style></head><body>"
        f"<h1>Organization models compared on {e(comp.instance)}</h1><p>{e(headline(comp))}</p>{sc}"
        f'<table><thead><tr><th class="k">KPI</th><th class="k">unit</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        '<p class="note">Green cell: the best feasible value of a row. CV: coefficient of variation (std / mean). '
        "Each model's alignment, KPIs and territories are in the sub-folder of the same name.</p>"
        "</body></html>\n"
    )


def pages(comp: Comparison, scenario: Scenario | None = None) -> tuple[str, str]:
    """The Markdown and the HTML page of a comparison.

    Parameters
    ----------
    comp
        The comparison.
    scenario
        Its scenario, named under the headline.

    Returns
    -------
    tuple of str
        ``(markdown, html)``.
    """
    return to_markdown(comp, scenario), to_html(comp, scenario)


def compare_models(
    instance: Instance,
    models: list[str] | tuple[str, ...],
    scenario: Scenario | None = None,
    out: Path | str | None = None,
    **options: Any,
) -> Comparison:
    """Compare organization models and, with ``out``, write every file of the comparison.

    This is :func:`allocate.compare`: :func:`allocate.analysis.compare.compare` with the
    Markdown and HTML pages of this module, so that a library call writes the same folder as
    ``allocate compare``: the run folder of each model and the
    :data:`~allocate.io.runfolder.COMPARISON_CSV`, ``_MD`` and ``_HTML`` files.

    Parameters
    ----------
    instance
        The instance.
    models
        The organization models, each once.
    scenario
        Limits and seed (default: :class:`~allocate.core.scenario.Scenario`).
    out
        The comparison folder, or ``None`` to write nothing.
    **options
        ``schedule`` and ``on_model`` hooks, as :func:`allocate.analysis.compare.compare` takes.

    Returns
    -------
    Comparison
        The table of indicators per model.
    """
    return compare(instance, models, scenario, out, pages=pages, **options)
