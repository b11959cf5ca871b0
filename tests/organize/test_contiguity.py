"""Exact contiguity of geographic territories (flow model) and its wiring into ``solve``."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import numpy as np
import pytest

from allocate import read_instance
from allocate.align.solve import solve
from allocate.core.scenario import BalanceSet, Scenario, Weights
from allocate.organize.presets import build_model
from allocate.solvers.contiguity.exact import ContiguityFlow, UnitGraph, solve_contiguous
from allocate.solvers.contiguity.repair import bundle_units, count_enclaves, territory_components
from allocate.solvers.cpsat import AssignmentModel
from allocate.solvers.problem import evaluate
from allocate.solvers.scaling import scales_for, snap
from tests.conftest import TINY_NOMENCLATURE, write_instance


@pytest.fixture(scope="module")
def fr300(tmp_path_factory: pytest.TempPathFactory):
    from allocate.generate import generate_instance
    from allocate.generate import write_instance as write_generated

    folder = tmp_path_factory.mktemp("fr300")
    write_generated(generate_instance("FR", 300, 4, 5), folder)
    return read_instance(folder)


def _bundle_choice(mp, sellers: np.ndarray) -> np.ndarray:
    """The candidate entry of each bundle, from the alignment's seller per row."""
    choice = np.empty(mp.problem.n_items, dtype=np.int64)
    for r, b in enumerate(mp.rows.bundle):
        choice[b] = mp.problem.candidate_index(int(b), int(sellers[r]))
    assert (choice >= 0).all()
    return choice


def test_generated_instance_gets_connected_territories(fr300) -> None:
    scenario = Scenario(model="geography", time_limit_s=10)
    result = solve(fr300, scenario)
    mp = build_model(fr300, scenario)
    sellers = np.asarray(result.alignment.seller)
    # each account assigned once, to a real seller
    assert sorted(np.asarray(result.alignment.account).tolist()) == list(range(len(fr300.accounts)))
    assert (sellers >= 0).all()
    # rebuild the bundle choice from the alignment and check it independently
    choice = _bundle_choice(mp, sellers)
    assert count_enclaves(fr300, mp, choice) == 0
    ev = evaluate(mp.problem, choice)
    assert ev.overload == 0 and ev.feasible
    assert result.objective == pytest.approx(ev.objective)
    loads = np.bincount(
        mp.problem.seller[choice], weights=mp.problem.load[choice], minlength=mp.problem.n_sellers
    )
    assert np.all(loads <= mp.problem.capacity + 1e-9)  # no overloaded seller


# -- a 3 x 3 grid of units, two sellers, hand-set travel minutes ---------------------------
#
#   row 2:  c20 c21 c22        A's travel: 0 min to the west corners c00 and c20,
#   row 1:  c10 c11 c12                    30 min to c10, 60 min elsewhere
#   row 0:  c00 c01 c02        B's travel: 60 min everywhere
#
# Each account (one per unit) is a customer: a 60-min visit and a 30-min call per week, so
# its desk load is 1.5 h and its weekly travel is 2 * minutes / 60 h. A's capacity is 3 h.
#   * Without contiguity the best is A = {c00, c20} (load 1.5 + 1.5 = 3 h): travel
#     0 + 0 + 7 * 2 = 14 h. The two corners do not touch: A's territory is split.
#   * With contiguity A may hold one connected set within 3 h: a corner alone (1.5 h) can
#     grow by no neighbour (c10 costs A 2.5 h, c01/c21 cost 3.5 h), c10 alone saves only 1 h.
#     The optimum is one corner: travel 0 + 8 * 2 = 16 h.
CELL_DEG = 0.0625  # a power of two: the squares share edges exactly, corners only at points


