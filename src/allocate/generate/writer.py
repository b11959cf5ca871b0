"""Writing a generated instance as an instance folder, byte for byte reproducible.

``accounts.csv``, ``sellers.csv``, ``nomenclature.yaml`` and ``units.geojson``, each
replaced atomically by :mod:`allocate.io.atomic`. The GeoJSON is written by hand (rounded
coordinates, one feature per line, no timestamp) so that the same instance always gives
the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely
import yaml

from allocate.core.geo import round_floats
from allocate.generate.instance import GeneratedInstance
from allocate.generate.units import UNIT_DECIMALS
from allocate.io.atomic import atomic_write_text, write_csv


def write_instance(gen: GeneratedInstance, out_dir: Path) -> list[Path]:
    """Write the instance folder; each file is replaced atomically.

    Parameters
    ----------
    gen
        The generated instance.
    out_dir
        The folder (created when missing; other files in it are left alone).

    Returns
    -------
    list of pathlib.Path
        ``accounts.csv``, ``sellers.csv``, ``nomenclature.yaml``, ``units.geojson``.
    """
    out_dir = Path(out_dir)
    paths = [out_dir / name for name in ("accounts.csv", "sellers.csv", "nomenclature.yaml", "units.geojson")]
    write_csv(paths[0], gen.accounts)
    write_csv(paths[1], gen.sellers)
    atomic_write_text(paths[2], yaml.safe_dump(gen.nomenclature, sort_keys=False, allow_unicode=True))
    atomic_write_text(paths[3], units_geojson(gen.units))
    return paths


def units_geojson(units: gpd.GeoDataFrame) -> str:
    """The units as a GeoJSON FeatureCollection, one feature per line.

    Parameters
    ----------
    units
        ``unit_id``, ``name``, ``population``, ``neighbors`` and ``geometry`` (EPSG:4326).

    Returns
    -------
    str
        The text of ``units.geojson``: coordinates rounded to
        :data:`~allocate.generate.units.UNIT_DECIMALS`, compact separators, UTF-8 names.
    """
    lines = []
    for row in units.itertuples(index=False):
        geometry = round_floats(shapely.geometry.mapping(row.geometry), UNIT_DECIMALS)
        feature = {
            "type": "Feature",
            "properties": {
                "unit_id": row.unit_id,
                "name": row.name,
                "population": int(row.population),
                "neighbors": row.neighbors,
            },
            "geometry": geometry,
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
