"""The title box and the legend of a map: headline KPIs, one row per seller, escaped names."""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocate.publish.maps.legend import CHANGED_COLOR, legend_html, title_html


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {"workload_h": [30.0, 50.0], "capacity_h": [40.0, 40.0], "utilization": [0.75, 1.25],
         "potential": [1.0, 2.0], "accounts": [2, 2]}
    )


def test_title_shows_the_totals_or_the_table_sums(tiny) -> None:  # type: ignore[no-untyped-def]
    html = title_html("<b>m</b>", tiny, _table(), None, None)
    assert "&lt;b&gt;m&lt;/b&gt;" in html and "80.0 h" in html and "100 %" in html
    html = title_html("m", tiny, _table(), {"total_workload_h": 20.0, "total_capacity_h": 80.0, "moves": 3}, None)
    assert "20.0 h" in html and "25 %" in html and "moved vs today" in html
    changed = np.array([True, False, True, False])
    assert "change owner" in title_html("m", tiny, _table(), {"moves": 3}, changed)


def test_legend_flags_overloaded_sellers(tiny) -> None:  # type: ignore[no-untyped-def]
    html = legend_html(tiny, ["#111111", "#222222"], _table(), show_changed=False)
    assert html.count("<tr>") == 2 and html.count('class="num over"') == 1
    assert CHANGED_COLOR not in html
    assert CHANGED_COLOR in legend_html(tiny, ["#111111", "#222222"], _table(), show_changed=True)
