"""Tables are read as text, whatever the format; defects name the file and the row."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from allocate.core.errors import InputError
from allocate.io.tables import TABLE_SUFFIXES, files_named, find_table, read_geometries, read_table

ROWS = [
    ["seller_id", "name", "lat", "lon", "capacity_h"],
    ["PAR", "Paris Seller", 48.8566, 2.3522, 40],
    ["LYO", "Lyon Seller", 45.764, 4.8357, 35],
]


def _csv(path: Path, rows=ROWS, sep=",", prefix=b"") -> Path:
    text = "\n".join(sep.join(str(v) for v in r) for r in rows) + "\n"
    path.write_bytes(prefix + text.encode("utf-8"))
    return path


def _xlsx(path: Path, rows=ROWS) -> Path:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


def test_csv_and_xlsx_read_the_same(tmp_path):
    a = read_table(_csv(tmp_path / "sellers.csv"))
    b = read_table(_xlsx(tmp_path / "sellers.xlsx"))
    pd.testing.assert_frame_equal(a, b)
    assert a["lat"].tolist() == ["48.8566", "45.764"]  # text, parsed later by the schemas
    assert list(a.columns) == ROWS[0]


def test_french_excel_export_reads_as_is(tmp_path):
    # BOM + ';' separator, as Excel writes "CSV UTF-8" in France
    a = read_table(_csv(tmp_path / "a.csv"))
    b = read_table(_csv(tmp_path / "b.csv", sep=";", prefix=b"\xef\xbb\xbf"))
    pd.testing.assert_frame_equal(a, b)


def test_parquet_reads_as_text(tmp_path):
    path = tmp_path / "sellers.parquet"
    pd.DataFrame({"seller_id": ["PAR"], "capacity_h": [40.0], "segments": [["small", "mid"]]}).to_parquet(path)
    df = read_table(path)
    assert df.iloc[0].tolist() == ["PAR", "40.0", "small;mid"]


def _error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        read_table(path)
    assert len(info.value.problems) == 1
    return str(info.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # nothing at all
        (b"", "x.csv: the file is empty"),
        # a header, no row
        (b"a,b\n", "x.csv, row 2: the file has a header but no data rows"),
        # a row with a field too many
        (b"a,b\n1,2\n3,4,5\n", "x.csv, row 3: row has 3 field(s) but the header has 2 (separator ',')"),
        # a row that uses another separator
        (b"a,b\n1;2\n", "x.csv, row 2: row has 1 field(s) but the header has 2 (separator ','); this row seems to use ';' as separator"),
        # a blank line inside the table
        (b"a,b\n1,2\n\n3,4\n", "x.csv, row 3: empty line inside the table; delete it"),
        # Latin-1 instead of UTF-8, on row 3
        (b"a,b\n1,2\n\xe9,4\n", "x.csv, row 3: not valid UTF-8 (byte 0xe9); save the file as 'CSV UTF-8'"),
        # UTF-16 (Excel's "Unicode text")
        ("a,b\n1,2\n".encode("utf-16"), "x.csv, row 1: the file is UTF-16; save it as 'CSV UTF-8'"),
        # binary
        (b"PK\x03\x04\x00\x00", "x.csv, row 1: this looks like a binary file, not a CSV text file"),
        # the same column twice
        (b"a,a\n1,2\n", "x.csv, row 1, column 'a': the same column name appears twice in the header"),
        # a column with data but no header
        (b"a,,b\n1,2,3\n", "x.csv, row 1: column 2 has data but no header"),
        # a quote never closed
        (b'a,b\n"1,2\n', "x.csv, row 2: malformed CSV"),
    ],
)
def test_csv_defects(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    assert _error(path).replace(str(tmp_path) + "/", "").startswith(message)


def test_trailing_empty_cells_and_unnamed_empty_columns_are_dropped(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b,\n1,2,\n3,4,,\n")
    df = read_table(path)
    assert list(df.columns) == ["a", "b"] and df.values.tolist() == [["1", "2"], ["3", "4"]]


def test_xlsx_defects(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not a zip")
    assert "not a readable Excel .xlsx file" in _error(path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["a", "b", "c"])
    ws.append([1, 2, 3])
    ws.merge_cells("A1:B1")
    wb.save(path)
    assert "merged header cells A1:B1" in _error(path)


@pytest.mark.parametrize("stray", ["XFD100", "XFD1048576"])
def test_xlsx_reads_only_the_cells_present(tmp_path, stray):
    """Issue 14 item 8: one space in the sheet's last cell declares a used range of 1,048,576 x
    16,384 cells; padding every row to it took minutes and gigabytes. Only the cells present are
    read now (``XFD100`` already cost 1.6 million cell objects before)."""
    import tracemalloc

    path = tmp_path / "x.xlsx"
    wb = openpyxl.Workbook()
    for r in ROWS:
        wb.active.append(r)
    wb.active[stray] = " "
    wb.save(path)
    tracemalloc.start()
    try:
        df = read_table(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert df.values.tolist() == [[str(v) for v in r] for r in ROWS[1:]]
    assert peak < 32 * 2**20


def test_xlsx_data_beyond_the_header_is_named(tmp_path):
    path = tmp_path / "x.xlsx"
    wb = openpyxl.Workbook()
    for r in ROWS:
        wb.active.append(r)
    wb.active["H3"] = "stray"
    wb.save(path)
    assert "row 1: empty header cell in column 8 above data" in _error(path)


def test_csv_nul_byte_after_64_kb_is_refused(tmp_path):
    """Issue 14 item 12: only the first 64 KB were searched for NUL bytes."""
    lines = ["a,b"] + [f"{i},{i}" for i in range(20_000)]
    lines[15_000] = "15000,1\x002"
    path = tmp_path / "x.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 65536
    assert _error(path).endswith("x.csv, row 15001: a NUL byte (binary data) in the line; the file is damaged")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".geojson"])
def test_oversized_table_is_refused_before_it_is_read(tmp_path, monkeypatch, suffix):
    """Issue 14 item 9: a 64 MB file (sparse: no disk used) over a 1 KB limit is refused from
    its size on disk, without reading it."""
    import tracemalloc

    from allocate.io import limits

    monkeypatch.setattr(limits, "MAX_TABLE_BYTES", 1024)
    path = tmp_path / f"x{suffix}"
    with path.open("wb") as fh:
        fh.truncate(64 * 2**20)
    tracemalloc.start()
    try:
        message = _error(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "the file is 64 MB, larger than the limit of 1,024 bytes" in message
    assert peak < 4 * 2**20


def test_table_limit_from_the_environment(tmp_path, monkeypatch):
    path = _csv(tmp_path / "x.csv")
    monkeypatch.setenv("ALLOCATE_MAX_FILE_MB", "0.00005")  # 52 bytes
    assert "larger than the limit of 52 bytes" in _error(path)
    monkeypatch.setenv("ALLOCATE_MAX_FILE_MB", "lots")
    assert "ALLOCATE_MAX_FILE_MB: 'lots' is not a positive number of megabytes" in _error(path)
    monkeypatch.setenv("ALLOCATE_MAX_FILE_MB", "1")
    assert len(read_table(path)) == 2


def test_csv_row_and_column_bounds(tmp_path, monkeypatch):
    from allocate.io import limits

    monkeypatch.setattr(limits, "MAX_TABLE_ROWS", 1)
    assert "more than 1 data rows" in _error(_csv(tmp_path / "x.csv"))
    monkeypatch.setattr(limits, "MAX_TABLE_ROWS", 10)
    monkeypatch.setattr(limits, "MAX_TABLE_COLUMNS", 3)
    assert "the header has 5 columns (at most 3)" in _error(_csv(tmp_path / "x.csv"))


def test_csv_with_old_mac_line_ends(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\r1,2\r3,4\r")
    assert read_table(path).values.tolist() == [["1", "2"], ["3", "4"]]


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("a,b\n1,2\n")
    assert "unsupported file type '.txt'" in _error(path)


def test_find_table(tmp_path):
    assert find_table(tmp_path, "accounts", required=False) is None
    with pytest.raises(InputError, match="missing file: expected accounts as one of .csv, .xlsx"):
        find_table(tmp_path, "accounts")
    _csv(tmp_path / "accounts.csv")
    assert find_table(tmp_path, "accounts") == tmp_path / "accounts.csv"
    _xlsx(tmp_path / "accounts.xlsx")
    with pytest.raises(InputError, match=r"several 'accounts' files \(accounts.csv, accounts.xlsx\); keep one"):
        find_table(tmp_path, "accounts")
    assert TABLE_SUFFIXES[0] == ".csv"


def test_files_named_in_the_order_of_the_suffixes(tmp_path):
    assert files_named(tmp_path, "units", (".geojson", ".gpkg")) == []
    (tmp_path / "units.gpkg").write_text("x")
    (tmp_path / "units.geojson").write_text("x")
    (tmp_path / "units.csv").mkdir()  # a folder is not a file
    assert files_named(tmp_path, "units", (".gpkg", ".geojson", ".csv")) == [
        tmp_path / "units.gpkg",
        tmp_path / "units.geojson",
    ]


def _points(path: Path, crs: str | None = None) -> Path:
    import json

    feats = [
        {"type": "Feature", "properties": {"seller_id": "PAR"}, "geometry": {"type": "Point", "coordinates": [2.3522, 48.8566]}},
        {"type": "Feature", "properties": {"seller_id": "NOP"}, "geometry": None},
    ]
    data: dict = {"type": "FeatureCollection", "features": feats}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(data))
    return path


def test_geometry_tables_are_read_like_polygon_layers(tmp_path):
    path = _points(tmp_path / "sellers.geojson")
    df = read_table(path)
    assert df["seller_id"].tolist() == ["PAR", "NOP"]
    assert df["lat"].tolist()[0] == "48.8566" and df["lon"].tolist()[0] == "2.3522"
    assert read_geometries(path).crs.to_epsg() == 4326
    (tmp_path / "bad.geojson").write_text("{not json")
    for read in (read_table, read_geometries):
        with pytest.raises(InputError, match="not a readable geospatial file"):
            read(tmp_path / "bad.geojson")
