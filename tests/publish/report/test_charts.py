"""Hand-written SVG charts: bars at the right scale, exact values in tooltips, labels escaped.

Geometry used below: bar and heat-map labels take the first 190 px; bar charts are 420 px
wide; a Gantt day is 150 px wide and spans 08:00-18:00 by default.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from allocate.publish.report.charts import _row_label, bar_chart, funnel, gantt, weekly_load

EVIL = "<script>alert(1)</script>"
SVG = "{http://www.w3.org/2000/svg}"


def _svg(text: str) -> ET.Element:
    root = ET.fromstring(text)  # well-formed: escaping broke nothing
    assert root.tag == f"{SVG}svg"
    return root


def _rects(root: ET.Element, cls: str | None = None) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if cls is None or r.get("class") == cls]


def _titles(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}title")]


def test_bar_chart_scales_bars_and_marks_overload() -> None:
    # axis max: 30 is already a nice number, so 420 px / 30 h = 14 px per hour
    text = bar_chart(["Ann", EVIL], [10.0, 30.0], capacity=[20.0, 20.0], title="Workload", unit="h/week")
    root = _svg(text)
    bars = [r for r in _rects(root) if r.get("fill-opacity") == "0.9"]
    assert [float(b.get("width")) for b in bars] == [140.0, 420.0]
    assert bars[0].get("fill") == "#4e79a7" and bars[1].get("fill") == "#d1495b"  # 30 > 20
    caps = [float(x.get("x1")) for x in root.iter(f"{SVG}line") if x.get("class") == "capacity"]
    assert caps == [190 + 20 * 14.0] * 2
    assert "Ann: 10.0 h/week of 20.0 h/week" in _titles(root)
    assert f"{EVIL}: 30.0 h/week of 20.0 h/week" in _titles(root)  # shown as text
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_bar_chart_without_capacity_draws_the_mean() -> None:
    root = _svg(bar_chart(["a", "b", "c"], [10.0, 20.0, float("nan")], title="Potential", unit="€", digits=0))
    dashed = [x for x in root.iter(f"{SVG}line") if x.get("stroke-dasharray")]
    assert len(dashed) == 1
    # NaN counts as 0: mean 10 on an axis of 20, i.e. half of 420 px
    assert float(dashed[0].get("x1")) == pytest.approx(190 + 210.0)
    assert "mean 10 €" in _titles(root)
    assert not [x for x in root.iter(f"{SVG}line") if x.get("class") == "capacity"]


def test_weekly_load_heat_map_and_weekly_totals() -> None:
    load = pd.DataFrame(
        {
            "seller_id": ["S1", "S1"],
            "week": [1, 2],
            "planned_h": [20.0, 48.0],
            "capacity_h": [40.0, 40.0],
            "utilization": [0.5, 1.2],
        }
    )
    text = weekly_load(load, {"S1": EVIL})
    root = _svg(text)
    cells = _rects(root, "cell")
    assert [c.find(f"{SVG}title").text for c in cells] == [f"{EVIL}, week 1: 50 %", f"{EVIL}, week 2: 120 %"]
    assert cells[1].get("fill") == "#d1495b"  # over capacity
    weeks = _rects(root, "week")
    assert [w.find(f"{SVG}title").text for w in weeks] == [
        "week 1: 20.0 h planned of 40.0 h",
        "week 2: 48.0 h planned of 40.0 h",
    ]
    # axis max 50 h over 120 px: 48 h is 115.2 px, 20 h is 48 px
    assert [float(w.get("height")) for w in weeks] == [48.0, 115.2]
    assert [w.get("fill") for w in weeks] == ["#4e79a7", "#d1495b"]
    assert "<script>" not in text


def _schedule() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seller_id": ["S1", "S1"],
            "account_id": [EVIL, "A2"],
            "operation": ["visit", "call"],
            "date": ["2027-01-05", "2027-01-12"],  # a Tuesday, and the Tuesday after
            "start": ["09:00", "10:00"],
            "duration_min": [60, 30],
            "travel_min": [30, 0],
        }
    )


def test_gantt_places_the_first_week_in_time() -> None:
    text, caption = gantt(_schedule(), {"S1": "Ann"})
    assert caption == "week of 2027-01-04, 8:00–18:00 each day"
    root = _svg(text)
    actions = _rects(root, "action")
    assert len(actions) == 1  # the second week is not drawn
    # 150 px for 600 min: 0.25 px/min; Tuesday starts at 190 + 150; 09:00 is 60 min in
    assert float(actions[0].get("x")) == 355.0 and float(actions[0].get("width")) == 15.0
    travel = [r for r in _rects(root) if r.get("fill") == "#c7cbd1" and r.find(f"{SVG}title") is not None]
    assert float(travel[0].get("x")) == 347.5 and float(travel[0].get("width")) == 7.5
    assert f"Ann · visit · {EVIL} · 2027-01-05 09:00 · 60 min" in _titles(root)
    assert "<script>" not in text


def test_gantt_without_dated_actions_says_so() -> None:
    df = _schedule().assign(date=["", "not a date"])
    assert gantt(df, {}) == ("", "no dated actions in schedule.csv")


def test_gantt_caps_the_sellers_shown() -> None:
    df = pd.concat([_schedule().iloc[:1].assign(seller_id=f"S{k}") for k in range(3)])
    text, caption = gantt(df, {}, max_sellers=2)
    assert caption.endswith("; first 2 sellers of 3")
    assert len(_rects(_svg(text), "action")) == 2


def test_funnel_totals_conversions_and_margin() -> None:
    df = pd.DataFrame(
        {"week": [1, 2], "contacts": [60, 40], "offers": [30, "10"], "deals": [10, None], "margin": [500, 1500]}
    )
    text = funnel(df)
    root = _svg(text)
    stages = _rects(root, "stage")
    assert [s.find(f"{SVG}title").text for s in stages] == ["contacts: 100", "offers: 40", "deals: 10"]
    assert [float(s.get("width")) for s in stages] == [420.0, 168.0, 42.0]
    assert "40 (40 % of contacts)" in text and "10 (25 % of offers)" in text
    assert "Margin per week (total 2,000)" in text
    margin = _rects(root, "margin")
    assert [float(m.get("height")) for m in margin] == pytest.approx([33.3, 100.0], abs=0.05)
    assert re.findall(r"week (\d): ([\d,]+)</title>", text) == [("1", "500"), ("2", "1,500")]


def test_row_label_is_right_aligned_escaped_and_shortened() -> None:
    label = ET.fromstring(_row_label(190.0, 52.0, "<b>" + "x" * 40))
    assert label.get("x") == "182.0" and label.get("y") == "65.0"
    assert label.get("text-anchor") == "end"
    assert label.text == "<b>" + "x" * 24 + "…"  # 28 characters at most, escaped in the markup
    # every chart whose rows are sellers labels them the same way
    load = pd.DataFrame({"seller_id": ["S1"], "week": [1], "planned_h": [1.0], "capacity_h": [2.0], "utilization": [0.5]})
    assert _row_label(190.0, 34.0, "Ann") in weekly_load(load, {"S1": "Ann"})
    assert _row_label(190.0, 36.0, "Ann") in gantt(_schedule(), {"S1": "Ann"})[0]
