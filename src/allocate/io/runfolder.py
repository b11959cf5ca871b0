"""Run folders: what ``allocate solve`` writes and what ``schedule``, ``map`` and ``report`` read.

A run folder holds ``alignment.csv`` (``account_id, seller_id`` plus ``product_line`` or
``role`` when items are split), ``kpis.json`` (status, objective, best bound, gap, wall time,
per-seller KPIs and totals), ``sellers_kpis.csv`` and ``territories.geojson``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from allocate.core.errors import InputError
from allocate.core.geo import territory_polygons
from allocate.core.instance import Instance
from allocate.core.result import Alignment, Result
from allocate.io.atomic import atomic_write_text, write_csv, write_json


class Kpis(Protocol):
    """What the run folder needs of the indicators (:class:`allocate.analysis.kpi.Kpis`)."""

    sellers: pd.DataFrame
    totals: dict[str, Any]


def alignment_frame(instance: Instance, alignment: Alignment) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "account_id": [instance.accounts.ids[a] for a in alignment.account],
            "seller_id": [instance.sellers.ids[s] if s >= 0 else "" for s in alignment.seller],
        }
    )
    if alignment.key_kind:
        df[alignment.key_kind] = list(alignment.key)
    return df


def write_run(out: Path, instance: Instance, result: Result, kpis: Kpis, extra: dict[str, Any] | None = None) -> list[Path]:
    """Write the outputs of one solve into ``out`` (each file atomically)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    p = out / "alignment.csv"
    write_csv(p, alignment_frame(instance, result.alignment))
    written.append(p)
    p = out / "sellers_kpis.csv"
    write_csv(p, kpis.sellers)
    written.append(p)
    data = {
        "instance": instance.name,
        "instance_dir": instance.source_dir,
        "model": result.alignment.model,
        "status": result.status.value,
        "objective": result.objective,
        "solver_objective": result.solver_objective,
        "best_bound": result.best_bound,
        "lp_bound": result.lp_bound,
        "gap": result.gap,
        "wall_s": round(result.wall_s, 3),
        "deterministic": result.deterministic,
        "interrupted": result.interrupted,
        "scenario": result.scenario.model_dump(mode="json"),
        "sellers": kpis.sellers.to_dict(orient="records"),
        "totals": kpis.totals,
    }
    if extra:
        data.update(extra)
    p = out / "kpis.json"
    write_json(p, data)
    written.append(p)
    p = out / "territories.geojson"
    atomic_write_text(p, territories_geojson(instance, result.alignment, kpis))
    written.append(p)
    return written


def account_owner(instance: Instance, alignment: Alignment) -> np.ndarray:
    """One seller per account (the first row's seller for split models), -1 if none."""
    owner = np.full(len(instance.accounts), -1, dtype=np.int64)
    for a, s in zip(alignment.account[::-1], alignment.seller[::-1], strict=True):
        owner[a] = s
    return owner


def territories_geojson(instance: Instance, alignment: Alignment, kpis: Kpis | None = None) -> str:
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
        feats.append({"type": "Feature", "properties": props, "geometry": _round_geom(mapping(geom))})
    return json.dumps({"type": "FeatureCollection", "features": feats}, separators=(",", ":")) + "\n"


def _round_geom(g: Any) -> Any:
    if isinstance(g, dict):
        return {k: _round_geom(v) for k, v in g.items()}
    if isinstance(g, list | tuple):
        return [_round_geom(v) for v in g]
    if isinstance(g, float):
        return round(g, 5)
    return g


def read_alignment(path: Path, instance: Instance) -> Alignment:
    """Read ``alignment.csv`` back (for ``schedule``, ``map`` and ``report``)."""
    from allocate.io.tables import read_table

    path = Path(path)
    if not path.is_file():
        raise InputError.single(str(path), "alignment file not found")
    df = read_table(path)
    for col in ("account_id", "seller_id"):
        if col not in df.columns:
            raise InputError.single(str(path), "required column is missing", row=1, column=col)
    apos, spos = instance.account_index(), instance.seller_index()
    problems = []
    from allocate.core.errors import Problem

    acc_idx, sel_idx = [], []
    for i, (a, s) in enumerate(zip(df["account_id"], df["seller_id"], strict=True)):
        if a not in apos:
            problems.append(Problem(str(path), f"unknown account {a!r}", row=i + 2, column="account_id"))
        if s and s not in spos:
            problems.append(Problem(str(path), f"unknown seller {s!r}", row=i + 2, column="seller_id"))
        acc_idx.append(apos.get(a, -1))
        sel_idx.append(spos.get(s, -1))
    if problems:
        raise InputError(problems[:50])
    kind = "product_line" if "product_line" in df.columns else "role" if "role" in df.columns else ""
    key = tuple(df[kind]) if kind else tuple("" for _ in range(len(df)))
    model = ""
    kp = path.parent / "kpis.json"
    if kp.is_file():
        try:
            model = json.loads(kp.read_text()).get("model", "")
        except (json.JSONDecodeError, OSError):
            model = ""
    return Alignment(model=model or ("value_proposition" if kind == "product_line" else "roles" if kind == "role" else "geography"),
                     account=np.array(acc_idx, dtype=np.int64), seller=np.array(sel_idx, dtype=np.int64), key=key, key_kind=kind)
