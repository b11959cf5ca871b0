"""The base instance of the bad-input corpus (``tests/cli/bad_inputs/_base``) and CSV helpers
shared by the property tests of the readers and of the solve workflow."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

BASE = Path(__file__).parent / "cli" / "bad_inputs" / "_base"


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")


def copy_base() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="allocate-prop-")) / "inst"
    shutil.copytree(BASE, folder)
    return folder


ACCOUNTS = rows(BASE / "accounts.csv")
SELLERS = rows(BASE / "sellers.csv")
