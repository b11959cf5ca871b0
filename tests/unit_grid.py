"""A 3 x 3 grid of units with two sellers and hand-set travel: the contiguity test case.

::

    row 2:  c20 c21 c22        A's travel: 0 min to the west corners c00 and c20,
    row 1:  c10 c11 c12                    30 min to c10, 60 min elsewhere
    row 0:  c00 c01 c02        B's travel: 60 min everywhere

Each account (one per unit) is a customer: a 60-min visit and a 30-min call per week, so
its desk load is 1.5 h and its weekly travel is 2 * minutes / 60 h. A's capacity is 3 h.

* Without contiguity the best is A = {c00, c20} (load 1.5 + 1.5 = 3 h): travel
  0 + 0 + 7 * 2 = 14 h. The two corners do not touch: A's territory is split.
* With contiguity A may hold one connected set within 3 h: a corner alone (1.5 h) can
  grow by no neighbour (c10 costs A 2.5 h, c01/c21 cost 3.5 h), c10 alone saves only 1 h.
  The optimum is one corner: travel 0 + 8 * 2 = 16 h.

Sellers' bases lie outside the grid, level with its middle row: A west of c10, B east of
c12. :func:`write_grid` writes it as an instance folder; :func:`grid_arrays` gives the same
case as the arrays the contiguity solvers take (unit ``u = 3 * row + column``, item ``u``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from allocate.solvers.contiguity.graph import UnitGraph
from allocate.solvers.problem import AssignmentProblem
from tests.conftest import TINY_NOMENCLATURE, write_instance

CELL_DEG = 0.0625  # a power of two: the squares share edges exactly, corners only at points
CELLS = [(r, c) for r in range(3) for c in range(3)]
#: A's one-way travel minutes where they are not 60
A_MINUTES = {(0, 0): 0, (2, 0): 0, (1, 0): 30}


def _square(r: int, c: int) -> list[list[float]]:
    x0, y0 = 2.0 + c * CELL_DEG, 45.0 + r * CELL_DEG
    return [[x0, y0], [x0 + CELL_DEG, y0], [x0 + CELL_DEG, y0 + CELL_DEG], [x0, y0 + CELL_DEG], [x0, y0]]


def write_grid(folder: Path) -> Path:
    """The grid as an instance folder (accounts, sellers, units, travel)."""
    accounts = [
        "account_id,name,lat,lon,segment,potential,stage,product_lines,group_id,current_seller_id,locked,unit_id"
    ]
    for r, c in CELLS:
        lat, lon = 45.0 + (r + 0.5) * CELL_DEG, 2.0 + (c + 0.5) * CELL_DEG
        accounts.append(f"a{r}{c},Acc {r}{c},{lat:.4f},{lon:.4f},small,1000,customer,payroll,,,false,c{r}{c}")
    sellers = [
        "seller_id,name,lat,lon,role,capacity_h,segments,product_lines,max_accounts,max_travel_min",
        f"A,West,{45.0 + 1.5 * CELL_DEG:.4f},{2.0 - CELL_DEG:.4f},CSM,3,,,,",
        f"B,East,{45.0 + 1.5 * CELL_DEG:.4f},{2.0 + 4 * CELL_DEG:.4f},CSM,40,,,,",
    ]
    write_instance(folder, accounts, sellers, TINY_NOMENCLATURE)
    features = [
        {
            "type": "Feature",
            "properties": {"unit_id": f"c{r}{c}"},
            "geometry": {"type": "Polygon", "coordinates": [_square(r, c)]},
        }
        for r, c in CELLS
    ]
    (folder / "units.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    travel = ["seller_id,account_id,minutes"]
    for r, c in CELLS:
        travel.append(f"A,a{r}{c},{A_MINUTES.get((r, c), 60)}")
        travel.append(f"B,a{r}{c},60")
    (folder / "travel.csv").write_text("\n".join(travel) + "\n")
    return folder


def grid_neighbours() -> list[list[int]]:
    """Rook adjacency of the 3 x 3 grid, unit ``3 * row + column``."""
    out = []
    for r, c in CELLS:
        nb = [(r - 1, c), (r, c - 1), (r, c + 1), (r + 1, c)]
        out.append([3 * i + j for i, j in nb if 0 <= i < 3 and 0 <= j < 3])
    return out


def grid_problem() -> AssignmentProblem:
    """One item per unit, sellers A (0) and B (1): cost = weekly travel h, load = 1.5 h + travel."""
    travel = np.array([[2 * A_MINUTES.get(rc, 60) / 60, 2.0] for rc in CELLS])  # (unit, seller)
    return AssignmentProblem(
        capacity=np.array([3.0, 40.0]),
        indptr=np.arange(0, 19, 2),
        seller=np.tile([0, 1], 9),
        cost=travel.reshape(-1),
        load=(1.5 + travel).reshape(-1),
    )


def grid_graph(b_unit: np.ndarray | None = None) -> UnitGraph:
    """The grid's unit graph: item u in unit u, bases A -> c10 (3), B -> c12 (5)."""
    centroid = np.array([[c + 0.5, r + 0.5] for r, c in CELLS])
    return UnitGraph.build(
        grid_neighbours(),
        np.arange(9) if b_unit is None else b_unit,
        base_unit=np.array([3, 5]),
        centroid=centroid,
    )


def choice_of(p: AssignmentProblem, a_units: set[int]) -> np.ndarray:
    """The choice giving ``a_units`` to A (seller 0) and every other unit to B."""
    return np.array([p.candidate_index(u, 0 if u in a_units else 1) for u in range(p.n_items)])
