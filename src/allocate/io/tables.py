"""Read one table (CSV, Excel, Parquet, GeoJSON, GeoPackage) into a DataFrame of strings.

Everything is read as text first, so that the schemas in :mod:`allocate.io.schemas` can name
the row and the column of every defect instead of letting a parser guess types.

CSV files must be UTF-8 (a BOM is accepted, as Excel writes it); the separator (``,`` ``;``
tab or ``|``) is detected from the header line, so the French Excel export (BOM + ``;``) reads
as is. Geometry files are reprojected to WGS84 (EPSG:4326) and their points become ``lat`` and
``lon`` columns.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from allocate.core.errors import InputError, Problem
from allocate.io import limits

TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet", ".geojson", ".gpkg")
MAX_LINE_BYTES = 1_000_000
_CR_ALONE = re.compile(r"(?<=\r)(?!\n)")


def files_named(folder: Path, stem: str, suffixes: Sequence[str]) -> list[Path]:
    """The files ``stem<suffix>`` that exist in ``folder``.

    Parameters
    ----------
    folder
        The folder searched.
    stem
        File name without suffix (``accounts``, ``units``, ``travel``).
    suffixes
        The suffixes tried, dot included.

    Returns
    -------
    list of pathlib.Path
        The existing files, in the order of ``suffixes`` (empty when there is none).
    """
    return [folder / f"{stem}{s}" for s in suffixes if (folder / f"{stem}{s}").is_file()]


def find_table(folder: Path, stem: str, *, required: bool = True) -> Path | None:
    """The file ``stem.<suffix>`` in ``folder``, for a suffix of :data:`TABLE_SUFFIXES`.

    Parameters
    ----------
    folder
        The instance folder.
    stem
        File name without suffix (``accounts``, ``sellers``).
    required
        Whether a missing file is an error.

    Returns
    -------
    pathlib.Path or None
        The file; ``None`` when it is missing and not required.

    Raises
    ------
    InputError
        When several files match, or none and ``required``.
    """
    found = files_named(folder, stem, TABLE_SUFFIXES)
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise InputError.single(str(folder), f"several '{stem}' files ({names}); keep one")
    if not found:
        if required:
            raise InputError.single(
                str(folder / f"{stem}.csv"),
                f"missing file: expected {stem} as one of {', '.join(TABLE_SUFFIXES)}",
            )
        return None
    return found[0]


def read_table(path: Path) -> pd.DataFrame:
    """Read ``path`` as text columns; geometry files get ``lat``/``lon`` from point geometry.

    Parameters
    ----------
    path
        A ``.csv``, ``.xlsx``, ``.parquet``, ``.geojson`` or ``.gpkg`` file.

    Returns
    -------
    pandas.DataFrame
        One text column per header cell (stripped names; unnamed empty columns dropped).

    Raises
    ------
    InputError
        On an empty, binary, non-UTF-8 or malformed file, naming the row where possible.
    """
    suffix = path.suffix.lower()
    limits.check_size(path, limits.max_table_bytes(), "the file")
    if suffix == ".csv":
        df = _read_csv(path)
    elif suffix == ".xlsx":
        df = _read_excel(path)
    elif suffix == ".parquet":
        try:
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(path).metadata
            _check_shape(str(path), int(meta.num_rows), int(meta.num_columns))
            df = pd.read_parquet(path)
        except InputError:
            raise
        except Exception as exc:  # pyarrow raises many types for corrupt files
            raise InputError.single(str(path), f"not a readable Parquet file ({exc})") from None
        df = _as_text(df)
    elif suffix in (".geojson", ".gpkg"):
        df = _read_geo(path)
    else:
        raise InputError.single(str(path), f"unsupported file type {suffix!r}")
    # a second BOM (a file saved twice as UTF-8 with BOM) would stick to the first name
    df.columns = [str(c).strip().lstrip("\ufeff").strip() for c in df.columns]
    df = _check_header(df, str(path))
    if df.empty:
        raise InputError.single(str(path), "the file has a header but no data rows", row=2)
    return df


def _check_shape(file: str, rows: int, columns: int) -> None:
    """Refuse a table larger than the row and column bounds, from its metadata."""
    if columns > limits.MAX_TABLE_COLUMNS:
        raise InputError.single(
            file, f"the header has {columns:,} columns (at most {limits.MAX_TABLE_COLUMNS:,})", row=1
        )
    if rows > limits.MAX_TABLE_ROWS:
        raise InputError.single(file, f"more than {limits.MAX_TABLE_ROWS:,} data rows")


def _check_header(df: pd.DataFrame, file: str) -> pd.DataFrame:
    """Refuse duplicate column names; drop unnamed columns that hold no data."""
    seen: set[str] = set()
    keep = []
    for j, name in enumerate(df.columns):
        col = df.iloc[:, j]
        if name == "" or name.lower().startswith("unnamed:"):
            if col.map(lambda v: v is not None and str(v).strip() not in ("", "nan")).any():
                raise InputError.single(file, f"column {j + 1} has data but no header", row=1)
            continue
        if name in seen:
            raise InputError.single(
                file, "the same column name appears twice in the header", row=1, column=name
            )
        seen.add(name)
        keep.append(j)
    if len(keep) < len(df.columns):
        df = df.iloc[:, keep]
    return df


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Typed columns (Parquet, GeoJSON properties) as text; list cells become ``;`` lists."""
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        out[col] = df[col].map(_value_text)
    return out


