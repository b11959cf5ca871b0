"""The contiguity stage: when it runs, how, and what the solve keeps."""

from __future__ import annotations

import itertools
import logging
from dataclasses import replace

import numpy as np
import pytest

from allocate.align import contiguity as stage_module
from allocate.align.contiguity import ContiguityStage
from allocate.align.solve import solve
from allocate.core.scenario import Scenario
from allocate.core.status import SolveStatus
from allocate.organize.items import ModelProblem
from allocate.organize.presets import build_model
from allocate.organize.units import bundle_units
from allocate.solvers.budget import (
    ANNEAL_TRIALS_PER_S,
    Clock,
    anneal_trials,
    finish_s,
    search_seconds,
)
from allocate.solvers.contiguity.graph import UnitGraph, count_enclaves
from allocate.solvers.contiguity.repair import repair_contiguity
from allocate.solvers.pipeline import AssignmentSolution
from allocate.solvers.problem import AssignmentProblem, evaluate
from tests.align.conftest import a_cells, bundle_choice, grid_scenario
from tests.unit_grid import grid_neighbours


def _plan(instance, scenario):
    return ContiguityStage.plan(instance, scenario, build_model(instance, scenario))


def test_the_stage_applies_to_the_geography_model_with_units_only(grid, tiny) -> None:
    stage = _plan(grid, grid_scenario())
    assert stage is not None and stage.mode == "exact"
    assert stage.b_unit.tolist() == bundle_units(grid, stage.mp).tolist()
    assert _plan(grid, grid_scenario(contiguity=False)) is None
    assert _plan(grid, grid_scenario().model_copy(update={"model": "size"})) is None
    assert _plan(tiny, Scenario(model="geography")) is None  # no units.geojson


def test_above_the_exact_size_neighbourhoods(grid, monkeypatch, caplog) -> None:
    monkeypatch.setattr(stage_module, "EXACT_MAX_UNITS", 8)  # the grid has 9 units
    with caplog.at_level(logging.INFO, logger="allocate"):
        stage = _plan(grid, grid_scenario())
    assert stage is not None and stage.mode == "lns"
    assert "9 units hold accounts (> 8): contiguity by neighbourhoods" in caplog.text
    monkeypatch.setattr(stage_module, "EXACT_MAX_UNITS", 9)
    assert _plan(grid, grid_scenario()).mode == "exact"


@pytest.mark.parametrize(("limit", "share"), [(4.0, 0.8), (20.0, 0.5), (100.0, 0.5)])
def test_time_share(grid, limit, share) -> None:
    # the share applies to the search seconds: the limit less the fixed costs (model size)
    stage = _plan(grid, grid_scenario(time_limit_s=limit))
    secs = search_seconds(limit, stage.mp.problem.nnz)
    assert secs < limit
    assert stage.time_s() == pytest.approx(share * secs)
    # the bound of the contiguous model: none in exact mode, what the repair leaves above
    assert stage.bound_plan() == (0.0, 0)


@pytest.mark.parametrize("limit", [4.0, 20.0, 100.0])
def test_time_share_above_the_exact_size(grid, monkeypatch, limit) -> None:
    # neighbourhoods: half of the search seconds (at least 5 s, at most 80 %) for the repair,
    # the first annealing and the bound; the grid's 9 units get their annealing moves there,
    # so nothing more is kept from the pipeline
    monkeypatch.setattr(stage_module, "EXACT_MAX_UNITS", 1)
    stage = _plan(grid, grid_scenario(time_limit_s=limit))
    assert stage.mode == "lns"
    secs = search_seconds(limit, stage.mp.problem.nnz)
    core = min(max(5.0, 0.5 * secs), 0.8 * secs)
    assert stage.core_s() == pytest.approx(core)
    assert stage.time_s() == pytest.approx(core)
    # the stage keeps less of the wall clock than of the budgets: the pipeline may run into it
    assert stage.wall_s() == pytest.approx(stage_module.STAGE_WALL_SHARE["lns"] * stage.time_s())
    assert stage_module.STAGE_WALL_SHARE["lns"] < 1.0


