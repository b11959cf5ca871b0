"""The corpus of corrupted instances: each case applies ONE defect to a copy of ``_base/``.

A case is a patch (a function that edits the copied instance folder in place) plus what the CLI
must say about it: the file named in the message, the spreadsheet row (header = row 1) and the
column, when the defect has them. ``ANY_ROW`` means "some row must be named" (YAML line numbers
depend on the layout of the patched text). ``exit_code`` is 2 (bad input) unless stated.

The patches are tiny on purpose: the repository holds one small valid instance, not 40 copies.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BASE = Path(__file__).parent / "_base"
ANY_ROW = -1


@dataclass(frozen=True)
class Case:
    id: str
    why: str
    patch: Callable[[Path], object]
    file: str | None  # basename expected in the message (None: the folder itself)
    row: int | None = None
    column: str | None = None
    exit_code: int = 2
    solve_model: str = "geography"


# ----------------------------------------------------------------------------- edit helpers


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write_rows(path: Path, rows: list[list[str]], sep: str = ",") -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def set_cell(file: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set the cell at spreadsheet ``row`` (header = 1) and ``column``."""

    def patch(d: Path) -> None:
        rows = _rows(d / file)
        rows[row - 1][rows[0].index(column)] = value
        _write_rows(d / file, rows)

    return patch


def set_cells(file: str, edits: list[tuple[int, str, str]]) -> Callable[[Path], None]:
    def patch(d: Path) -> None:
        for row, column, value in edits:
            set_cell(file, row, column, value)(d)

    return patch


def drop_column(file: str, column: str) -> Callable[[Path], None]:
    def patch(d: Path) -> None:
        rows = _rows(d / file)
        j = rows[0].index(column)
        _write_rows(d / file, [r[:j] + r[j + 1 :] for r in rows])

    return patch


def write_bytes(file: str, data: bytes) -> Callable[[Path], None]:
    def patch(d: Path) -> None:
        (d / file).write_bytes(data)

    return patch


def replace_text(file: str, old: str, new: str) -> Callable[[Path], None]:
    def patch(d: Path) -> None:
        text = (d / file).read_text(encoding="utf-8")
        assert old in text, f"patch target {old!r} not found in {file}"
        (d / file).write_text(text.replace(old, new, 1), encoding="utf-8")

    return patch


def swap_lat_lon(file: str, rows_: list[int]) -> Callable[[Path], None]:
    def patch(d: Path) -> None:
        rows = _rows(d / file)
        i, j = rows[0].index("lat"), rows[0].index("lon")
        for r in rows_:
            rows[r - 1][i], rows[r - 1][j] = rows[r - 1][j], rows[r - 1][i]
        _write_rows(d / file, rows)

    return patch


def remove(file: str) -> Callable[[Path], None]:
    def patch(d: Path) -> None:
        (d / file).unlink()

    return patch


