"""Read and validate an instance folder into an :class:`~allocate.core.instance.Instance`.

Files (names are the contract; see the README):

- ``accounts.(csv|xlsx|parquet|geojson|gpkg)`` and ``sellers.(...)``: the tables;
- ``nomenclature.yaml``: the bill of actions;
- ``units.(geojson|gpkg)`` (optional): unit polygons with ``unit_id``;
- ``travel.(csv|parquet)`` (optional): one-way ``minutes`` per ``seller_id``, ``account_id``.

:func:`check_instance` collects *every* problem; :func:`read_instance` raises them all at once
in one :class:`~allocate.core.errors.InputError`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from allocate.core.errors import InputError, Problem
from allocate.core.instance import (
    WORKDAYS_PER_WEEK,
    Accounts,
    Instance,
    Sellers,
    TravelMatrix,
    Units,
    short_weeks,
)
from allocate.core.nomenclature import Nomenclature
from allocate.core.travel import TravelModel, haversine_km
from allocate.io.atomic import safe_child
from allocate.io.calendar import read_days_off
from allocate.io.schemas import (
    ACCOUNT_COLUMNS,
    SELLER_COLUMNS,
    ColumnSpec,
    account_schema,
    convert_columns,
    formula_like_id,
    schema_problems,
    seller_schema,
)
from allocate.io.tables import files_named, find_table, read_geometries, read_table
from allocate.io.yamlfile import load_yaml, validate_model

logger = logging.getLogger(__name__)

#: A point farther than this from the median of all points is reported as an outlier
#: (typically swapped lat/lon, or a lost minus sign).
OUTLIER_KM = 2500.0
#: ... and also farther than this many times the median distance to it (national spreads).
OUTLIER_MEDIANS = 6.0
#: Longest one-way trip of a travel matrix, in minutes (a week; ``inf`` is refused).
MAX_TRAVEL_MIN = 7 * 24 * 60


def read_nomenclature(path: Path) -> Nomenclature:
    """Read and validate ``nomenclature.yaml``.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    Nomenclature
        The validated bill of actions.

    Raises
    ------
    InputError
        When the file is missing, is not safe plain YAML, or fails validation (each problem
        names its line and field).
    """
    if not path.is_file():
        raise InputError.single(str(path), "missing file: nomenclature.yaml is required")
    data, node = load_yaml(path)
    return validate_model(Nomenclature, data, node, path)


def read_instance(folder: str | Path, travel: TravelModel | None = None) -> Instance:
    """Read the instance folder ``folder``.

    Parameters
    ----------
    folder
        The instance folder (see the module docstring for its files).
    travel
        Travel-time estimate for pairs without a travel matrix entry (default
        :class:`~allocate.core.travel.TravelModel`).

    Returns
    -------
    Instance
        Validated, immutable instance data.

    Raises
    ------
    InputError
        With every problem found (file, row, column).
    """
    instance, problems = _read(Path(folder), travel or TravelModel())
    if problems or instance is None:
        raise InputError(problems)
    return instance


def check_instance(folder: str | Path) -> list[Problem]:
    """Every problem of the instance folder (empty when it is valid).

    Parameters
    ----------
    folder
        The instance folder.

    Returns
    -------
    list of Problem
        The problems that :func:`read_instance` would raise, in the same order.
    """
    return _read(Path(folder), TravelModel())[1]


def _read(folder: Path, travel: TravelModel) -> tuple[Instance | None, list[Problem]]:
    if not folder.is_dir():
        return None, [Problem(str(folder), "not a folder")]
    problems: list[Problem] = []
    nomenclature: Nomenclature | None = None
    try:
        nomenclature = read_nomenclature(folder / "nomenclature.yaml")
    except InputError as err:
        problems += err.problems

    sellers_df, seller_file = _read_frame(
        folder, "sellers", SELLER_COLUMNS, seller_schema(), problems
    )
    accounts_df, account_file = _read_frame(
        folder,
        "accounts",
        ACCOUNT_COLUMNS,
        account_schema(nomenclature.segments) if nomenclature is not None else None,
        problems,
    )
    if problems or nomenclature is None or sellers_df is None or accounts_df is None:
        return None, problems

    sellers = _build_sellers(sellers_df, seller_file, nomenclature, problems)
    _check_calendars(folder, sellers_df, seller_file, problems)
    units, unit_index = _read_units(folder, problems)
    accounts = _build_accounts(accounts_df, account_file, sellers, unit_index, problems)
    if sellers is not None and accounts is not None:
        problems += _coordinate_outliers(accounts, sellers, account_file, seller_file)
    matrix = None
    if sellers is not None and accounts is not None:
        matrix = _read_travel_matrix(folder, sellers, accounts, problems)
    if problems or sellers is None or accounts is None:
        return None, problems
    return (
        Instance(
            name=folder.resolve().name,
            accounts=accounts,
            sellers=sellers,
            nomenclature=nomenclature,
            units=units,
            travel=travel,
            travel_matrix=matrix,
            source_dir=str(folder.resolve()),
        ),
        [],
    )


def _read_frame(
    folder: Path,
    stem: str,
    columns: Sequence[ColumnSpec],
    schema: pa.DataFrameSchema | None,
    problems: list[Problem],
) -> tuple[pd.DataFrame | None, str]:
    """The typed table ``stem`` of ``folder`` and its file name; its problems go to ``problems``.

    The values are checked against ``schema`` (when given) once every cell converts.
    """
    try:
        path = find_table(folder, stem)
        assert path is not None
        file = str(path)
        df, found = convert_columns(read_table(path), columns, file)
    except InputError as err:
        problems += err.problems
        return None, ""
    problems += found
    if not found and schema is not None:
        problems += schema_problems(df, schema, file)
    return df, file


def _build_sellers(
    df: pd.DataFrame, file: str, nomenclature: Nomenclature, problems: list[Problem]
) -> Sellers | None:
    segs = set(nomenclature.segments)
    for i, seg_list in enumerate(df["segments"]):
        for seg in seg_list:
            if seg not in segs:
                problems.append(
                    Problem(file, f"unknown segment {seg!r}", row=i + 2, column="segments")
                )
    n = len(df)

    def opt(col: str, fill: float) -> np.ndarray:
        if col not in df.columns:
            return np.full(n, fill)
        return df[col].fillna(fill).to_numpy(dtype=float)

    daily, weekly = opt("daily_h", np.nan), df["capacity_h"].to_numpy(dtype=float)
    for i in short_weeks(daily, weekly).tolist():
        problems.append(
            Problem(
                file,
                f"daily_h {daily[i]:g} x {WORKDAYS_PER_WEEK} working days is less than "
                f"capacity_h {weekly[i]:g}: the week could never be filled "
                "(raise daily_h, lower capacity_h, or leave daily_h empty)",
                row=i + 2,
                column="daily_h",
            )
        )

    return Sellers(
        ids=tuple(df["seller_id"]),
        names=tuple(df["name"]),
        lat=df["lat"].to_numpy(dtype=float),
        lon=df["lon"].to_numpy(dtype=float),
        role=tuple(df["role"]),
        capacity_h=df["capacity_h"].to_numpy(dtype=float),
        segments=tuple(df["segments"]),
        product_lines=tuple(df["product_lines"]),
        max_accounts=opt("max_accounts", -1).astype(np.int64),
        max_travel_min=opt("max_travel_min", np.inf),
        daily_h=opt("daily_h", np.nan),
    )


def _check_calendars(folder: Path, df: pd.DataFrame, file: str, problems: list[Problem]) -> None:
    """A seller's ``calendar`` is a valid calendar file inside the instance folder.

    Each file is read as ``schedule`` reads it (:func:`~allocate.io.calendar.read_days_off`),
    once however many sellers share it, so that ``validate`` refuses what ``schedule`` would.
    """
    if "calendar" not in df.columns:
        return
    checked: set[Path] = set()
    for i, rel in enumerate(df["calendar"]):
        if not rel:
            continue
        try:
            path = safe_child(folder, rel, file=file, row=i + 2, column="calendar")
        except InputError as err:
            problems += err.problems
            continue
        if not path.is_file():
            problems.append(
                Problem(
                    file,
                    f"calendar file {rel!r} not found in the instance folder",
                    row=i + 2,
                    column="calendar",
                )
            )
            continue
        if path in checked:
            continue
        checked.add(path)
        try:
            read_days_off(path)
        except InputError as err:
            problems += err.problems


def _build_accounts(
    df: pd.DataFrame,
    file: str,
    sellers: Sellers | None,
    unit_index: dict[str, int] | None,
    problems: list[Problem],
) -> Accounts | None:
    n = len(df)
    for i, lines in enumerate(df["product_lines"]):
        if not lines:
            problems.append(
                Problem(
                    file, "at least one product line is required", row=i + 2, column="product_lines"
                )
            )
    current = _resolve_ids(
        df,
        "current_seller_id",
        {sid: k for k, sid in enumerate(sellers.ids)} if sellers is not None else None,
        file,
        "unknown seller {!r} (not in the sellers file)",
        problems,
    )
    locked = (
        df["locked"].to_numpy(dtype=bool) if "locked" in df.columns else np.zeros(n, dtype=bool)
    )
    for k in np.flatnonzero(locked & (current < 0)):
        problems.append(
            Problem(
                file, "a locked account needs a current_seller_id", row=int(k) + 2, column="locked"
            )
        )

    group = np.full(n, -1, dtype=np.int64)
    group_ids: list[str] = []
    if "group_id" in df.columns:
        pos: dict[str, int] = {}
        members: dict[int, list[int]] = defaultdict(list)
        for i, gid in enumerate(df["group_id"]):
            if gid:
                g = pos.setdefault(gid, len(pos))
                group[i] = g
                members[g].append(i)
        group_ids = list(pos)
        for g, rows in members.items():
            locks = {int(current[r]) for r in rows if locked[r]}
            if len(locks) > 1:
                names = ", ".join(sorted(sellers.ids[s] for s in locks)) if sellers else ""
                problems.append(
                    Problem(
                        file,
                        f"sites of group {group_ids[g]!r} are locked to different sellers ({names}); "
                        "a group has one owner",
                        row=rows[0] + 2,
                        column="locked",
                    )
                )

    unit = _resolve_ids(
        df, "unit_id", unit_index, file, "unknown unit {!r} (not in units file)", problems
    )
    return Accounts(
        ids=tuple(df["account_id"]),
        names=tuple(df["name"]),
        lat=df["lat"].to_numpy(dtype=float),
        lon=df["lon"].to_numpy(dtype=float),
        segment=tuple(df["segment"]),
        potential=df["potential"].to_numpy(dtype=float),
        stage=tuple(df["stage"]),
        product_lines=tuple(df["product_lines"]),
        group=group,
        group_ids=tuple(group_ids),
        current_seller=current,
        locked=locked,
        unit=unit,
    )


def _resolve_ids(
    df: pd.DataFrame,
    column: str,
    index: dict[str, int] | None,
    file: str,
    unknown: str,
    problems: list[Problem],
) -> np.ndarray:
    """The position in ``index`` of each id of ``column``, -1 where the cell is empty.

    An id missing from ``index`` is a problem with the message ``unknown.format(id)``. Every
    position is -1 when the column is absent or ``index`` is ``None`` (its file is unusable).
    """
    pos = np.full(len(df), -1, dtype=np.int64)
    if column not in df.columns or index is None:
        return pos
    for i, ref in enumerate(df[column]):
        if not ref:
            continue
        if ref in index:
            pos[i] = index[ref]
        else:
            problems.append(Problem(file, unknown.format(ref), row=i + 2, column=column))
    return pos


def _coordinate_outliers(
    accounts: Accounts, sellers: Sellers, afile: str, sfile: str
) -> list[Problem]:
    lat = np.concatenate([accounts.lat, sellers.lat])
    lon = np.concatenate([accounts.lon, sellers.lon])
    clat, clon = float(np.median(lat)), float(np.median(lon))
    km = haversine_km(lat, lon, clat, clon)
    # the median distance is robust: a few swapped rows cannot widen the limit that flags them
    limit = max(OUTLIER_KM, OUTLIER_MEDIANS * float(np.median(km)))
    out = []
    na = len(accounts)
    for i in np.flatnonzero(km > limit)[:50]:
        file, row = (afile, i + 2) if i < na else (sfile, i - na + 2)
        swapped = float(haversine_km(lon[i], lat[i], clat, clon))
        hint = " (lat and lon look swapped)" if swapped < limit else ""
        out.append(
            Problem(
                file,
                f"point ({lat[i]:.4f}, {lon[i]:.4f}) is {km[i]:,.0f} km from the other points{hint}",
                row=int(row),
                column="lat",
            )
        )
    return out


def _read_units(
    folder: Path, problems: list[Problem]
) -> tuple[Units | None, dict[str, int] | None]:
    path = next(iter(files_named(folder, "units", (".geojson", ".gpkg"))), None)
    if path is None:
        return None, None
    try:
        gdf = read_geometries(path)
    except InputError as err:
        problems += err.problems
        return None, None
    if "unit_id" not in gdf.columns:
        problems.append(Problem(str(path), "required column is missing", row=1, column="unit_id"))
        return None, None
    ids = [str(u).strip() for u in gdf["unit_id"]]
    seen: dict[str, int] = {}
    for i, uid in enumerate(ids):
        if not uid:
            problems.append(Problem(str(path), "missing value", row=i + 2, column="unit_id"))
        elif why := formula_like_id(uid):
            problems.append(Problem(str(path), why, row=i + 2, column="unit_id"))
        elif uid in seen:
            problems.append(
                Problem(str(path), f"duplicate id {uid!r}", row=i + 2, column="unit_id")
            )
        seen.setdefault(uid, i)
    kinds = gdf.geometry.geom_type
    for i, k in enumerate(kinds):
        if k not in ("Polygon", "MultiPolygon"):
            problems.append(
                Problem(str(path), f"expected a polygon, found {k}", row=i + 2, column="geometry")
            )
    if problems:
        return None, None
    geoms = _valid_polygons(list(gdf.geometry), str(path), problems)
    if problems:
        return None, None
    try:
        neighbours = _adjacency(geoms)
    except Exception as exc:  # a GEOS error left after the repair: name it, never crash
        problems.append(Problem(str(path), f"the unit polygons cannot be compared ({exc})"))
        return None, None
    return Units(ids=tuple(ids), geometry=tuple(geoms), neighbours=neighbours), seen


def _valid_polygons(geoms: list, file: str, problems: list[Problem]) -> list:
    """The unit polygons, repaired when GEOS finds them invalid; empty or unusable ones refused.

    A polygon that crosses itself (a bow tie) or has a badly nested hole is common in exported
    layers and makes GEOS fail later (unions, intersections); :func:`shapely.make_valid`
    rebuilds it with the same area, as GIS tools' "fix geometries" do. Coordinates must be
    finite and in WGS84 range.
    """
    import shapely

    out = []
    for i, g in enumerate(geoms):
        row = i + 2
        if g is None or g.is_empty:
            problems.append(Problem(file, "empty polygon", row=row, column="geometry"))
            out.append(g)
            continue
        xy = shapely.get_coordinates(g)
        if not np.isfinite(xy).all() or (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
            problems.append(
                Problem(
                    file,
                    "coordinates out of range (lon -180..180, lat -90..90)",
                    row=row,
                    column="geometry",
                )
            )
            out.append(g)
            continue
        if not g.is_valid:
            reason = shapely.is_valid_reason(g)
            fixed = shapely.make_valid(g)
            polys = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
            if not polys or shapely.union_all(polys).area <= 0:
                problems.append(
                    Problem(file, f"invalid polygon ({reason}) with no area", row=row, column="geometry")
                )
                out.append(g)
                continue
            logger.warning("%s, row %d: invalid polygon (%s) repaired", file, row, reason)
            g = shapely.union_all(polys)
        out.append(g)
    return out


def _adjacency(geoms: list) -> tuple[tuple[int, ...], ...]:
    """Units are neighbours when their polygons share a border (touch or overlap slightly)."""
    import shapely

    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    nb: list[set[int]] = [set() for _ in geoms]
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a != b:
            inter = geoms[a].intersection(geoms[b])
            if inter.length > 0 or inter.area > 0:  # a shared edge, not a single corner
                nb[a].add(b)
                nb[b].add(a)
    return tuple(tuple(sorted(s)) for s in nb)


def _read_travel_matrix(
    folder: Path, sellers: Sellers, accounts: Accounts, problems: list[Problem]
) -> TravelMatrix | None:
    path = next(iter(files_named(folder, "travel", (".csv", ".parquet"))), None)
    if path is None:
        return None
    try:
        df = read_table(path)
    except InputError as err:
        problems += err.problems
        return None
    for col in ("seller_id", "account_id", "minutes"):
        if col not in df.columns:
            problems.append(Problem(str(path), "required column is missing", row=1, column=col))
            return None
    spos = {s: i for i, s in enumerate(sellers.ids)}
    apos = {a: i for i, a in enumerate(accounts.ids)}
    minutes = pd.to_numeric(df["minutes"].str.replace(",", "."), errors="coerce").to_numpy()
    s_idx = df["seller_id"].map(spos)
    a_idx = df["account_id"].map(apos)
    first: dict[tuple[str, str], int] = {}
    for i in range(len(df)):
        pair = (str(df["seller_id"].iloc[i]), str(df["account_id"].iloc[i]))
        if pair in first:
            problems.append(
                Problem(
                    str(path),
                    f"the pair {pair[0]!r}, {pair[1]!r} is given twice (first on row {first[pair]})",
                    row=i + 2,
                    column="account_id",
                )
            )
        first.setdefault(pair, i + 2)
        if pd.isna(s_idx.iloc[i]):
            problems.append(
                Problem(
                    str(path),
                    f"unknown seller {df['seller_id'].iloc[i]!r}",
                    row=i + 2,
                    column="seller_id",
                )
            )
        if pd.isna(a_idx.iloc[i]):
            problems.append(
                Problem(
                    str(path),
                    f"unknown account {df['account_id'].iloc[i]!r}",
                    row=i + 2,
                    column="account_id",
                )
            )
        if not (0 <= minutes[i] <= MAX_TRAVEL_MIN):
            problems.append(
                Problem(
                    str(path),
                    f"minutes must be a number from 0 to {MAX_TRAVEL_MIN:,} (a week)",
                    row=i + 2,
                    column="minutes",
                )
            )
        if len(problems) > 200:
            break
    if problems:
        return None
    return TravelMatrix(
        seller=np.asarray(s_idx.to_numpy(), dtype=np.int64),
        account=np.asarray(a_idx.to_numpy(), dtype=np.int64),
        minutes=minutes.astype(float),
    )
