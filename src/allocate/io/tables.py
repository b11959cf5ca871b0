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
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem

TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet", ".geojson", ".gpkg")
MAX_LINE_BYTES = 1_000_000
MAX_FILE_BYTES = 2_000_000_000


def find_table(folder: Path, stem: str, *, required: bool = True) -> Path | None:
    """The file ``stem.<suffix>`` in ``folder``; an error if several or (when required) none."""
    found = [folder / f"{stem}{s}" for s in TABLE_SUFFIXES if (folder / f"{stem}{s}").is_file()]
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
    if df.empty:
        raise InputError.single(str(path), "the file has a header but no data rows", row=2)
    return df


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        out[col] = s.map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v))
    return out


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError.single(str(path), "the file is empty")
    if b"\x00" in raw[:65536]:
        raise InputError.single(str(path), "this looks like a binary file, not a CSV text file", row=1)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError.single(str(path), "the file is UTF-16; save it as UTF-8 CSV", row=1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise InputError.single(
            str(path),
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as 'CSV UTF-8'",
            row=row,
        ) from None
    lines = text.splitlines()
    for i, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_BYTES:
            raise InputError.single(str(path), f"line is longer than {MAX_LINE_BYTES:,} characters", row=i)
    header = lines[0] if lines else ""
    sep = _detect_separator(header)
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        msg = str(exc)
        row = None
        if "line" in msg:
            try:
                row = int(msg.split("line")[1].split(",")[0].strip())
            except (ValueError, IndexError):
                row = None
        raise InputError.single(str(path), f"malformed CSV: {msg}", row=row) from None
    except pd.errors.EmptyDataError:
        raise InputError.single(str(path), "the file is empty") from None
    if len(df.columns) == 1 and len(header) > 0 and any(c in header for c in ",;\t|"):
        raise InputError.single(str(path), "could not detect the column separator", row=1)
    return df


def _detect_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (";", ",", "\t", "|")}
    best = max(counts, key=lambda k: counts[k])
    if counts[best] == 0:
        try:
            return csv.Sniffer().sniff(header).delimiter
        except csv.Error:
            return ","
    return best


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
        if h is None or str(h).strip() == "":
            if any(r[j] not in (None, "") for r in rows[1:] if j < len(r)):
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
    try:
        import geopandas as gpd

        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise InputError.single(str(path), f"not a readable geospatial file ({exc})") from None
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
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
    """Read a polygon layer (units) in WGS84."""
    try:
        import geopandas as gpd

        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise InputError.single(str(path), f"not a readable geospatial file ({exc})") from None
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    return gdf


__all__ = ["InputError", "Problem", "find_table", "read_table", "read_geometries", "TABLE_SUFFIXES"]
