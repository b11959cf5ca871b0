"""The quota section of the report: settings, shares, bounds, attainability, escaping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from allocate.core.result import Alignment
from allocate.io.runfolder import QUOTAS, RunData
from allocate.publish.report.quota import bound_applied, quota_section
from allocate.sizing.quota import split_target

SPEC = {"total": 300_000, "method": "blend", "blend": 0.7, "floor": 60_000, "cap": 150_000, "rounding": 1000}


def _run(tmp_path: Path, spec: dict | None = SPEC) -> RunData:
    pot = np.array([10.0, 40.0, 50.0])
    hist = np.array([0.0, 30.0, 70.0])
    w = 0.7 * pot / pot.sum() + 0.3 * hist / hist.sum()
    quota = split_target(300_000, w, 60_000, 150_000, 1000)
    pd.DataFrame({
        "seller_id": ["005000000000001", "S2", "S3"],
        "name": ["<script>alert(1)</script>", "Zoé & Co", "Ann"],
        "role": ["AE", "AE", "CSM"],
        "accounts": [1, 4, 5],
        "potential": pot, "history": hist, "share": w, "quota": quota,
        "reachable": [5.0, 1e9, 1e9], "attainable": quota <= np.array([5.0, 1e9, 1e9]),
    }).to_csv(tmp_path / QUOTAS, index=False)
    meta = {"scenario": {"quota": spec}} if spec is not None else {}
    return RunData(tmp_path, Alignment("geography", np.zeros(0, int), np.zeros(0, int), (), ""),
                   pd.DataFrame(), meta)


def test_the_section_gives_settings_shares_bounds_and_flags(tmp_path: Path) -> None:
    html = quota_section(_run(tmp_path), {})
    assert "<h3>Quotas</h3>" in html
    assert "team target 300,000" in html and "70 % potential share + 30 % history share" in html
    assert "floor 60,000" in html and "cap 150,000" in html and "multiples of 1,000" in html
    rows = html.split("<tbody>")[1].split("</tr>")[:3]
    # seller 1 weighs 0.07 → 21,000 raw: held by the floor; 60,000 > reach 5 → not attainable
    assert "floor" in rows[0] and "60,000" in rows[0] and 'class="short"' in rows[0]
    assert "10.0 %" in rows[0] and "0.0 %" in rows[0]  # its shares of potential and history
    # seller 3 weighs 0.56 → 168,000 raw, above the cap, but once the floor took 60,000 the
    # re-spread leaves it 144,500 → 145,000: no bound held it
    assert "<td>145,000</td><td></td>" in rows[2] and 'class="short"' not in rows[2]
    assert "<td>95,000</td><td></td>" in rows[1]  # 60,000 + 95,000 + 145,000 = the total


def test_user_strings_are_escaped(tmp_path: Path) -> None:
    html = quota_section(_run(tmp_path), {})
    assert "<script>" not in html and "&lt;script&gt;" in html and "Zoé &amp; Co" in html


def test_no_quota_table_no_section_and_missing_settings_do_not_crash(tmp_path: Path) -> None:
    empty = RunData(tmp_path, Alignment("g", np.zeros(0, int), np.zeros(0, int), (), ""), pd.DataFrame(), {})
    assert quota_section(empty, {}) == ""
    html = quota_section(_run(tmp_path, spec=None), {})
    assert "no floor" in html and "not rounded" in html


@pytest.mark.parametrize(
    ("raw", "quota", "expected"),
    [(10, 50, "floor"), (200, 150, "cap"), (100, 100, ""), (200, 140, ""), (10, 60, ""), (12, 1000, "floor")],
)
def test_bound_applied(raw: float, quota: float, expected: str) -> None:
    rounding = 1000 if quota == 1000 else None  # floor 50 rounded inwards to steps of 1000
    assert bound_applied(raw, quota, 50, 150 if rounding is None else 5000, rounding) == expected
    assert bound_applied(raw, quota, None, None) == ""


def test_a_capped_seller_is_shown_as_capped(tmp_path: Path) -> None:
    spec = dict(SPEC, floor=None, cap=120_000)
    run = _run(tmp_path, spec)
    q = pd.read_csv(tmp_path / QUOTAS)
    q["quota"] = split_target(300_000, q["share"].to_numpy(), None, 120_000, 1000)
    q.to_csv(tmp_path / QUOTAS, index=False)
    rows = quota_section(run, {}).split("<tbody>")[1].split("</tr>")[:3]
    assert "<td>120,000</td><td>cap</td>" in rows[2]
    assert "<td>cap</td>" not in rows[0] + rows[1]
