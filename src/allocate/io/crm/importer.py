"""``allocate import``: a CRM export in, an instance folder and its import report out.

Everything is read and checked first (:func:`prepare_import`); only a clean result is written
(:func:`write_import`), so bad input leaves the output folder untouched. The folder gets
``accounts.csv`` (with a ``history`` column: won revenue, read by quotas), ``sellers.csv``,
``nomenclature.yaml`` (the one given, else the default bill of actions), the units file when
one was given, and the import report.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from allocate.core.errors import InputError, Problem
from allocate.core.nomenclature import Nomenclature, default_nomenclature_dict
from allocate.io.atomic import atomic_write_bytes, atomic_write_text, staged_dir, write_csv
from allocate.io.crm.build import REPORT_COLUMNS, ImportResult, build_import
from allocate.io.crm.geocode import Geocoder
from allocate.io.crm.mapping import Mapping, Source, country_aliases, read_mapping
from allocate.io.crm.names import ACCOUNTS, IMPORT_REPORT, NOMENCLATURE, SELLERS, UNITS_STEM
from allocate.io.crm.sources import read_exports
from allocate.io.instance import read_nomenclature
from allocate.io.runfolder.names import STAGING_PREFIX
from allocate.io.tables import read_geometries


def unit_points(path: Path) -> dict[str, tuple[float, float]]:
    """``unit_id -> (lat, lon)``: the point on surface of each unit polygon.

    Parameters
    ----------
    path
        A units file (``.geojson`` or ``.gpkg``) whose ``unit_id`` is a postcode.

    Returns
    -------
    dict
        One point per unit, always inside its polygon.

    Raises
    ------
    InputError
        When the file is unreadable or has no ``unit_id`` column.
    """
    gdf = read_geometries(path)
    if "unit_id" not in gdf.columns:
        raise InputError.single(str(path), "required column is missing", row=1, column="unit_id")
    pts = gdf.geometry.representative_point()
    return {
        str(u).strip(): (float(p.y), float(p.x))
        for u, p in zip(gdf["unit_id"], pts, strict=True)
        if p is not None and not p.is_empty
    }


def prepare_import(
    source: Source,
    files: list[Path],
    mapping_path: Path | None = None,
    nomenclature_path: Path | None = None,
    units_path: Path | None = None,
) -> tuple[ImportResult, Nomenclature, Mapping]:
    """Read and check an export; nothing is written.

    Parameters
    ----------
    source
        The CRM (``salesforce``, ``hubspot`` or ``csv``).
    files
        The export's files (accounts and users; optionally opportunities and the territory
        association files).
    mapping_path
        A ``mapping.yaml`` laid over the source's built-in mapping.
    nomenclature_path
        A ``nomenclature.yaml`` (default: the built-in bill of actions).
    units_path
        A units file whose ``unit_id`` is a postcode (geocoding by postcode).

    Returns
    -------
    result : ImportResult
        The tables and the report.
    nomenclature : Nomenclature
        The nomenclature used.
    mapping : Mapping
        The mapping used.

    Raises
    ------
    InputError
        On bad input (file, row and column named).
    """
    mapping = read_mapping(mapping_path, source)
    if nomenclature_path is not None:
        nomenclature = read_nomenclature(Path(nomenclature_path))
    else:
        nomenclature = Nomenclature.model_validate(default_nomenclature_dict())
    unknown = [seg for seg in mapping.segments or {} if seg not in nomenclature.segments]
    if unknown:
        raise InputError.single(
            str(mapping_path or "mapping"),
            f"segments {', '.join(map(repr, unknown))} are not in the nomenclature "
            f"({', '.join(nomenclature.segments)})",
            column="segments",
        )
    if units_path is not None and not Path(units_path).is_file():
        raise InputError.single(str(units_path), "units file not found")
    points = unit_points(Path(units_path)) if units_path is not None else None
    countries = country_aliases() | {k.casefold(): v for k, v in mapping.values.get("country", {}).items()}
    geocoder = Geocoder(points, countries, mapping.defaults.country, mapping.geocoding.min_city_population)
    exports = read_exports([Path(f) for f in files], mapping, source)
    result = build_import(exports, mapping, nomenclature, geocoder, set(points) if points else None)
    return result, nomenclature, mapping


def import_export(
    out: Path,
    source: Source,
    files: list[Path],
    mapping_path: Path | None = None,
    nomenclature_path: Path | None = None,
    units_path: Path | None = None,
) -> ImportResult:
    """Import an export into the instance folder ``out``; on bad input nothing is written.

    The instance is first written to a hidden staging folder beside ``out`` and read back with
    :func:`allocate.io.check_instance` (coordinate outliers, groups...); its problems are
    reported against the input file and row, and only a clean instance is written to ``out``.

    Parameters
    ----------
    out
        The instance folder.
    source, files, mapping_path, nomenclature_path, units_path
        As for :func:`prepare_import`.

    Returns
    -------
    ImportResult
        The tables and the report.

    Raises
    ------
    InputError
        On bad input (file, row and column named).
    """
    from allocate.io.instance import check_instance

    result, _, _ = prepare_import(source, files, mapping_path, nomenclature_path, units_path)
    # one unit: the staged folder is checked, then swapped in whole (no file of an earlier
    # import, such as its units file, survives beside this one's)
    with staged_dir(Path(out), STAGING_PREFIX) as staging:
        write_import(staging, result, nomenclature_path, units_path)
        problems = check_instance(staging)
        if problems:
            raise InputError([_to_input(p, result) for p in problems][:50])
    return result


def _to_input(p: Problem, result: ImportResult) -> Problem:
    """A problem of the staged instance, named by the input row it came from."""
    name = Path(p.file).name
    kind = "account" if name == ACCOUNTS else "seller" if name == SELLERS else ""
    origins = result.origins.get(kind, [])
    if p.row is not None and 0 <= p.row - 2 < len(origins):
        file, row, column = origins[p.row - 2]
        # the input column that gave the row its point names a problem of the point only; any
        # other problem keeps the imported column's name (a product line is no town)
        if p.column not in (None, "lat", "lon"):
            column = f"{p.column} (imported)"
        return Problem(file, p.message, row=row, column=column)
    return Problem(name, p.message, row=p.row, column=p.column)


def report_frame(result: ImportResult) -> pd.DataFrame:
    """The import report: one row per input row, then the summary row (kind ``summary``).

    Parameters
    ----------
    result
        What :func:`prepare_import` returned.

    Returns
    -------
    pandas.DataFrame
        :data:`~allocate.io.crm.build.REPORT_COLUMNS`.
    """
    rows = list(result.report)
    rows.append({"file": "", "row": "", "kind": "summary", "record_id": "", "action": "",
                 "method": "", "detail": result.summary()})
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS))


def write_import(
    out: Path,
    result: ImportResult,
    nomenclature_path: Path | None = None,
    units_path: Path | None = None,
) -> list[Path]:
    """Write the instance folder and the report (each file atomically).

    Parameters
    ----------
    out
        The instance folder (created).
    result
        What :func:`prepare_import` returned.
    nomenclature_path
        The nomenclature given, copied as is (else the default one is written).
    units_path
        The units file given, copied as ``units.<suffix>``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / ACCOUNTS, out / SELLERS, out / NOMENCLATURE]
    write_csv(written[0], result.accounts)
    write_csv(written[1], result.sellers)
    if nomenclature_path is not None:
        atomic_write_text(written[2], Path(nomenclature_path).read_text(encoding="utf-8"))
    else:
        atomic_write_text(
            written[2], yaml.safe_dump(default_nomenclature_dict(), sort_keys=False, allow_unicode=True)
        )
    if units_path is not None:
        target = out / f"{UNITS_STEM}{Path(units_path).suffix.lower()}"
        if Path(units_path).resolve() != target.resolve():
            atomic_write_bytes(target, Path(units_path).read_bytes())
        written.append(target)
    p = out / IMPORT_REPORT
    write_csv(p, report_frame(result))
    written.append(p)
    return written
