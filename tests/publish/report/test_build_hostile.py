"""Hostile names from a CRM export are shown as text in reports and comparison pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import TINY_ACCOUNTS, write_instance

EVIL_SELLER = "<script>alert('s')</script>"
EVIL_ACCOUNT = "<img src=x onerror=alert(1)>"


def test_report_and_comparison_escape_names(tmp_path: Path) -> None:
    sellers = [
        "seller_id,name,lat,lon,role,capacity_h,segments,product_lines,max_accounts,max_travel_min",
        f'PAR,"{EVIL_SELLER}",48.8566,2.3522,CSM,40,,,,',
        "LYO,=HYPERLINK(\"http://x\"),45.7640,4.8357,CSM,40,,,,",
    ]
    accounts = list(TINY_ACCOUNTS)
    accounts[1] = accounts[1].replace("Versailles Co", f'"{EVIL_ACCOUNT}"')
    inst = write_instance(tmp_path / "evil", accounts, sellers)
    exe = str(Path(sys.executable).parent / "allocate")
    runs = tmp_path / "runs"
    subprocess.run([exe, "compare", str(inst), "--models", "geography,size", "--time-limit", "3", "--out", str(runs)],
                   check=True, capture_output=True)
    out = tmp_path / "maps" / "evil"
    subprocess.run([exe, "report", str(runs / "geography"), str(runs / "size"), "--out", str(out)],
                   check=True, capture_output=True)
    pages = [runs / "comparison.html", *out.glob("*.html")]
    assert len(pages) >= 2
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert(" not in html, page
        assert "<img src=x onerror" not in html, page
    report = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in report  # shown as text
    csv_text = (runs / "geography" / "sellers_kpis.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in csv_text  # formula neutralized in the export