def test_an_annealing_short_of_moves_keeps_seconds_from_the_pipeline(grid, monkeypatch) -> None:
    monkeypatch.setattr(stage_module, "EXACT_MAX_UNITS", 1)
    stage = _plan(grid, grid_scenario(time_limit_s=100.0))
    secs = search_seconds(100.0, stage.mp.problem.nnz)
    # moves the core's annealing cannot make: the second annealing's seconds, up to the cap
    monkeypatch.setattr(stage_module, "ANNEAL_MOVES_PER_UNIT", 10**7)
    assert stage.time_s() == pytest.approx(stage_module.STAGE_SHARE["lns"] * secs)
    # a few more moves than the core gives (its repair left nothing, its last annealing made
    # 0.25 x 0.5 x secs seconds of moves): exactly those seconds more
    monkeypatch.setattr(stage_module, "REPAIR_MOVES_PER_UNIT", 10**7)
    last = anneal_trials(0.25 * 0.5 * secs - stage.bound_plan()[0])
    monkeypatch.setattr(stage_module, "ANNEAL_MOVES_PER_UNIT", (last + 9 * 6_000) / 9)  # 9 units
    assert stage.time_s() == pytest.approx(0.5 * secs + 9 * 6_000 / ANNEAL_TRIALS_PER_S)
    # the moves of the repair's budget that it leaves go to the annealing: with a repair
    # that spends none, they are enough and the stage keeps the core alone
    first = anneal_trials(0.75 * 0.5 * secs)
    monkeypatch.setattr(stage_module, "ANNEAL_MOVES_PER_UNIT", (last + first) / 9)
    assert stage.time_s() > 0.5 * secs + 1.0
    monkeypatch.setattr(stage_module, "REPAIR_MOVES_PER_UNIT", 0)
    assert stage.time_s() == pytest.approx(0.5 * secs)


def test_the_pipeline_may_run_into_the_stage_s_wall_seconds_not_its_budgets(grid, monkeypatch) -> None:
    from allocate.align import solve as solve_module

    monkeypatch.setattr(stage_module, "EXACT_MAX_UNITS", 1)
    scenario = grid_scenario(time_limit_s=30.0)
    stage = _plan(grid, scenario)
    seen = {}
    real = solve_module.solve_assignment

    def spy(problem, params):
        seen["params"] = params
        return real(problem, params)

    def run(self, sol, clock):
        seen["stage"] = clock.deadline
        return stage_module.StageOutcome(sol.choice, sol.status, sol.best_bound)

    monkeypatch.setattr(solve_module, "solve_assignment", spy)
    monkeypatch.setattr(stage_module.ContiguityStage, "run", run)
    solve(grid, scenario)
    prm = seen["params"]
    reserve = min(finish_s(stage.mp.problem.nnz), 0.25 * 30.0)
    assert prm.time_limit_s == pytest.approx(30.0 - stage.time_s() - reserve)  # its budgets
    assert prm.clock.deadline == pytest.approx(seen["stage"] - stage.wall_s())  # its clock


def test_the_annealing_leaves_the_bound_its_seconds(grid, monkeypatch) -> None:
    # a loaded machine shortens the annealing (which keeps its best alignment), not the
    # bound: the annealing's safety net ends the bound's own safety net before the deadline,
    # its budget (and so a run that its budgets end) unchanged
    monkeypatch.setattr(stage_module, "EXACT_MAX_UNITS", 1)
    stage = _plan(grid, grid_scenario())
    bound_s, rounds = stage.bound_plan()
    assert rounds >= 2
    calls: list[tuple[str, float]] = []
    real_bound = stage_module.ContiguityStage._cut_bound
    real_anneal = stage_module.ContiguityStage._anneal

    def bound(self, g, rounds, seconds, clock):
        calls.append(("bound", clock.deadline))
        return real_bound(self, g, rounds, seconds, clock)

    def anneal(self, g, before, choice, secs, clock, *a, **kw):
        calls.append(("anneal", clock.deadline))
        return real_anneal(self, g, before, choice, secs, clock, *a, **kw)

    monkeypatch.setattr(stage_module.ContiguityStage, "_cut_bound", bound)
    monkeypatch.setattr(stage_module.ContiguityStage, "_anneal", anneal)
    clock = Clock.after(60)
    kept = stage.run(_split_solution(stage), clock)
    assert [c[0] for c in calls[:2]] == ["anneal", "bound"]
    assert calls[0][1] == pytest.approx(clock.deadline - stage_module.BOUND_SAFETY * bound_s)
    assert calls[1][1] == clock.deadline
    assert _enclaves(stage, kept.choice) == 0 and 14.0 + 1e-3 < kept.best_bound <= 16.0 + 1e-9
    # split after the repair: the annealing joins the pieces, on the whole deadline
    calls.clear()
    monkeypatch.setattr(stage_module, "repair_contiguity", lambda p, g, choice, **kw: choice)
    stage.run(_split_solution(stage), clock)
    assert calls[0] == ("anneal", clock.deadline)


