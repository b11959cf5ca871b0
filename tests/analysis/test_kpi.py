"""KPIs recomputed by hand on the tiny instance (Paris and Lyon sellers, four accounts)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from allocate.analysis.kpi import (
    Kpis,
    alignment_kpis,
    choice_of,
    compute_kpis,
    gini,
    sellers_needed,
    spread,
)
from allocate.core.result import Alignment, Result
from allocate.core.scenario import Scenario
from allocate.core.status import SolveStatus
from allocate.core.travel import haversine_km
from allocate.io.instance import read_instance
from allocate.organize.presets import build_model
from tests.conftest import TINY_ACCOUNTS, TINY_SELLERS, write_instance

PAR, LYO = (48.8566, 2.3522), (45.7640, 4.8357)
# A1 Versailles, A2 Saint-Denis, A3 Villeurbanne, A4 Vénissieux; today: LYO, PAR, LYO, PAR
A = [(48.8049, 2.1204), (48.9362, 2.3574), (45.7719, 4.8902), (45.6975, 4.8867)]


def travel_h(base, a):
    """One visit a week: a round trip at 1.3 circuity and 70 km/h."""
    return 2 * haversine_km(*base, *A[a]) * 1.3 / 70


def test_gini():
    assert gini(np.array([5.0, 5.0, 5.0])) == pytest.approx(0.0)
    # sum |xi - xj| over ordered pairs / (2 n^2 mean) = 4 / (2 * 9 * 1/3)
    assert gini(np.array([0.0, 1.0, 0.0])) == pytest.approx(2 / 3)
    assert gini(np.array([])) == 0.0 and gini(np.zeros(3)) == 0.0


def test_spread():
    s = spread(np.array([2.0, 4.0]))
    assert s == pytest.approx({"mean": 3.0, "min": 2.0, "max": 4.0, "cv": 1 / 3, "max_min_ratio": 2.0, "gini": 1 / 6})
    assert spread(np.array([0.0, 2.0]))["max_min_ratio"] == math.inf
    assert spread(np.zeros(2))["cv"] == 0.0
    empty = spread(np.array([]))
    assert math.isnan(empty.pop("max_min_ratio"))
    assert set(empty.values()) == {0.0}


def test_sellers_needed_rounds_up():
    assert sellers_needed(81.0, np.array([40.0, 40.0])) == 3
    assert sellers_needed(80.0, np.array([30.0, 50.0])) == 2
    assert sellers_needed(80.0 + 1e-12, np.array([40.0])) == 2  # no third seller for rounding noise
    assert sellers_needed(10.0, np.array([])) == 0


def _geography(seller):
    return Alignment("geography", np.arange(4), np.array(seller), ("",) * 4, "")


def test_geography_kpis_by_hand(tiny):
    # PAR serves the two Paris suburbs, LYO the two Lyon suburbs; A1 and A4 change seller
    kp = alignment_kpis(tiny, _geography([0, 0, 1, 1]), Scenario())
    assert isinstance(kp, Kpis)
    t_par = travel_h(PAR, 0) + travel_h(PAR, 1)
    t_lyo = travel_h(LYO, 2) + travel_h(LYO, 3)
    df = kp.sellers
    assert df["seller_id"].tolist() == ["PAR", "LYO"]
    assert df["accounts"].tolist() == [2, 2] and df["items"].tolist() == [2, 2]
    # 1.5 h of playbook per account + one round trip a week
    assert df["travel_h"].tolist() == pytest.approx([t_par, t_lyo], abs=1e-3)
    assert df["workload_h"].tolist() == pytest.approx([3 + t_par, 3 + t_lyo], abs=1e-3)
    assert df["utilization"].tolist() == pytest.approx([(3 + t_par) / 40, (3 + t_lyo) / 40], abs=1e-4)
    assert df["potential"].tolist() == [30000.0, 70000.0]
    assert df["moves_in"].tolist() == [1, 1]

    t = kp.totals
    assert (t["model"], t["accounts"], t["items"], t["sellers"], t["sellers_used"]) == ("geography", 4, 4, 2, 2)
    assert t["desk_h"] == pytest.approx(6.0)
    assert t["total_travel_h"] == pytest.approx(t_par + t_lyo)
    assert t["total_workload_h"] == pytest.approx(6.0 + t_par + t_lyo)
    assert t["total_capacity_h"] == 80.0
    assert (t["moves"], t["moves_share"]) == (2, 0.5)
    assert t["sellers_needed"] == 1
    assert (t["overloaded_sellers"], t["uncovered_items"], t["locks_not_applied"]) == (0, 0, 0)
    assert t["potential"]["mean"] == 50000.0 and t["potential"]["gini"] == pytest.approx(0.2)
    terms = t["objective_terms"]
    assert terms["moves"] == 2
    # the travel term is the travel of the KPIs (the compactness term is apart from it)
    assert terms["travel"] == pytest.approx(t_par + t_lyo)
    # the objective is the weighted sum of its terms (travel weight 1, compactness 0.2, and
    # move weight 0.15: geography's default)
    assert t["objective"] == pytest.approx(
        terms["travel"] + 0.2 * terms["compactness"] + terms["imbalance"] + 0.15 * terms["moves"]
    )
    breakdown = {row["key"]: row for row in t["objective_breakdown"]}
    assert set(breakdown) == {"travel", "compactness", "balance_load", "balance_potential", "moves"}
    assert breakdown["moves"]["weight"] == 0.15 and breakdown["moves"]["amount"] == 2
    assert sum(row["value"] for row in breakdown.values()) == pytest.approx(t["objective"])


def test_today_alignment_has_no_move_and_long_drives(tiny):
    kp = alignment_kpis(tiny, _geography([1, 0, 1, 0]), Scenario())
    t = kp.totals
    assert (t["moves"], t["moves_share"]) == (0, 0.0)
    assert kp.sellers["moves_in"].tolist() == [0, 0]
    want = travel_h(LYO, 0) + travel_h(PAR, 1) + travel_h(LYO, 2) + travel_h(PAR, 3)
    assert t["total_travel_h"] == pytest.approx(want)
    assert t["total_travel_h"] > 25  # two Paris–Lyon round trips a week


def test_overloaded_seller(tmp_path):
    # PAR has 10 h a week: four accounts (6 h of playbook) and two round trips to Lyon overload it
    sellers = [TINY_SELLERS[0], TINY_SELLERS[1].replace(",40,", ",10,"), TINY_SELLERS[2]]
    inst = read_instance(write_instance(tmp_path / "i", TINY_ACCOUNTS, sellers))
    kp = alignment_kpis(inst, _geography([0, 0, 0, 0]), Scenario())
    want = 6.0 + sum(travel_h(PAR, a) for a in range(4))
    t = kp.totals
    assert t["overloaded_sellers"] == 1 and t["sellers_used"] == 1
    assert t["total_workload_h"] == pytest.approx(want)
    assert t["workload"]["max"] == pytest.approx(want)  # idle sellers are left out of the spread
    assert t["utilization"]["mean"] == pytest.approx(want / 10)
    assert t["sellers_needed"] == math.ceil(want / 25)  # mean capacity (10 + 40) / 2
    assert kp.sellers["accounts"].tolist() == [4, 0]


def test_split_accounts_share_their_potential(tiny):
    # value proposition: A2 (payroll and hr) is one row per product line
    sc = Scenario(model="value_proposition")
    mp = build_model(tiny, sc)
    rows = mp.rows
    assert rows.account.tolist() == [0, 1, 1, 2, 3] and rows.key == ("payroll", "payroll", "hr", "hr", "payroll")
    al = Alignment("value_proposition", rows.account, np.array([1, 0, 1, 1, 0]), rows.key, rows.key_kind)
    kp = alignment_kpis(tiny, al, sc, mp)
    # PAR: half of A2 + A4 = 10,000 + 40,000; LYO: A1 + half of A2 + A3 = 10,000 + 10,000 + 30,000
    assert kp.sellers["potential"].tolist() == [50000.0, 50000.0]
    assert kp.sellers["accounts"].tolist() == [2, 3] and kp.sellers["items"].tolist() == [2, 3]
    # only A2's hr line left its seller (PAR -> LYO): one account moved
    assert (kp.totals["moves"], kp.totals["moves_share"]) == (1, 0.25)
    assert kp.sellers["moves_in"].tolist() == [0, 1]
    assert kp.totals["desk_h"] == pytest.approx(rows.desk_h.sum())


def test_choice_of_maps_rows_back_to_candidates(tiny):
    sc = Scenario()
    mp = build_model(tiny, sc)
    al = _geography([0, 0, 1, 1])
    choice = choice_of(mp, al)
    assert (choice >= 0).all()
    assert mp.sellers[mp.problem.seller[choice]][mp.rows.bundle].tolist() == [0, 0, 1, 1]


def test_compute_kpis_reads_the_result(tiny):
    al = _geography([0, 0, 1, 1])
    sc = Scenario(weights={"move": 1.0})
    res = Result(SolveStatus.OPTIMAL, 0.0, 0.0, 0.0, 0.1, al, sc, True, 0.0)
    kp = compute_kpis(tiny, res)
    ref = alignment_kpis(tiny, al, sc)
    assert kp.totals == ref.totals
    terms = kp.totals["objective_terms"]
    assert kp.totals["objective"] == pytest.approx(
        terms["travel"] + 0.2 * terms["compactness"] + terms["imbalance"] + 1.0 * terms["moves"]
    )


def test_uncovered_items_are_counted(tiny):
    kp = alignment_kpis(tiny, _geography([0, -1, 1, 1]), Scenario())
    assert kp.totals["uncovered_items"] == 1


def test_scenario_travel_parameters_reach_the_travel_hours(tiny):
    base = alignment_kpis(tiny, _geography([0, 0, 1, 1]), Scenario()).totals["total_travel_h"]
    slow = alignment_kpis(tiny, _geography([0, 0, 1, 1]), Scenario(speed_kmh=35.0)).totals["total_travel_h"]
    assert slow == pytest.approx(2 * base)


def test_balance_is_recomputed_from_the_alignment_hard_bands_too(tiny):
    # issue 14 item 2: with a hard band the objective has no imbalance term (0.0), which hid
    # 3 accounts against 1; the band itself is now measured from the alignment
    from allocate.core.scenario import BalanceSet, BalanceSpec

    hard = Scenario(balance=BalanceSet(workload=None, potential=None, count=BalanceSpec(tolerance=0.0, hard=True)))
    t = alignment_kpis(tiny, _geography([0, 0, 0, 1]), hard).totals
    assert t["objective_terms"]["imbalance"] == 0.0  # the objective's soft term, as before
    assert t["balance"]["count"] == {
        "tolerance": 0.0, "hard": True, "max_dev_pct": pytest.approx(50.0), "outside": pytest.approx(2.0), "sellers_outside": 2,
    }
    assert t["hard_rules_broken"] == 2
    assert alignment_kpis(tiny, _geography([0, 0, 1, 1]), hard).totals["balance"]["count"]["max_dev_pct"] == 0.0


def test_kpis_json_is_what_the_written_alignment_gives(tiny, tmp_path):
    # every KPI of kpis.json recomputed from alignment.csv read back
    import json

    from allocate.align.solve import solve
    from allocate.io.runfolder import ALIGNMENT, KPIS, read_alignment, write_run

    res = solve(tiny, Scenario(model="size", time_limit_s=5, workers=1))
    run = tmp_path / "run"
    write_run(run, tiny, res, compute_kpis(tiny, res))
    again = alignment_kpis(tiny, read_alignment(run / ALIGNMENT, tiny), res.scenario)
    from allocate.core.nested import flatten

    written = flatten(json.loads((run / KPIS).read_text())["totals"])
    recomputed = flatten(json.loads(json.dumps(again.totals, default=float)))
    assert written.keys() == recomputed.keys()
    for key, value in written.items():
        assert recomputed[key] == (pytest.approx(value) if isinstance(value, float) else value), key
