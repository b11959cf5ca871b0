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
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from allocate.core.errors import InputError, Problem

TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet", ".geojson", ".gpkg")
MAX_LINE_BYTES = 1_000_000
MAX_FILE_BYTES = 2_000_000_000


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
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError.single(str(path), "file is larger than 2 GB")
    if suffix == ".csv":
        df = _read_csv(path)
    elif suffix == ".xlsx":
        df = _read_excel(path)
    elif suffix == ".parquet":
        try:
            df = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types for corrupt files
            raise InputError.single(str(path), f"not a readable Parquet file ({exc})") from None
        df = _as_text(df)
    elif suffix in (".geojson", ".gpkg"):
        df = _read_geo(path)
    else:
        raise InputError.single(str(path), f"unsupported file type {suffix!r}")
    df.columns = [str(c).strip() for c in df.columns]
    df = _check_header(df, str(path))
    if df.empty:
        raise InputError.single(str(path), "the file has a header but no data rows", row=2)
    return df


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
    file = str(path)
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError.single(file, "the file is empty")
    # the byte-order mark tells the encoding before any NUL-byte heuristic can mislead
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError.single(file, "the file is UTF-16; save it as 'CSV UTF-8'", row=1)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw[:65536]:
        raise InputError.single(file, "this looks like a binary file, not a CSV text file", row=1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise InputError.single(
            file,
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as 'CSV UTF-8'",
            row=row,
        ) from None
    for i, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_BYTES:
            raise InputError.single(
                file, f"line is longer than {MAX_LINE_BYTES:,} characters", row=i
            )
    header_line = text.split("\n", 1)[0].rstrip("\r")
    sep = _detect_separator(header_line)
    records = _records(text, sep, file)
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


def _records(text: str, sep: str, file: str) -> list[list[str]]:
    """Parse CSV records; blank lines end the table, a blank line inside it is an error."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
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
        records.append(rec)
    return records


def _detect_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (";", ",", "\t", "|")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] > 0 else ","


def _read_excel(path: Path) -> pd.DataFrame:
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:
        raise InputError.single(str(path), f"not a readable Excel .xlsx file ({exc})") from None
    ws = wb.worksheets[0]
    for merged in ws.merged_cells.ranges:
        if merged.min_row == 1:
            raise InputError.single(
                str(path),
                f"merged header cells {merged.coord}; give each column its own header cell",
                row=1,
                column=str(ws.cell(1, merged.min_col).value),
            )
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        raise InputError.single(str(path), "the sheet is empty")
    header = rows[0]
    for j, h in enumerate(header):
        if (h is None or str(h).strip() == "") and any(
            r[j] not in (None, "") for r in rows[1:] if j < len(r)
        ):
            raise InputError.single(
                str(path), f"empty header cell in column {j + 1} above data", row=1
            )
    keep = [j for j, h in enumerate(header) if h is not None and str(h).strip() != ""]
    data = [[_cell_text(r[j]) if j < len(r) else "" for j in keep] for r in rows[1:]]
    data = [r for r in data if any(v != "" for v in r)]
    return pd.DataFrame(data, columns=[str(header[j]).strip() for j in keep], dtype=object)


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
        has = kinds == "Point"
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