def _square(r: int, c: int) -> list[list[float]]:
    x0, y0 = 2.0 + c * CELL_DEG, 45.0 + r * CELL_DEG
    return [
        [x0, y0],
        [x0 + CELL_DEG, y0],
        [x0 + CELL_DEG, y0 + CELL_DEG],
        [x0, y0 + CELL_DEG],
        [x0, y0],
    ]


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("grid")
    cells = [(r, c) for r in range(3) for c in range(3)]
    accounts = [
        "account_id,name,lat,lon,segment,potential,stage,product_lines,group_id,current_seller_id,locked,unit_id"
    ]
    for r, c in cells:
        lat, lon = 45.0 + (r + 0.5) * CELL_DEG, 2.0 + (c + 0.5) * CELL_DEG
        accounts.append(
            f"a{r}{c},Acc {r}{c},{lat:.4f},{lon:.4f},small,1000,customer,payroll,,,false,c{r}{c}"
        )
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
        for r, c in cells
    ]
    (folder / "units.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    a_min = {(0, 0): 0, (2, 0): 0, (1, 0): 30}
    travel = ["seller_id,account_id,minutes"]
    for r, c in cells:
        travel.append(f"A,a{r}{c},{a_min.get((r, c), 60)}")
        travel.append(f"B,a{r}{c},60")
    (folder / "travel.csv").write_text("\n".join(travel) + "\n")
    return read_instance(folder)


def _grid_scenario(**kw) -> Scenario:
    # travel only: no balance, no compactness, nobody has a current seller
    return Scenario(
        model="geography",
        balance=BalanceSet(workload=None, potential=None, count=None),
        weights=Weights(travel=1.0, move=0.0, compactness=0.0),
        time_limit_s=4,
        **kw,
    )


def _a_cells(instance, result) -> set[str]:
    sel = np.asarray(result.alignment.seller)
    return {
        instance.accounts.ids[a][1:]
        for a, s in zip(result.alignment.account, sel, strict=True)
        if instance.sellers.ids[s] == "A"
    }


def test_grid_travel_optimum_is_split(grid) -> None:
    assert len(grid.units) == 9 and all(len(nb) in (2, 3, 4) for nb in grid.units.neighbours)
    result = solve(grid, _grid_scenario(contiguity=False))
    assert _a_cells(grid, result) == {"00", "20"}
    assert result.objective == pytest.approx(14.0)


def test_grid_contiguous_optimum(grid) -> None:
    result = solve(grid, _grid_scenario())
    assert _a_cells(grid, result) in ({"00"}, {"20"})
    assert result.objective == pytest.approx(16.0)
    assert result.status.value == "optimal"


def test_grid_brute_force_agrees(grid) -> None:
    # every one of the 2^9 alignments: the best contiguous one costs 16 h, as found above
    mp = build_model(grid, _grid_scenario())
    p = mp.problem
    b_unit = bundle_units(grid, mp)
    best = np.inf
    for pick in itertools.product(range(2), repeat=p.n_items):
        choice = np.array([p.candidate_index(b, s) for b, s in enumerate(pick)])
        if (choice < 0).any():
            continue
        ev = evaluate(p, choice)
        units: dict[int, set[int]] = {}
        for b, s in enumerate(pick):
            units.setdefault(s, set()).add(int(b_unit[b]))
        if ev.feasible and all(len(c) == 1 for c in territory_components(grid, units).values()):
            best = min(best, ev.objective)
    assert best == pytest.approx(16.0)
    # and the flow model from a split start reaches it
    start = np.array([p.candidate_index(b, 1) for b in range(p.n_items)])
    for b in range(p.n_items):
        if grid.units.ids[b_unit[b]] in ("c00", "c20"):
            start[b] = p.candidate_index(b, 0)
    out = solve_contiguous(grid, mp, start, 5.0, 1, 0)
    assert out is not None
    assert count_enclaves(grid, mp, out) == 0
    assert evaluate(p, out).objective == pytest.approx(16.0)


# -- above EXACT_MAX_UNITS: the flow model a few sellers at a time ---------------------------


def test_large_instances_use_neighbourhoods(fr300, monkeypatch, caplog) -> None:
    import logging
    import sys

    solve_module = sys.modules["allocate.align.solve"]

    monkeypatch.setattr(solve_module, "EXACT_MAX_UNITS", 10)  # fr300 has more units than that
    scenario = Scenario(model="geography", time_limit_s=10)
    with caplog.at_level(logging.INFO, logger="allocate"):
        result = solve(fr300, scenario)
    assert "contiguity by neighbourhoods" in caplog.text
    mp = build_model(fr300, scenario)
    choice = _bundle_choice(mp, np.asarray(result.alignment.seller))
    assert count_enclaves(fr300, mp, choice) == 0
    ev = evaluate(mp.problem, choice)
    assert ev.feasible
    assert result.objective == pytest.approx(ev.objective)


def test_neighbourhoods_reach_the_grid_optimum(grid, monkeypatch) -> None:
    import sys

    solve_module = sys.modules["allocate.align.solve"]

    monkeypatch.setattr(solve_module, "EXACT_MAX_UNITS", 1)
    result = solve(grid, _grid_scenario())
    # with two sellers the neighbourhood is the whole flow model: the contiguous optimum
    assert _a_cells(grid, result) in ({"00"}, {"20"})
    assert result.objective == pytest.approx(16.0)
    assert result.status.value == "feasible"  # no proof claimed by the neighbourhood search


# -- the unit graph, built once and shared by the neighbourhood steps -------------------------


def test_unit_graph_of_the_grid(grid) -> None:
    mp = build_model(grid, _grid_scenario())
    graph = UnitGraph.build(grid, bundle_units(grid, mp))
    ids = list(grid.units.ids)
    assert len(graph.units) == 9 and graph.units == sorted(graph.units)
    assert graph.n_comps == 1 and set(graph.comp_of.values()) == {0}
    # squares meet at points diagonally: a corner borders two cells, the centre four
    assert sorted(ids[v] for v in graph.adj[ids.index("c00")]) == ["c01", "c10"]
    assert len(graph.adj[ids.index("c11")]) == 4
    # both bases lie outside the grid, level with its middle row: A west of c10, B east of c12
    assert [ids[u] for u in graph.base_unit] == ["c10", "c12"]


def test_shared_unit_graph_builds_the_same_step_model(fr300) -> None:
    # an LNS step: two sellers free, everything else fixed at a base choice
    mp = build_model(fr300, Scenario(model="geography"))
    scales = scales_for(mp.problem)
    p = snap(mp.problem, scales)
    mp_int = replace(mp, problem=p)
    base = np.array(
        [
            p.candidate_index(b, int(p.fixed[b])) if p.fixed[b] >= 0 else int(p.indptr[b])
            for b in range(p.n_items)
        ]
    )
    group = np.array([0, 1])
    free = np.flatnonzero(np.isin(p.seller[base], group) & (p.fixed < 0))
    shared = UnitGraph.build(fr300, bundle_units(fr300, mp))  # as the LNS builds it
    flows, protos = [], []
    for graph in (None, shared):
        model = AssignmentModel(p, scales, free=free, base=base, sellers=group)
        flow = ContiguityFlow(fr300, mp_int, model, graph)
        flow.hint(p, base)
        flows.append(flow)
        protos.append(str(model.model.Proto()))
    own, reused = flows
    assert reused.graph is shared and own.graph is not shared
    assert len(own.f) > 0  # a real flow model, not an empty one
    assert own.units == shared.units and own.adj == shared.adj
    assert own.comp_of == shared.comp_of and own.n_comps == shared.n_comps
    assert np.array_equal(own.base_unit, shared.base_unit) and own.centroid == shared.centroid
    # the components are those of the whole unit graph
    comps = territory_components(fr300, {0: set(shared.units)})[0]
    assert len(comps) == shared.n_comps
    assert all(len({shared.comp_of[u] for u in comp}) == 1 for comp in comps)
    # same variables, constraints and hints, in the same order
    assert protos[0] == protos[1]
    # a graph built for other bundles is refused
    bad = UnitGraph.build(fr300, shared.b_unit[:-1])
    model = AssignmentModel(p, scales, free=free, base=base, sellers=group)
    with pytest.raises(ValueError, match="bundles"):
        ContiguityFlow(fr300, mp_int, model, bad)