def _split_solution(stage, interrupted=False) -> AssignmentSolution:
    """The travel optimum (A in the two west corners, split), as the pipeline proves it."""
    mp, inst = stage.mp, stage.instance
    ids = list(inst.units.ids)
    a = int(np.flatnonzero(mp.sellers == list(inst.sellers.ids).index("A"))[0])
    corners = {ids.index("c00"), ids.index("c20")}
    p = mp.problem
    choice = np.array(
        [p.candidate_index(b, a if stage.b_unit[b] in corners else 1 - a) for b in range(p.n_items)]
    )
    return AssignmentSolution(SolveStatus.OPTIMAL, choice, 14.0, 14.0, 14.0, 0.1, True, 14.0, interrupted)


def _enclaves(stage, choice) -> int:
    return count_enclaves(stage.instance.units.neighbours, stage.b_unit, stage.mp.problem.seller[choice])


def test_exact_run_keeps_the_proved_contiguous_optimum(grid) -> None:

    stage = _plan(grid, grid_scenario())
    sol = _split_solution(stage)
    assert _enclaves(stage, sol.choice) == 1
    kept = stage.run(sol, Clock.after(60))
    assert _enclaves(stage, kept.choice) == 0
    assert evaluate(stage.mp.problem, kept.choice).objective == pytest.approx(16.0)
    assert kept.status is SolveStatus.OPTIMAL  # proved by the contiguous model
    assert kept.best_bound == pytest.approx(16.0)  # above the pipeline's 14


def test_lns_run_is_no_longer_optimal_and_skipped_after_ctrl_c(grid, monkeypatch) -> None:

    monkeypatch.setattr(stage_module, "EXACT_MAX_UNITS", 1)
    stage = _plan(grid, grid_scenario())
    kept = stage.run(_split_solution(stage), Clock.after(60))
    assert _enclaves(stage, kept.choice) == 0
    # no proof of its own; the LP with connectivity cuts lifts the pipeline's 14
    assert kept.status is SolveStatus.FEASIBLE and 14.0 < kept.best_bound <= 16.0 + 1e-9
    # interrupted: only the (budgeted) repair runs; it hands one corner over to B
    sol = _split_solution(stage, interrupted=True)
    kept = stage.run(sol, Clock.after(60))
    assert _enclaves(stage, kept.choice) == 0 and kept.status is SolveStatus.FEASIBLE
    assert evaluate(stage.mp.problem, kept.choice).objective == pytest.approx(16.0)


def test_the_cut_bound_raises_the_bound_of_a_contiguous_result(grid, monkeypatch) -> None:
    # neighbourhoods (no proof of their own), a limit that leaves the bound its rounds: the
    # LP with connectivity cuts lifts the pipeline's 14 (A's two split corners), never above
    # the contiguous optimum 16 (brute force, tests/solvers/contiguity/test_exact.py)
    monkeypatch.setattr(stage_module, "EXACT_MAX_UNITS", 1)
    stage = _plan(grid, grid_scenario())
    assert stage.bound_plan()[1] >= 2
    kept = stage.run(_split_solution(stage), Clock.after(60))
    assert _enclaves(stage, kept.choice) == 0 and kept.status is SolveStatus.FEASIBLE
    assert 14.0 + 1e-3 < kept.best_bound <= 16.0 + 1e-9
    # a split result keeps the pipeline's bound: the cut bound holds for contiguous ones only
    monkeypatch.setattr(stage_module, "repair_contiguity", lambda p, g, choice, **kw: choice)
    monkeypatch.setattr(stage_module, "contiguous_lns", lambda p, g, choice, *a, **kw: choice)
    monkeypatch.setattr(stage_module.ContiguityStage, "_anneal", lambda self, g, before, choice, *a, **kw: choice)
    kept = stage.run(_split_solution(stage), Clock.after(60))
    assert _enclaves(stage, kept.choice) == 1 and kept.best_bound == 14.0


def test_large_instances_use_neighbourhoods(fr300, monkeypatch, caplog) -> None:
    monkeypatch.setattr(stage_module, "EXACT_MAX_UNITS", 10)  # fr300 has more units than that
    scenario = Scenario(model="geography", time_limit_s=10)
    with caplog.at_level(logging.INFO, logger="allocate"):
        result = solve(fr300, scenario)
    assert "contiguity by neighbourhoods" in caplog.text
    mp = build_model(fr300, scenario)
    choice = bundle_choice(mp, np.asarray(result.alignment.seller))
    b_unit = bundle_units(fr300, mp)
    assert count_enclaves(fr300.units.neighbours, b_unit, mp.problem.seller[choice]) == 0
    ev = evaluate(mp.problem, choice)
    assert ev.feasible
    assert result.objective == pytest.approx(ev.objective)