def _value_text(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, list | tuple | np.ndarray):
        return ";".join(_value_text(x) for x in v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return repr(v)
    return str(v)


def _read_csv(path: Path) -> pd.DataFrame:
    """Stream the CSV line by line: memory grows with the rows kept, never with the file."""
    file = str(path)
    with path.open("rb") as fh:
        lines = _text_lines(fh, file)
        first = next(lines, None)
        while first is not None and not first.strip():
            first = next(lines, None)
        if first is None:
            raise InputError.single(file, "the file is empty")
        sep = _detect_separator(first.rstrip("\r\n"))
        records = _records(itertools.chain([first], lines), sep, file)
    if not records:
        raise InputError.single(file, "the file is empty")
    header = [h.strip() for h in records[0]]
    width = len(header)
    data: list[list[str]] = []
    for row, rec in enumerate(records[1:], start=2):
        if len(rec) > width and not any(v.strip() for v in rec[width:]):
            rec = rec[:width]  # trailing empty cells, as spreadsheets sometimes save them
        if len(rec) != width:
            others = [c for c in (",", ";", "\t", "|") if c != sep and c in "".join(rec)]
            hint = (
                f"; this row seems to use {others[0]!r} as separator"
                if others and len(rec) < width
                else ""
            )
            raise InputError.single(
                file,
                f"row has {len(rec)} field(s) but the header has {width} (separator {sep!r}){hint}",
                row=row,
            )
        data.append(rec)
    return pd.DataFrame(data, columns=header, dtype=object)


def _text_lines(fh: BinaryIO, file: str) -> Iterator[str]:
    """The decoded lines of a CSV file, each checked before the parser sees it.

    A line is read at most :data:`MAX_LINE_BYTES` (+2) bytes at a time, so a file without line
    breaks is refused without being loaded. The first line may start with a UTF-8 BOM; a
    UTF-16 BOM, a NUL byte (binary data, anywhere in the file) or bytes that are not UTF-8 are
    refused with the line's number.
    """
    row = 0
    offset = 0
    limit = limits.max_table_bytes()  # a pipe or a device has no size on disk to check first
    while True:
        raw = fh.readline(MAX_LINE_BYTES + 2)
        if not raw:
            return
        row += 1
        if offset + len(raw) > limit:
            raise InputError.single(
                file, f"the file is larger than the limit of {limits.size_text(limit)}", row=row
            )
        if row == 1:
            # the byte-order mark tells the encoding before any NUL-byte heuristic can mislead
            if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise InputError.single(file, "the file is UTF-16; save it as 'CSV UTF-8'", row=1)
            if raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
        if len(raw.rstrip(b"\r\n")) > MAX_LINE_BYTES:
            raise InputError.single(
                file, f"line is longer than {MAX_LINE_BYTES:,} characters", row=row
            )
        nul = raw.find(b"\x00")
        if nul >= 0:
            if offset + nul < 65536:
                raise InputError.single(
                    file, "this looks like a binary file, not a CSV text file", row=1
                )
            raise InputError.single(
                file, "a NUL byte (binary data) in the line; the file is damaged", row=row
            )
        offset += len(raw)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError.single(
                file,
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as 'CSV UTF-8'",
                row=row,
            ) from None
        if "\r" in text.rstrip("\r\n"):
            # old Mac line ends (CR alone): split them as the csv module would
            yield from _CR_ALONE.split(text)
        else:
            yield text


def _records(lines: Iterable[str], sep: str, file: str) -> list[list[str]]:
    """Parse CSV records; blank lines end the table, a blank line inside it is an error."""
    reader = csv.reader(lines, delimiter=sep, strict=True)
    records: list[list[str]] = []
    blank_at: int | None = None
    while True:
        row = len(records) + 1
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            msg = str(exc)
            if "field larger than field limit" in msg:
                msg = f"a cell is longer than {csv.field_size_limit():,} characters"
            elif "end of data" in msg or "EOF" in msg:
                msg = "a quoted cell is never closed (unbalanced '\"')"
            raise InputError.single(file, f"malformed CSV: {msg}", row=row) from None
        if not any(v.strip() for v in rec):
            if blank_at is None:
                blank_at = len(records) + 1
            continue
        if blank_at is not None:
            raise InputError.single(file, "empty line inside the table; delete it", row=blank_at)
        if not records and len(rec) > limits.MAX_TABLE_COLUMNS:
            raise InputError.single(
                file,
                f"the header has {len(rec):,} columns (at most {limits.MAX_TABLE_COLUMNS:,})",
                row=1,
            )
        if len(records) > limits.MAX_TABLE_ROWS:
            raise InputError.single(
                file, f"more than {limits.MAX_TABLE_ROWS:,} data rows", row=row
            )
        records.append(rec)
    return records


def _detect_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (";", ",", "\t", "|")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] > 0 else ","


