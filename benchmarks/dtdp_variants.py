"""Make other instances of the DTDP families, to check that nothing is tuned to the 18.

Usage::

    python benchmarks/dtdp_variants.py DATA_DIR OUT_DIR [--per 1] [--seed 0]

For each instance of ``DATA_DIR/known_values.csv`` (the layout of ``bench-data/territory_dtdp``)
``--per`` variants are written to ``OUT_DIR`` with a ``known_values.csv`` of the same columns
(``best_known`` empty: nobody has solved them), ready for ``territory_design.py OUT_DIR``:

* planar (``planar*``): as many new random points as the original has, drawn uniformly in its
  bounding box (distinct integer coordinates), their Delaunay graph with Euclidean edge
  lengths, and measures drawn row by row (with replacement) from the original's units;
* grid (the others): the same grid and measures, each edge length drawn (with replacement)
  from the original's lengths.

The variants are never committed (they derive from CC-BY-NC data).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import Delaunay

sys.path.insert(0, str(Path(__file__).resolve().parent))

from allocate.io.benchmarks.dtdp import MEASURES, DtdpInstance, read_dtdp  # noqa: E402


def _write_graphml(
    path: Path,
    xy: NDArray[np.float64],
    measures: NDArray[np.float64],
    edges: NDArray[np.int64],
    length: NDArray[np.float64],
) -> None:
    keys = ["x", "y", *MEASURES]
    lines = ["<?xml version='1.0' encoding='utf-8'?>"]
    lines.append('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">')
    lines.append('<key id="e0" for="edge" attr.name="distance" attr.type="float"/>')
    for i, k in enumerate(keys):
        lines.append(f'<key id="d{i}" for="node" attr.name={quoteattr(k)} attr.type="int"/>')
    lines.append('<graph edgedefault="undirected">')
    for u in range(len(measures)):
        vals = [*xy[u].tolist(), *measures[u].tolist()]
        data = "".join(f'<data key="d{i}">{int(v)}</data>' for i, v in enumerate(vals))
        lines.append(f'<node id="{u}">{data}</node>')
    for (a, b), d in zip(edges.tolist(), length.tolist(), strict=True):
        lines.append(f'<edge source="{a}" target="{b}"><data key="e0">{d!r}</data></edge>')
    lines.append("</graph></graphml>")
    path.write_text("\n".join(lines) + "\n")


def planar_variant(
    inst: DtdpInstance, rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """New random points in the original's box, their Delaunay graph, bootstrapped measures."""
    n = len(inst.node_ids)
    lo = inst.xy.min(axis=0).astype(np.int64)
    hi = inst.xy.max(axis=0).astype(np.int64)
    width, height = int(hi[0] - lo[0] + 1), int(hi[1] - lo[1] + 1)
    cells = rng.choice(width * height, size=n, replace=False)
    xy = np.stack([lo[0] + cells % width, lo[1] + cells // width], axis=1).astype(np.float64)
    tri = Delaunay(xy)
    pairs = set()
    for a, b, c in tri.simplices.tolist():
        for u, v in ((a, b), (b, c), (a, c)):
            pairs.add((min(u, v), max(u, v)))
    edges = np.array(sorted(pairs), dtype=np.int64)
    length = np.linalg.norm(xy[edges[:, 0]] - xy[edges[:, 1]], axis=1)
    measures = inst.measures[rng.integers(0, n, size=n)]
    return xy, measures, edges, length


def grid_variant(
    inst: DtdpInstance, rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """The same grid and measures, edge lengths drawn from the original's."""
    length = inst.length[rng.integers(0, len(inst.length), size=len(inst.length))]
    xy = np.nan_to_num(inst.xy, nan=0.0)
    return xy, inst.measures, inst.edges, length


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--per", type=int, default=1, help="variants per instance")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with open(args.data_dir / "known_values.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out_rows = []
    for j, row in enumerate(rows):
        inst = read_dtdp(args.data_dir / row["file"])
        planar = row["instance"].startswith("planar")
        for v in range(args.per):
            rng = np.random.default_rng([args.seed, j, v])
            made = planar_variant(inst, rng) if planar else grid_variant(inst, rng)
            name = f"{row['instance']}_V{args.seed}_{v}"
            _write_graphml(args.out_dir / f"{name}.graphml", *made)
            out_rows.append({**row, "instance": name, "file": f"{name}.graphml", "best_known": ""})
    with open(args.out_dir / "known_values.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(out_rows)
    print(f"{len(out_rows)} variants in {args.out_dir}")


if __name__ == "__main__":
    main()