def test_neighbourhoods_reach_the_grid_optimum(grid, monkeypatch) -> None:
    monkeypatch.setattr(stage_module, "EXACT_MAX_UNITS", 1)
    result = solve(grid, grid_scenario())
    # with two sellers the neighbourhood is the whole flow model: the contiguous optimum
    assert a_cells(grid, result) in ({"00"}, {"20"})
    assert result.objective == pytest.approx(16.0)
    assert result.status.value == "feasible"  # no proof claimed by the neighbourhood search


def test_a_contiguous_alignment_that_breaks_a_hard_rule_is_not_kept(grid, monkeypatch) -> None:
    # the stage never trades a hard rule for contiguity: the pipeline's (split, valid)
    # alignment stays when the contiguous one overloads a seller
    from allocate.solvers.contiguity.exact import ContiguousOutcome

    stage = _plan(grid, grid_scenario())
    sol = _split_solution(stage)
    p = stage.mp.problem
    a = list(grid.sellers.ids).index("A")
    everything_to_a = np.array([p.candidate_index(b, a) for b in range(p.n_items)])
    assert not evaluate(p, everything_to_a).feasible  # A (3 h) cannot carry all
    monkeypatch.setattr(
        stage_module, "solve_contiguous", lambda *args, **kw: ContiguousOutcome(everything_to_a, True, 0.0, 0.0, 0.1)
    )
    monkeypatch.setattr(stage_module, "repair_contiguity", lambda p, g, choice, **kw: everything_to_a)
    kept = stage.run(sol, Clock.after(60))
    assert kept.choice.tolist() == sol.choice.tolist() and evaluate(p, kept.choice).feasible
    assert _enclaves(stage, kept.choice) == 1  # the split is kept, and reported


def _contiguous_optimum(instance, mp) -> float:
    """Brute force: the best feasible alignment whose territories are connected (2^9 on the grid)."""
    p, b_unit = mp.problem, bundle_units(instance, mp)
    best = np.inf
    for sellers in itertools.product(range(p.n_sellers), repeat=p.n_items):
        choice = np.array([p.candidate_index(b, s) for b, s in enumerate(sellers)])
        if (choice < 0).any():
            continue
        ev = evaluate(p, choice)
        if ev.feasible and count_enclaves(instance.units.neighbours, b_unit, p.seller[choice]) == 0:
            best = min(best, ev.objective)
    return best


@pytest.mark.parametrize("mode", ["exact", "lns"])
def test_the_reported_gap_is_never_below_the_true_one(grid, monkeypatch, mode) -> None:
    # the default objective (balance bands, compactness), contiguity on: the bound reported
    # must bound the contiguous optimum computed independently, so the gap shown is at least
    # the true gap; and the territories are connected
    if mode == "lns":
        monkeypatch.setattr(stage_module, "EXACT_MAX_UNITS", 1)
    scenario = Scenario(model="geography", time_limit_s=4)
    result = solve(grid, scenario)
    mp = build_model(grid, result.scenario)
    choice = bundle_choice(mp, np.asarray(result.alignment.seller))
    assert count_enclaves(grid.units.neighbours, bundle_units(grid, mp), mp.problem.seller[choice]) == 0
    opt = _contiguous_optimum(grid, mp)
    assert np.isfinite(opt)
    assert result.objective >= opt - 1e-9
    assert result.best_bound <= opt + 1e-6 * max(1.0, opt)
    assert result.gap >= (result.objective - opt) / abs(result.objective) - 1e-9


# -- the second enclave repair: moves priced by the unit's recorded seller -------------------
# Three sellers on the 3 x 3 grid of tests/unit_grid.py, two accounts per unit whose sellers
# today differ: the first repair prices each account's move, the second a unit's moves by its
# recorded seller (the first account's here). Found by a search over random grids.


def _three_sellers(cost, load, cap, today, move_weight, max_moves=None) -> AssignmentProblem:
    """Item u in unit u; ``today[u]`` the sellers today of its two accounts."""
    today = np.asarray(today)
    stays = np.array([[int((today[u] == s).sum()) for s in range(3)] for u in range(9)])
    return AssignmentProblem(
        capacity=np.asarray(cap, dtype=float),
        indptr=np.arange(0, 28, 3),
        seller=np.tile(np.arange(3), 9),
        cost=np.asarray(cost, dtype=float).reshape(-1),
        load=np.asarray(load, dtype=float).reshape(-1),
        count=np.full(9, 2),
        current=today[:, 0],
        stays=stays.reshape(-1),
        movable=np.full(9, 2),
        move_weight=float(move_weight),
        max_moves=max_moves,
    )