def _read_excel(path: Path) -> pd.DataFrame:
    """The first sheet, streamed cell by cell: only the cells present in the file are read.

    A sheet's declared size (its "used range") can reach the last cell ``XFD1048576`` because
    of one stray space; padding every row to it would take minutes and gigabytes. Cells are
    taken from the sheet's XML as they come (openpyxl's streaming parser), so time and memory
    follow the cells that exist; blank cells outside the header's columns are ignored, and the
    rows and columns are bounded (:data:`~allocate.io.limits.MAX_TABLE_ROWS`,
    :data:`~allocate.io.limits.MAX_TABLE_COLUMNS`).
    """
    file = str(path)
    try:
        import openpyxl
        from openpyxl.worksheet._reader import WorkSheetParser

        _check_unpacked_size(path)
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except InputError:
        raise
    except Exception as exc:
        raise InputError.single(file, f"not a readable Excel .xlsx file ({exc})") from None
    try:
        ws = wb.worksheets[0]
        # the streaming parser of openpyxl's read-only sheets, used without its row padding
        with ws._get_source() as src:  # type: ignore[union-attr]
            parser = WorkSheetParser(
                src,
                ws._shared_strings,  # type: ignore[union-attr]
                data_only=True,
                epoch=wb.epoch,
                date_formats=wb._date_formats,
                timedelta_formats=wb._timedelta_formats,
            )
            header, rows = _sheet_cells(parser.parse(), file)
            merged = parser.merged_cells
    except InputError:
        raise
    except Exception as exc:
        raise InputError.single(file, f"not a readable Excel .xlsx file ({exc})") from None
    finally:
        wb.close()
    for ref in getattr(merged, "mergeCell", None) or []:
        bounds = _merged_bounds(str(ref.ref))
        if bounds is not None and bounds[1] == 1:
            col = bounds[0]
            raise InputError.single(
                file,
                f"merged header cells {ref.ref}; give each column its own header cell",
                row=1,
                column=str(header.get(col, "")),
            )
    if not header and not rows:
        raise InputError.single(file, "the sheet is empty")
    stray = min((j for r in rows for j in r if j not in header), default=None)
    if stray is not None:
        raise InputError.single(file, f"empty header cell in column {stray} above data", row=1)
    keep = sorted(header)
    data = [[_cell_text(r.get(j)) for j in keep] for r in rows]
    data = [r for r in data if any(v != "" for v in r)]
    return pd.DataFrame(data, columns=[header[j] for j in keep], dtype=object)


