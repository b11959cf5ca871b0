"""The team-size search: the proved minimum, balanced placements and the galloping search."""

from __future__ import annotations

import pytest

from allocate.analysis.sizing import size_sales_force


def test_size_is_proved_by_the_capacity_check(tiny) -> None:
    rep = size_sales_force(tiny, time_limit_s=2, workers=1)
    k = rep.lower_bound
    # k - 1 sellers fail the capacity check (desk + proven travel bound > capacity)
    assert all(not s.passes for s in rep.steps if s.sellers < k)
    assert any(s.sellers == k and s.passes for s in rep.steps)
    assert rep.minimum is not None and rep.minimum >= k
    # 4 customers x (1 h visit + 0.5 h call) per week = 6 h desk; 40 h sellers: one seller
    assert rep.desk_h == 6.0 and k == 1


def _paris_orleans(tmp_path):
    """Nine weekly-visited customers around Paris, one in Orléans, sellers of 11 h a week."""
    import math

    from allocate import read_instance
    from tests.conftest import write_instance

    sellers = [
        "seller_id,name,lat,lon,role,capacity_h,segments,product_lines,max_accounts,max_travel_min",
        "PAR,Paris Seller,48.8566,2.3522,CSM,11,,,,",
    ]
    header = "account_id,name,lat,lon,segment,potential,stage,product_lines,group_id,current_seller_id,locked,unit_id"
    points = [(48.8566 + 0.03 * math.cos(k), 2.3522 + 0.04 * math.sin(k)) for k in range(9)]
    points.append((47.9029, 1.9093))
    rows = [f"A{k},Co {k},{la:.5f},{lo:.5f},small,1000,customer,payroll,,PAR,true,"
            for k, (la, lo) in enumerate(points)]  # fmt: skip
    return read_instance(write_instance(tmp_path / "po", [header, *rows], sellers))


def test_balanced_placement_finds_the_proven_minimum(tmp_path, monkeypatch) -> None:
    import allocate.analysis.sizing as sizing

    inst = _paris_orleans(tmp_path)
    rep = size_sales_force(inst, time_limit_s=3, workers=1)
    # 1 seller: 13.5 h of desk work alone exceed 11 h; 2 pass the pooled check
    assert rep.lower_bound == 2
    # the travel-optimal bases (Paris, Orléans) overload Paris: its seller cannot hand
    # accounts to Orléans without the drive; two bases in Paris carry everything
    assert rep.minimum == 2 and rep.proven
    found = rep.placements[-1]
    assert found.feasible and len(found.workload_h) == 2
    assert found.workload_h.max() <= 11 + 1e-6  # recomputed from the alignment, not the p-median
    assert "balanced" in found.explanation
    # locks on today's seller (PAR) do not leak into the new team
    monkeypatch.setattr(sizing, "BALANCE_ROUNDS", 0)
    plain = size_sales_force(inst, time_limit_s=3, workers=1)
    first = plain.placements[0]
    assert first.alignment_status == "infeasible" and first.verdict == "infeasible"
    assert not first.feasible
    assert plain.minimum == 3 and not plain.proven


@pytest.mark.parametrize("answer", [1, 2, 3, 9, 17, 40, 41])
def test_first_passing_gallops_then_bisects(answer) -> None:
    from allocate.analysis.sizing import _first_passing

    calls: list[int] = []

    def check(k: int) -> bool:
        calls.append(k)
        return k >= answer

    found = _first_passing(check, 1, 40)
    assert found == (answer if answer <= 40 else None)
    if found is not None:
        assert found in calls and (found == 1 or found - 1 in calls)  # both ends proven
        assert len(calls) <= 12  # not one solve per size
    assert len(set(calls)) == len(calls)  # no size solved twice


def test_first_passing_keeps_a_proven_failure_below_a_non_monotone_pass() -> None:
    from allocate.analysis.sizing import _first_passing

    passes = {4, 7, 8, 9, 10}  # a weak bound may pass at 4 and fail at 5 and 6
    found = _first_passing(lambda k: k in passes, 1, 10)
    assert found in passes and found - 1 not in passes


def test_sizing_tables_report_the_margin_relative_to_today() -> None:
    import math

    import numpy as np

    from allocate.analysis.sizing import (
        NOT_NEEDED,
        Placement,
        SizeStep,
        SizingReport,
        sizing_tables,
    )
    from allocate.core.status import SolveStatus
    from allocate.sizing.economics import Marginal

    steps = (SizeStep(1, 30.0, 15.0, 16.0, 40.0, SolveStatus.OPTIMAL), SizeStep(0, 30.0, 0.0, math.nan, 0.0, None))
    placed = Placement(1, False, ("T1",), np.zeros(1), np.zeros(1), 16.0, SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, np.array([39.0]))
    marginal = (Marginal("today", 40.0, 50.0, 1000.0, 0.8), Marginal("+1 seller", 80.0, 50.0, 1000.0, 1.0))
    report = SizingReport(None, 4, 30.0, 2.0, 40.0, 1, 2, steps, 1, (placed,), marginal, False)
    tables = sizing_tables(report)
    check = tables["capacity_check"]
    assert check.workload_lb_h.tolist() == [45.0, 30.0] and check.passes.tolist() == [False, False]
    assert check.pmedian.tolist() == ["optimal", NOT_NEEDED]  # plain strings, as written
    assert all(type(v) is str for v in check.pmedian)
    placement = tables["placement"]
    assert placement.max_workload_h.tolist() == [39.0]
    assert placement.pmedian.tolist() == ["optimal"] and placement.alignment.tolist() == ["feasible"]
    # +1 seller works the whole funnel: 1000 - 800 more expected margin
    assert tables["marginal"].marginal_value.tolist() == pytest.approx([0.0, 200.0])
    assert report.minimum == 1 and report.proven


def test_an_overloaded_alignment_is_solved_but_not_feasible() -> None:
    import numpy as np

    from allocate.analysis.sizing import Placement
    from allocate.core.status import SolveStatus

    def placed(status: SolveStatus, short: bool) -> Placement:
        z = np.zeros(1)
        return Placement(1, False, ("T",), z, z, 1.0, SolveStatus.OPTIMAL, status, z, "", short)

    over = placed(SolveStatus.OPTIMAL, True)
    # a solution was found, but a seller is overloaded: written as "infeasible", not feasible
    assert over.alignment_status.has_solution and not over.feasible and over.verdict == "infeasible"
    assert placed(SolveStatus.FEASIBLE, False).feasible and placed(SolveStatus.FEASIBLE, False).verdict == "feasible"
    assert not placed(SolveStatus.UNKNOWN, False).feasible and placed(SolveStatus.UNKNOWN, False).verdict == "unknown"