def _repair_stage(p: AssignmentProblem, owner: list[int]):
    """The stage on ``p`` (its enclave repair only reads the problem), the grid's graph with
    each seller's base at its first unit, and the pipeline's (split) alignment ``owner``."""
    bases = np.array([owner.index(s) for s in range(3)])
    graph = UnitGraph.build(grid_neighbours(), np.arange(9), bases, np.array([[c, r] for r in range(3) for c in range(3)], dtype=float))
    mp = ModelProblem("geography", rows=None, problem=p, sellers=np.arange(3))  # type: ignore[arg-type]
    stage = ContiguityStage(None, Scenario(model="geography"), mp, "lns", np.arange(9))  # type: ignore[arg-type]
    choice = np.array([p.candidate_index(u, s) for u, s in enumerate(owner)])
    ev = evaluate(p, choice)
    return stage, graph, choice, ev


def _solution(choice, objective, interrupted=False) -> AssignmentSolution:
    return AssignmentSolution(SolveStatus.FEASIBLE, choice, objective, 0.0, 0.0, 0.1, True, objective, interrupted)


def _splits(graph, p, choice) -> int:
    return count_enclaves(grid_neighbours(), graph.b_unit, p.seller[choice])


def test_the_second_repair_joins_what_the_first_left_split() -> None:
    p = _three_sellers(
        cost=[[5, 4, 4], [5, 4, 2], [4, 4, 3], [2, 2, 1], [4, 4, 2], [5, 3, 1], [5, 5, 5], [3, 3, 2], [3, 2, 5]],
        load=[[2, 3, 2], [3, 2, 1], [1, 1, 2], [1, 1, 2], [2, 1, 1], [1, 3, 2], [1, 3, 2], [1, 1, 1], [1, 1, 3]],
        cap=[6, 3, 7],
        today=[[0, 1], [1, 0], [0, 2], [0, 1], [2, 0], [2, 1], [2, 1], [1, 2], [0, 1]],
        move_weight=2,
    )
    stage, graph, start, ev = _repair_stage(p, [2, 1, 0, 0, 0, 2, 2, 0, 1])
    assert ev.feasible and _splits(graph, p, start) > 0
    # interrupted: the first repair alone, which leaves a territory split here
    first, _ = stage.repair(graph, _solution(start, ev.objective, interrupted=True), 100_000, Clock.after(60))
    assert _splits(graph, p, first) == 1
    kept, spent = stage.repair(graph, _solution(start, ev.objective), 100_000, Clock.after(60))
    assert _splits(graph, p, kept) == 0 and evaluate(p, kept).feasible
    assert evaluate(p, kept).objective < evaluate(p, first).objective  # 50 against 55
    assert 0 < spent <= 100_000


def test_the_second_repair_never_breaks_the_move_cap() -> None:
    # the coarse pricing miscounts moves: its repair joins more pieces but moves more accounts
    # than the cap allows; the first repair's alignment, which keeps the cap, is kept
    p = _three_sellers(
        cost=[[2, 5, 4], [2, 5, 3], [4, 2, 4], [4, 1, 3], [4, 4, 4], [5, 2, 1], [5, 1, 1], [5, 2, 1], [5, 2, 4]],
        load=[[1, 1, 1], [3, 1, 3], [3, 2, 2], [3, 2, 2], [2, 3, 3], [1, 3, 2], [1, 2, 2], [3, 1, 2], [3, 3, 2]],
        cap=[7, 7, 4],
        today=[[0, 2], [0, 2], [0, 1], [0, 0], [1, 1], [2, 1], [1, 0], [0, 0], [0, 0]],
        move_weight=1,
        max_moves=14,
    )
    stage, graph, start, ev = _repair_stage(p, [1, 1, 1, 2, 0, 0, 0, 2, 0])
    assert ev.feasible and ev.moves == 14
    first, _ = stage.repair(graph, _solution(start, ev.objective, interrupted=True), 100_000, Clock.after(60))
    assert evaluate(p, first).feasible and _splits(graph, p, first) > 0
    coarse = replace(p, stays=np.zeros(0, dtype=np.int64), movable=np.zeros(0, dtype=np.int64))
    again = repair_contiguity(coarse, graph, start, trials=100_000, then_any_cost=True)
    assert _splits(graph, p, again) < _splits(graph, p, first)
    assert evaluate(p, again).moves > 14  # more moves than the cap allows
    kept, _ = stage.repair(graph, _solution(start, ev.objective), 100_000, Clock.after(60))
    assert kept.tolist() == first.tolist() and evaluate(p, kept).feasible