def _check_unpacked_size(path: Path) -> None:
    """Refuse a workbook whose unpacked content exceeds the table limit (a zip bomb)."""
    import zipfile

    limit = limits.max_table_bytes()
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError.single(str(path), f"not a readable Excel .xlsx file ({exc})") from None
    if unpacked > limit:
        raise InputError.single(
            str(path),
            f"the workbook unpacks to {limits.size_text(unpacked)}, larger than the limit of "
            f"{limits.size_text(limit)}",
        )


def _sheet_cells(
    parsed: Iterable[tuple[int, list[dict]]], file: str
) -> tuple[dict[int, str], list[dict[int, object]]]:
    """The header (column number to name) and the non-empty data rows (column number to value).

    Blank cells (empty or spaces only) are skipped. Refused: more than :data:`~allocate.io.limits.MAX_TABLE_ROWS` rows or
    :data:`~allocate.io.limits.MAX_TABLE_COLUMNS` header cells.
    """
    header: dict[int, str] = {}
    rows: list[dict[int, object]] = []
    for number, cells in parsed:
        values = {
            int(c["column"]): c["value"] for c in cells if not _blank(c["value"])
        }
        if number == 1:
            header = {j: str(v).strip() for j, v in values.items()}
            if len(header) > limits.MAX_TABLE_COLUMNS:
                raise InputError.single(
                    file,
                    f"the header has {len(header):,} columns (at most {limits.MAX_TABLE_COLUMNS:,})",
                    row=1,
                )
            continue
        if not values:
            continue
        if number > limits.MAX_TABLE_ROWS + 1:
            raise InputError.single(
                file, f"more than {limits.MAX_TABLE_ROWS:,} data rows", row=number
            )
        rows.append(values)
    return header, rows


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _merged_bounds(ref: str) -> tuple[int, int] | None:
    """(first column, first row) of a merged range such as ``A1:C1``."""
    from openpyxl.utils.cell import range_boundaries

    try:
        min_col, min_row, _, _ = range_boundaries(ref)
    except (ValueError, TypeError):
        return None
    if min_col is None or min_row is None:
        return None
    return int(min_col), int(min_row)


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return repr(v)
    return str(v)


def _read_geo(path: Path) -> pd.DataFrame:
    gdf = read_geometries(path)
    geom = gdf.geometry
    df = _as_text(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)))
    if len(gdf) and geom is not None:
        kinds = geom.geom_type.fillna("")
        bad = [i for i, k in enumerate(kinds) if k not in ("Point", "")]
        if bad:
            raise InputError.single(
                str(path),
                f"expected Point geometries, found {kinds.iloc[bad[0]]}",
                row=bad[0] + 2,
                column="geometry",
            )
        has = (kinds == "Point") & ~geom.is_empty  # an empty point has no lat/lon: "missing value"
        df.loc[has.values, "lat"] = [repr(float(p.y)) for p in geom[has]]
        df.loc[has.values, "lon"] = [repr(float(p.x)) for p in geom[has]]
    return df


def read_geometries(path: Path):  # -> geopandas.GeoDataFrame
    """Read a geospatial layer in WGS84 (the unit polygons, or a table with point geometry).

    Parameters
    ----------
    path
        A ``.geojson`` or ``.gpkg`` file.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer, reprojected to EPSG:4326 when it has another CRS.

    Raises
    ------
    InputError
        When the file cannot be read.
    """
    try:
        import geopandas as gpd

        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise InputError.single(str(path), f"not a readable geospatial file ({exc})") from None
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    return gdf


__all__ = ["InputError", "Problem", "files_named", "find_table", "read_table", "read_geometries", "TABLE_SUFFIXES"]