def _binary(d: Path) -> None:
    # a PNG header followed by noise: what a user gets by renaming an image
    (d / "accounts.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)


def _latin1(d: Path) -> None:
    text = (d / "accounts.csv").read_text(encoding="utf-8")
    (d / "accounts.csv").write_bytes(text.encode("latin-1"))


def _utf16(d: Path) -> None:
    text = (d / "accounts.csv").read_text(encoding="utf-8")
    (d / "accounts.csv").write_bytes(text.encode("utf-16"))  # with its BOM, as Notepad writes


def _huge_line(d: Path) -> None:
    set_cell("accounts.csv", 5, "name", "x" * 1_500_000)(d)


def _mixed_separator(d: Path) -> None:
    # header saved with ';', data rows with ','
    lines = (d / "accounts.csv").read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace(",", ";")
    (d / "accounts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _blank_line(d: Path) -> None:
    lines = (d / "accounts.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(8, "")  # becomes spreadsheet row 9
    (d / "accounts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _unquoted_decimal_comma(d: Path) -> None:
    lines = (d / "accounts.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("45.83352", "45,83352")  # row 4 gets one field too many
    (d / "accounts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _unterminated_quote(d: Path) -> None:
    lines = (d / "accounts.csv").read_text(encoding="utf-8").splitlines()
    lines[6] = lines[6].replace("Garage Dumont SA", '"Garage Dumont SA')
    (d / "accounts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _to_xlsx(d: Path, merged: str | None) -> None:
    import openpyxl

    rows = _rows(d / "accounts.csv")
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    if merged:
        ws.merge_cells(merged)
    wb.save(d / "accounts.xlsx")
    (d / "accounts.csv").unlink()


def _excel_merged_header(d: Path) -> None:
    _to_xlsx(d, "C1:D1")  # "lat" and "lon" merged under one header cell


def _excel_and_csv(d: Path) -> None:
    _to_xlsx(d, None)
    (d / "accounts.csv").write_text(
        (BASE / "accounts.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )


def _geojson_accounts(d: Path, *, polygons: bool = False, crs: int = 4326) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    rows = _rows(d / "accounts.csv")
    header, data = rows[0], rows[1:]
    i, j = header.index("lat"), header.index("lon")
    props = [
        {h: v for h, v in zip(header, r, strict=True) if h not in ("lat", "lon")} for r in data
    ]
    geom = [Point(float(r[j]), float(r[i])) for r in data]
    if polygons:
        geom = [g.buffer(0.01) for g in geom]
    gdf = gpd.GeoDataFrame(props, geometry=geom, crs=4326).to_crs(crs)
    gdf.to_file(d / "accounts.geojson", driver="GeoJSON", engine="pyogrio")
    (d / "accounts.csv").unlink()


def _units_points(d: Path) -> None:
    data = json.loads((d / "units.geojson").read_text(encoding="utf-8"))
    data["features"][2]["geometry"] = {"type": "Point", "coordinates": [2.0, 47.0]}
    (d / "units.geojson").write_text(json.dumps(data), encoding="utf-8")


def _units_no_id(d: Path) -> None:
    data = json.loads((d / "units.geojson").read_text(encoding="utf-8"))
    for f in data["features"]:
        f["properties"]["code"] = f["properties"].pop("unit_id")
    (d / "units.geojson").write_text(json.dumps(data), encoding="utf-8")


def _python_tag(d: Path) -> None:
    # if the YAML loader ever ran Python tags, this would create the file ``pwned``
    marker = d.parent / "pwned"
    text = (d / "nomenclature.yaml").read_text(encoding="utf-8")
    (d / "nomenclature.yaml").write_text(
        f'hack: !!python/object/apply:os.system ["touch {marker}"]\n' + text, encoding="utf-8"
    )


def _billion_laughs(d: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for k in range(1, 10):
        prev = f"*a{k - 1}"
        lines.append(f"a{k}: &a{k} [{', '.join([prev] * 9)}]")
    text = (d / "nomenclature.yaml").read_text(encoding="utf-8")
    (d / "nomenclature.yaml").write_text("\n".join(lines) + "\n" + text, encoding="utf-8")


def _seller_column(column: str, value: str, row: int, fill: str = "") -> Callable[[Path], None]:
    """An optional ``column`` of the sellers, ``fill`` for all but ``value`` on ``row``."""

    def patch(d: Path) -> None:
        rows = _rows(d / "sellers.csv")
        rows[0].append(column)
        for r in rows[1:]:
            r.append(fill)
        rows[row - 1][-1] = value
        _write_rows(d / "sellers.csv", rows)

    return patch


def _calendar_column(value: str) -> Callable[[Path], None]:
    return _seller_column("calendar", value, row=3)


def _daily_column(value: str) -> Callable[[Path], None]:
    """A ``daily_h`` column, 8 h for every seller but ``value`` on spreadsheet row 4."""
    return _seller_column("daily_h", value, row=4, fill="8")


def _recursive_alias(d: Path) -> None:
    # an alias inside the node it names: looped forever, memory growing (issue 14 item 7)
    text = (d / "nomenclature.yaml").read_text(encoding="utf-8")
    (d / "nomenclature.yaml").write_text("loop: &loop [*loop]\n" + text, encoding="utf-8")


def _bad_calendar(content: str) -> Callable[[Path], None]:
    """A calendar file for S002 (row 3) with ``content`` (issue 14 item 12)."""

    def patch(d: Path) -> None:
        (d / "cal.csv").write_text(content, encoding="utf-8")
        _calendar_column("cal.csv")(d)

    return patch


def _nul_after_64kb(d: Path) -> None:
    # only the first 64 KB were searched for NUL bytes (issue 14 item 12): pad the names
    rows = _rows(d / "accounts.csv")
    for r in rows[1:]:
        r[1] = r[1] + " " * 2500
    rows[28][1] = rows[28][1] + "\x00"
    _write_rows(d / "accounts.csv", rows)
    assert (d / "accounts.csv").stat().st_size > 65536


def _unit_id(value: str) -> Callable[[Path], None]:
    def patch(d: Path) -> None:
        data = json.loads((d / "units.geojson").read_text(encoding="utf-8"))
        data["features"][1]["properties"]["unit_id"] = value
        (d / "units.geojson").write_text(json.dumps(data), encoding="utf-8")

    return patch


def _unit_geometry(geometry: dict) -> Callable[[Path], None]:
    def patch(d: Path) -> None:
        data = json.loads((d / "units.geojson").read_text(encoding="utf-8"))
        data["features"][2]["geometry"] = geometry
        (d / "units.geojson").write_text(json.dumps(data), encoding="utf-8")

    return patch


def _no_ae(d: Path) -> None:
    text = (d / "sellers.csv").read_text(encoding="utf-8")
    (d / "sellers.csv").write_text(text.replace(",AE,", ",CSM,"), encoding="utf-8")


def _segment_short(d: Path) -> None:
    # only S004 may serve large accounts, and 0.1 h/week is far too little for one
    rows = _rows(d / "sellers.csv")
    h = rows[0]
    for r in rows[1:]:
        r[h.index("segments")] = "large" if r[0] == "S004" else "micro;small;mid"
        if r[0] == "S004":
            r[h.index("capacity_h")] = "0.1"
    _write_rows(d / "sellers.csv", rows)


def _locked_over_capacity(d: Path) -> None:
    rows = _rows(d / "accounts.csv")
    h = rows[0]
    for r in rows[1:12]:
        r[h.index("current_seller_id")] = "S003"
        r[h.index("locked")] = "true"
    _write_rows(d / "accounts.csv", rows)
    set_cell("sellers.csv", 4, "capacity_h", "0.5")(d)


A, S, N, U = "accounts.csv", "sellers.csv", "nomenclature.yaml", "units.geojson"

# ----------------------------------------------------------------------------- the corpus

CASES: list[Case] = [
    # --- accounts: columns and types
    Case(
        "acc_missing_column", "no potential column", drop_column(A, "potential"), A, 1, "potential"
    ),
    Case(
        "acc_missing_id_column",
        "no account_id column",
        drop_column(A, "account_id"),
        A,
        1,
        "account_id",
    ),
    Case(
        "acc_wrong_type",
        "text in a number column",
        set_cell(A, 5, "potential", "lots"),
        A,
        5,
        "potential",
    ),
    Case(
        "acc_bad_bool", "locked is not a boolean", set_cell(A, 6, "locked", "maybe"), A, 6, "locked"
    ),
    # --- accounts: coordinates
    Case("acc_lat_nan", "NaN latitude", set_cell(A, 3, "lat", "NaN"), A, 3, "lat"),
    Case("acc_lat_empty", "missing latitude", set_cell(A, 4, "lat", ""), A, 4, "lat"),
    Case("acc_lat_out_of_range", "latitude above 90", set_cell(A, 7, "lat", "95.2"), A, 7, "lat"),
    Case(
        "acc_lon_out_of_range", "longitude below -180", set_cell(A, 8, "lon", "-200"), A, 8, "lon"
    ),
    Case("acc_lat_inf", "infinite latitude", set_cell(A, 9, "lat", "inf"), A, 9, "lat"),
    Case(
        "acc_swapped_lat_lon",
        "lat/lon swapped on 3 French rows (lands in Somalia)",
        swap_lat_lon(A, [10, 11, 12]),
        A,
        10,
        "lat",
    ),
    # --- accounts: ids and references
    Case(
        "acc_duplicate_id",
        "the same account_id twice",
        set_cell(A, 6, "account_id", "A000001"),
        A,
        6,
        "account_id",
    ),
    Case(
        "acc_empty_id", "blank account_id", set_cell(A, 7, "account_id", "   "), A, 7, "account_id"
    ),
    Case(
        "acc_unknown_seller",
        "current_seller_id not in sellers",
        set_cell(A, 7, "current_seller_id", "S999"),
        A,
        7,
        "current_seller_id",
    ),
    Case(
        "acc_group_conflicting_locks",
        "sites of group G0001 locked to two sellers",
        set_cell(A, 26, "current_seller_id", "S004"),
        A,
        22,
        "locked",
    ),
    Case(
        "acc_locked_without_seller",
        "locked but no current seller",
        set_cell(A, 28, "current_seller_id", ""),
        A,
        28,
        "locked",
    ),
    Case(
        "acc_unknown_unit",
        "unit_id not in units.geojson",
        set_cell(A, 2, "unit_id", "T000"),
        A,
        2,
        "unit_id",
    ),
    # --- accounts: values
    Case(
        "acc_unknown_segment",
        "segment not in the nomenclature",
        set_cell(A, 3, "segment", "huge"),
        A,
        3,
        "segment",
    ),
    Case(
        "acc_unknown_stage",
        "stage not in the funnel",
        set_cell(A, 4, "stage", "won"),
        A,
        4,
        "stage",
    ),
    Case(
        "acc_negative_potential",
        "negative potential",
        set_cell(A, 5, "potential", "-5"),
        A,
        5,
        "potential",
    ),
    Case(
        "acc_no_product_line",
        "empty product_lines",
        set_cell(A, 6, "product_lines", ""),
        A,
        6,
        "product_lines",
    ),
    # --- accounts: file-level defects
    Case("acc_empty_file", "0-byte accounts.csv", write_bytes(A, b""), A),
    Case(
        "acc_header_only",
        "header without rows",
        write_bytes(A, (BASE / A).read_bytes().splitlines(keepends=True)[0]),
        A,
        2,
    ),
    Case("acc_binary", "an image renamed to accounts.csv", _binary, A, 1),
    Case("acc_latin1", "saved as Latin-1, not UTF-8 (first accent: row 6)", _latin1, A, 6),
    Case("acc_utf16", "saved as UTF-16 (Excel 'Unicode text')", _utf16, A, 1),
    Case("acc_huge_line", "a 1.5 MB name cell", _huge_line, A, 5),
    Case("acc_mixed_separator", "header with ';', rows with ','", _mixed_separator, A, 2),
    Case(
        "acc_unquoted_decimal_comma",
        "a decimal comma in a comma-separated file",
        _unquoted_decimal_comma,
        A,
        4,
    ),
    Case("acc_unterminated_quote", "an opening quote never closed", _unterminated_quote, A, 7),
    Case("acc_blank_line_inside", "an empty line in the middle of the table", _blank_line, A, 9),
    Case(
        "acc_duplicate_header",
        "two columns named 'lat'",
        replace_text(A, ",lon,", ",lat,"),
        A,
        1,
        "lat",
    ),
    Case(
        "acc_potential_overflow",
        "1e400 overflows to infinity",
        set_cell(A, 3, "potential", "1e400"),
        A,
        3,
        "potential",
    ),
    Case(
        "acc_excel_merged_header",
        "lat and lon under one merged header cell",
        _excel_merged_header,
        "accounts.xlsx",
        1,
        "lat",
    ),
    Case(
        "acc_geojson_polygons",
        "polygons where account points are expected",
        lambda d: _geojson_accounts(d, polygons=True),
        "accounts.geojson",
        2,
        "geometry",
    ),
    Case("acc_two_files", "accounts.csv and accounts.xlsx side by side", _excel_and_csv, None),
    Case("acc_missing_file", "no accounts file", remove(A), A),
    Case(
        "acc_corrupt_parquet",
        "a CSV renamed to .parquet",
        lambda d: (d / A).rename(d / "accounts.parquet"),
        "accounts.parquet",
    ),
    # --- sellers
    Case(
        "sel_duplicate_id",
        "the same seller_id twice",
        set_cell(S, 3, "seller_id", "S001"),
        S,
        3,
        "seller_id",
    ),
    Case(
        "sel_negative_capacity",
        "negative capacity",
        set_cell(S, 2, "capacity_h", "-8"),
        S,
        2,
        "capacity_h",
    ),
    Case(
        "sel_zero_capacity", "zero capacity", set_cell(S, 4, "capacity_h", "0"), S, 4, "capacity_h"
    ),
    Case(
        "sel_capacity_text",
        "'40h' is not a number",
        set_cell(S, 3, "capacity_h", "40h"),
        S,
        3,
        "capacity_h",
    ),
    Case("sel_daily_over_24h", "a day of 25 hours", _daily_column("25"), S, 4, "daily_h"),
    Case("sel_daily_zero", "a day of 0 hours", _daily_column("0"), S, 4, "daily_h"),
    Case(
        "sel_daily_short_week",
        "1.5 h a day cannot fill an 8 h week",
        _daily_column("1.5"),
        S,
        4,
        "daily_h",
    ),
    Case("sel_daily_text", "'8h' is not a number", _daily_column("8h"), S, 4, "daily_h"),
    Case(
        "sel_missing_column",
        "no capacity_h column",
        drop_column(S, "capacity_h"),
        S,
        1,
        "capacity_h",
    ),
    Case(
        "sel_unknown_role",
        "role not in generalist|MRR|SDR|AE|CSM",
        set_cell(S, 5, "role", "Hunter"),
        S,
        5,
        "role",
    ),
    Case(
        "sel_unknown_segment",
        "segments lists an unknown class",
        set_cell(S, 2, "segments", "micro;giant"),
        S,
        2,
        "segments",
    ),
    Case(
        "sel_fractional_max_accounts",
        "max_accounts must be whole",
        set_cell(S, 3, "max_accounts", "2.5"),
        S,
        3,
        "max_accounts",
    ),
    Case(
        "sel_lon_out_of_range", "home base longitude 400", set_cell(S, 4, "lon", "400"), S, 4, "lon"
    ),
    Case(
        "sel_calendar_escapes",
        "calendar path climbs out of the instance",
        _calendar_column("../../etc/passwd"),
        S,
        3,
        "calendar",
    ),
    Case(
        "sel_calendar_absolute",
        "calendar path is absolute",
        _calendar_column("/etc/passwd"),
        S,
        3,
        "calendar",
    ),
    Case(
        "sel_calendar_missing",
        "calendar file does not exist",
        _calendar_column("calendars/s002.csv"),
        S,
        3,
        "calendar",
    ),
    Case(
        "sel_max_accounts_overflow",
        "max_accounts 1e30 does not fit an integer",
        set_cell(S, 2, "max_accounts", "1e30"),
        S,
        2,
        "max_accounts",
    ),
    Case("sel_empty_file", "0-byte sellers.csv", write_bytes(S, b""), S),
    # --- nomenclature
    Case(
        "nom_cyclic",
        "call after appt after call",
        replace_text(N, "  - id: call\n", "  - id: call\n    after: [appt]\n"),
        N,
        ANY_ROW,
        "playbooks.0",
    ),
    Case(
        "nom_lag_min_gt_max",
        "min_lag_days > max_lag_days",
        replace_text(
            N, "min_lag_days: 1\n    max_lag_days: 10", "min_lag_days: 12\n    max_lag_days: 10"
        ),
        N,
        ANY_ROW,
        "playbooks.0.operations.1",
    ),
    Case(
        "nom_unknown_channel",
        "channel 'fax'",
        replace_text(N, "channel: email", "channel: fax"),
        N,
        ANY_ROW,
        "playbooks.0.operations.2.channel",
    ),
    Case(
        "nom_unknown_predecessor",
        "after names a missing operation",
        replace_text(N, "    - visit1\n", "    - visit0\n"),
        N,
        ANY_ROW,
        "playbooks.1",
    ),
    Case(
        "nom_unknown_stage",
        "playbook for stage 'won'",
        replace_text(N, "- stage: prospect", "- stage: won"),
        N,
        ANY_ROW,
        "playbooks.1.stage",
    ),
    Case(
        "nom_unknown_role",
        "operation role 'Hunter'",
        replace_text(N, "role: MRR", "role: Hunter"),
        N,
        ANY_ROW,
        "playbooks.0.operations.2.role",
    ),
    Case(
        "nom_negative_duration",
        "duration_min -15",
        replace_text(N, "duration_min: 15", "duration_min: -15"),
        N,
        ANY_ROW,
        "playbooks.0.operations.0.duration_min",
    ),
    Case(
        "nom_invalid_yaml",
        "an unclosed bracket",
        replace_text(N, "- call\n", "- [call\n"),
        N,
        ANY_ROW,
    ),
    Case("nom_python_tag", "!!python/object/apply must not run", _python_tag, N, 1),
    Case("nom_billion_laughs", "nested aliases that expand to 10^9 nodes", _billion_laughs, N),
    Case(
        "nom_duplicate_key",
        "the same key twice in a mapping",
        replace_text(N, "churn_rate: 0.15\n", "churn_rate: 0.15\nchurn_rate: 0.5\n"),
        N,
        ANY_ROW,
        "churn_rate",
    ),
    Case("nom_binary", "binary nomenclature", write_bytes(N, b"\x00\x01\x02garbage"), N, 1),
    Case("nom_empty", "empty nomenclature", write_bytes(N, b""), N),
    Case("nom_missing", "no nomenclature.yaml", remove(N), N),
    Case(
        "nom_utf16",
        "nomenclature saved as UTF-16",
        lambda d: (d / N).write_bytes((BASE / N).read_text(encoding="utf-8").encode("utf-16")),
        N,
        1,
    ),
    Case(
        "nom_deep_nesting",
        "100,000 nested brackets",
        replace_text(N, "churn_rate: 0.15", "churn_rate: " + "[" * 100_000 + "]" * 100_000),
        N,
    ),
    # --- travel matrix (optional file)
    Case(
        "travel_unknown_seller",
        "travel.csv names a seller that does not exist",
        write_bytes(
            "travel.csv", b"seller_id,account_id,minutes\nS001,A000001,30\nS404,A000002,45\n"
        ),
        "travel.csv",
        3,
        "seller_id",
    ),
    Case(
        "travel_negative_minutes",
        "negative travel time",
        write_bytes("travel.csv", b"seller_id,account_id,minutes\nS001,A000001,-30\n"),
        "travel.csv",
        2,
        "minutes",
    ),
    # --- ids a spreadsheet reads as formulas: outputs could not repeat them (issue 14 item 5)
    Case("acc_id_formula", "account id '=A000007'", set_cell(A, 8, "account_id", "=A000007"), A, 8, "account_id"),
    Case("acc_id_minus", "account id '-12'", set_cell(A, 9, "account_id", "-12"), A, 9, "account_id"),
    Case("sel_id_plus", "seller id '+S004'", set_cell(S, 5, "seller_id", "+S004"), S, 5, "seller_id"),
    Case("acc_group_at", "group id '@G1'", set_cell(A, 10, "group_id", "@G1"), A, 10, "group_id"),
    Case(
        "acc_product_line_formula",
        "product line '=cmd' (alignment key of the value-proposition model)",
        set_cell(A, 11, "product_lines", "hr;=cmd"),
        A,
        11,
        "product_lines",
    ),
    Case("units_id_formula", "unit id '+T1' (units file)", _unit_id("+T1"), U, 3, "unit_id"),
    # --- YAML that never ended (issue 14 item 7)
    Case("nom_recursive_alias", "a: &a [*a] in the nomenclature", _recursive_alias, N, 1),
    # --- what validate called valid and a later command refused (issue 14 item 12)
    Case("acc_nul_after_64kb", "a NUL byte on row 29, after the first 64 KB", _nul_after_64kb, A, 29),
    Case(
        "travel_inf_minutes",
        "infinite travel time next to an empty one",
        write_bytes("travel.csv", b"seller_id,account_id,minutes\nS001,A000001,inf\nS001,A000002,nan\n"),
        "travel.csv",
        2,
        "minutes",
    ),
    Case(
        "cal_bad_date",
        "a calendar day that does not exist",
        _bad_calendar("date,hours\n2027-02-30,\n"),
        "cal.csv",
        2,
        "date",
    ),
    Case(
        "cal_inf_hours",
        "a calendar day of inf hours",
        _bad_calendar("date,hours\n2027-01-04,inf\n2027-01-05,nan\n"),
        "cal.csv",
        2,
        "hours",
    ),
    Case("cal_empty", "an empty calendar file", _bad_calendar(""), "cal.csv"),
    Case(
        "cal_binary",
        "a calendar that is an image",
        _bad_calendar("\x89PNG\x00\x00"),
        "cal.csv",
        1,
    ),
    # --- classes that ended in exit 1 (issue 14 item 11)
    Case(
        "units_empty_polygon",
        "an empty unit polygon (crashed on its centre)",
        _unit_geometry({"type": "Polygon", "coordinates": []}),
        U,
        4,
        "geometry",
    ),
    Case(
        "units_coordinates_out_of_range",
        "a unit polygon out to longitude 1e308",
        _unit_geometry({"type": "Polygon", "coordinates": [[[0, 0], [1e308, 0], [1e308, 1], [0, 0]]]}),
        U,
        4,
        "geometry",
    ),
    Case(
        "travel_duplicate_pair",
        "the same seller and account twice in the travel matrix",
        write_bytes("travel.csv", b"seller_id,account_id,minutes\nS001,A000001,5\nS001,A000001,7\n"),
        "travel.csv",
        3,
        "account_id",
    ),
    # --- units
    Case("units_point", "a Point among the unit polygons", _units_points, U, 4, "geometry"),
    Case("units_no_unit_id", "units without unit_id", _units_no_id, U, 1, "unit_id"),
]

#: Files that must be ACCEPTED (exit 0): the readers normalize them.
POSITIVE: list[Case] = [
    Case(
        "pos_excel_fr_csv",
        "UTF-8 BOM, ';' separator, decimal commas (French Excel)",
        lambda d: None,
        A,
        exit_code=0,
    ),
    Case(
        "pos_geojson_lambert93",
        "accounts as GeoJSON points in EPSG:2154, reprojected to WGS84",
        lambda d: _geojson_accounts(d, crs=2154),
        "accounts.geojson",
        exit_code=0,
    ),
    Case(
        "pos_xlsx",
        "accounts as a plain .xlsx",
        lambda d: _to_xlsx(d, None),
        "accounts.xlsx",
        exit_code=0,
    ),
]

#: Valid files whose organization cannot be served: exit 3, the message names the group.
INFEASIBLE: list[Case] = [
    Case(
        "inf_segment_capacity",
        "only S004 (0.1 h/week) may serve large accounts",
        _segment_short,
        None,
        exit_code=3,
        solve_model="size",
    ),
    Case(
        "inf_locked_over_capacity",
        "11 accounts locked to S003 with 0.5 h/week",
        _locked_over_capacity,
        None,
        exit_code=3,
    ),
    Case(
        "inf_no_seller_of_role",
        "roles model, no AE and no generalist to stand in",
        _no_ae,
        None,
        exit_code=3,
        solve_model="roles",
    ),
]


def french_excel(d: Path) -> None:
    """Rewrite accounts and sellers as Excel's French 'CSV (séparateur : point-virgule)'."""
    for name in (A, S):
        rows = _rows(d / name)
        out = [rows[0]] + [[_fr_number(v) for v in r] for r in rows[1:]]
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(out)
        (d / name).write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def _fr_number(v: str) -> str:
    try:
        float(v)
    except ValueError:
        return v
    return v.replace(".", ",")


POSITIVE[0] = Case(POSITIVE[0].id, POSITIVE[0].why, french_excel, A, exit_code=0)
