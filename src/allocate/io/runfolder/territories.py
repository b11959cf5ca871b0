"""The :data:`~allocate.io.runfolder.names.TERRITORIES` file: one polygon per seller, with its KPIs."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from allocate.core.geo import round_floats, territory_polygons
from allocate.core.instance import Instance
from allocate.core.result import Alignment
from allocate.io.runfolder.kpis import Kpis


def account_owner(instance: Instance, alignment: Alignment) -> np.ndarray:
    """One seller per account (the first row's seller for split models).

    Parameters
    ----------
    instance
        The instance of the alignment.
    alignment
        The alignment.

    Returns
    -------
    numpy.ndarray
        Seller index per account, -1 if none.
    """
    owner = np.full(len(instance.accounts), -1, dtype=np.int64)
    for a, s in zip(alignment.account[::-1], alignment.seller[::-1], strict=True):
        owner[a] = s
    return owner


def territories_geojson(instance: Instance, alignment: Alignment, kpis: Kpis | None = None) -> str:
    """The text of :data:`TERRITORIES`: one polygon per seller, with its KPIs.

    Parameters
    ----------
    instance
        The instance of the alignment.
    alignment
        The alignment.
    kpis
        Indicators whose per-seller rows are copied into the features' properties.

    Returns
    -------
    str
        A compact GeoJSON FeatureCollection (coordinates rounded to 5 decimals), newline ended.
    """
    from shapely.geometry import mapping

    polys = territory_polygons(instance, account_owner(instance, alignment))
    feats = []
    srows = kpis.sellers.set_index("seller_id") if kpis is not None else None
    for s, geom in polys.items():
        sid = instance.sellers.ids[s]
        props: dict[str, Any] = {"seller_id": sid, "seller_name": instance.sellers.names[s], "role": instance.sellers.role[s]}
        if srows is not None and sid in srows.index:
            r = srows.loc[sid]
            props.update(
                accounts=int(r["accounts"]),  # type: ignore[arg-type]  # numpy/ortools stubs
                workload_h=float(r["workload_h"]),  # type: ignore[arg-type]  # numpy/ortools stubs
                utilization=float(r["utilization"]),  # type: ignore[arg-type]  # numpy/ortools stubs
                potential=float(r["potential"]),  # type: ignore[arg-type]  # numpy/ortools stubs
            )
        feats.append({"type": "Feature", "properties": props, "geometry": round_floats(mapping(geom), 5)})
    return json.dumps({"type": "FeatureCollection", "features": feats}, separators=(",", ":")) + "\n"
