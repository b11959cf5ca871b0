"""The independent checker on the tiny instance: each hard rule, broken on purpose.

Tiny: PAR and LYO (CSM, 40 h); A1 Versailles and A2 Saint-Denis near Paris, A3 Villeurbanne
and A4 Vénissieux near Lyon; every account a customer (1.5 h desk, one visit a week); today
A1, A3 with LYO and A2, A4 with PAR.
"""

from __future__ import annotations

import numpy as np
import pytest

from allocate.align.check import balance_groups, check_alignment, moved_accounts
from allocate.core.result import Alignment
from allocate.core.scenario import BalanceSet, BalanceSpec, Scenario
from allocate.io.instance import read_instance
from tests.conftest import TINY_ACCOUNTS, TINY_SELLERS, write_instance

NO_BALANCE = BalanceSet(workload=None, potential=None, count=None)


def _al(sellers, model="geography") -> Alignment:
    return Alignment(model, np.arange(len(sellers)), np.array(sellers), ("",) * len(sellers), "")


def _rules(report) -> set[str]:
    return {b.split(":")[0] for b in report.breaches}


def _variant(tmp_path, accounts=None, sellers=None):
    return read_instance(write_instance(tmp_path / "v", accounts or TINY_ACCOUNTS, sellers or TINY_SELLERS))


def test_the_natural_alignment_meets_every_rule(tiny):
    report = check_alignment(tiny, _al([0, 0, 1, 1]), Scenario())
    assert report.ok and report.breaches == ()
    # the default soft bands are measured too, never a breach
    assert set(report.bands) == {"workload", "potential"} and not report.bands["workload"].hard


def test_capacity_is_recomputed_with_travel(tmp_path):
    # PAR has 3 h: A1 and A2 need 2 x 1.5 h desk plus their trips
    sellers = [TINY_SELLERS[0], TINY_SELLERS[1].replace(",40,", ",3,"), TINY_SELLERS[2]]
    inst = _variant(tmp_path, sellers=sellers)
    report = check_alignment(inst, _al([0, 0, 1, 1]), Scenario(balance=NO_BALANCE))
    assert _rules(report) == {"capacity"}
    assert "PAR carries" in report.breaches[0]
    # LYO alone: 4 x 1.5 h desk + two ~7 h round trips to Paris and two short ones fit in 40 h
    assert check_alignment(inst, _al([1, 1, 1, 1]), Scenario(balance=NO_BALANCE)).ok


def test_max_accounts_and_max_travel(tmp_path):
    sellers = [TINY_SELLERS[0], "PAR,Paris Seller,48.8566,2.3522,CSM,40,,,1,60", TINY_SELLERS[2]]
    inst = _variant(tmp_path, sellers=sellers)
    report = check_alignment(inst, _al([0, 0, 1, 1]), Scenario(balance=NO_BALANCE))
    assert _rules(report) == {"max_accounts"}
    report = check_alignment(inst, _al([0, 1, 1, 1]), Scenario(balance=NO_BALANCE))
    assert report.ok
    report = check_alignment(inst, _al([1, 1, 0, 1]), Scenario(balance=NO_BALANCE))
    assert _rules(report) == {"max_travel"}  # Villeurbanne is ~4 h from Paris


def test_eligibility_follows_the_model(tmp_path):
    sellers = [TINY_SELLERS[0], TINY_SELLERS[1].replace(",40,,", ",40,mid;large,"), TINY_SELLERS[2]]
    inst = _variant(tmp_path, sellers=sellers)
    sc = Scenario(balance=NO_BALANCE)
    assert check_alignment(inst, _al([0, 0, 1, 1]), sc).ok  # geography: anyone
    report = check_alignment(inst, _al([0, 0, 1, 1], "size"), sc)
    assert _rules(report) == {"eligibility"}
    assert len(report.breaches) == 2  # A1 and A2 are small
    assert check_alignment(inst, _al([1, 1, 0, 1], "size"), sc).ok  # A3 is mid: PAR may serve it


def test_roles_and_product_lines(tiny):
    sc = Scenario(balance=NO_BALANCE)
    ok = Alignment("roles", np.arange(4), np.array([0, 0, 1, 1]), ("CSM",) * 4, "role")
    assert check_alignment(tiny, ok, sc).ok
    wrong = Alignment("roles", np.arange(4), np.array([0, 0, 1, 1]), ("AE",) * 4, "role")
    assert _rules(check_alignment(tiny, wrong, sc)) == {"eligibility"}
    # A2 has payroll and hr; a line the account does not have is not a row of it
    lines = Alignment(
        "value_proposition", np.array([0, 1, 1, 2, 3]), np.array([0, 0, 1, 1, 1]),
        ("payroll", "payroll", "hr", "hr", "payroll"), "product_line",
    )
    assert check_alignment(tiny, lines, sc).ok
    bad = Alignment(
        "value_proposition", np.array([0, 1, 1, 2, 3]), np.array([0, 0, 1, 1, 1]),
        ("payroll", "payroll", "hr", "payroll", "payroll"), "product_line",
    )
    assert _rules(check_alignment(tiny, bad, sc)) == {"eligibility"}  # A3 has no payroll line


def test_coverage_unserved_duplicate_and_missing(tiny):
    sc = Scenario(balance=NO_BALANCE)
    assert _rules(check_alignment(tiny, _al([0, -1, 1, 1]), sc)) == {"coverage"}
    dup = Alignment("geography", np.array([0, 0, 1, 2, 3]), np.array([0, 1, 0, 1, 1]), ("",) * 5, "")
    assert any("appears twice" in b for b in check_alignment(tiny, dup, sc).breaches)
    missing = Alignment("geography", np.array([0, 1, 2]), np.array([0, 0, 1]), ("",) * 3, "")
    assert any("A4 is not in the alignment" in b for b in check_alignment(tiny, missing, sc).breaches)


def test_locks_groups_and_moves(tmp_path):
    accounts = list(TINY_ACCOUNTS)
    accounts[1] = accounts[1].replace(",,LYO,false,", ",G1,LYO,true,")  # A1 locked to LYO, group G1
    accounts[3] = accounts[3].replace(",,LYO,false,", ",G1,LYO,false,")  # A3 in G1 too
    inst = _variant(tmp_path, accounts=accounts)
    sc = Scenario(balance=NO_BALANCE)
    assert check_alignment(inst, _al([1, 0, 1, 1]), sc).ok
    report = check_alignment(inst, _al([0, 0, 0, 1]), sc)
    assert _rules(report) == {"lock"}  # A1 left LYO (the group moved whole)
    report = check_alignment(inst, _al([1, 0, 0, 1]), sc)
    assert _rules(report) == {"group"} and report.groups_split == ("G1",)
    # moves: today A1, A3 with LYO (1) and A2, A4 with PAR (0); [1, 0, 1, 1] moves A4 only
    assert moved_accounts(inst, _al([1, 0, 1, 0])) == 0
    assert moved_accounts(inst, _al([1, 0, 1, 1])) == 1
    capped = Scenario(balance=NO_BALANCE, max_moves=0)
    assert _rules(check_alignment(inst, _al([1, 0, 1, 1]), capped)) == {"moves"}
    assert check_alignment(inst, _al([1, 0, 1, 0]), capped).ok


def test_hard_count_band_on_the_alignment(tiny):
    hard = Scenario(balance=BalanceSet(workload=None, potential=None, count=BalanceSpec(tolerance=0.0, hard=True)))
    assert check_alignment(tiny, _al([0, 0, 1, 1]), hard).ok
    report = check_alignment(tiny, _al([0, 0, 0, 1]), hard)
    assert _rules(report) == {"balance"} and len(report.breaches) == 2  # 3 vs 2 and 1 vs 2
    band = report.bands["count"]
    assert band.hard and band.max_dev_pct == pytest.approx(50.0) and band.outside == pytest.approx(2.0)
    # soft: measured, never a breach
    soft = Scenario(balance=BalanceSet(workload=None, potential=None, count=BalanceSpec(tolerance=0.0)))
    assert check_alignment(tiny, _al([0, 0, 0, 1]), soft).ok


def test_hard_potential_band_on_unscaled_euros(tiny):
    # potentials 10k, 20k, 30k, 40k; PAR {A1, A4} = 50k, LYO {A2, A3} = 50k: exact
    hard = Scenario(balance=BalanceSet(workload=None, count=None, potential=BalanceSpec(tolerance=0.0, hard=True)))
    assert check_alignment(tiny, _al([0, 1, 1, 0]), hard).ok
    assert _rules(check_alignment(tiny, _al([0, 0, 1, 1]), hard)) == {"balance"}  # 30k vs 70k


def test_balance_groups_follow_the_model(tmp_path):
    sellers = [TINY_SELLERS[0], TINY_SELLERS[1].replace(",40,,", ",40,mid;large,"), TINY_SELLERS[2]]
    inst = _variant(tmp_path, sellers=sellers)
    assert [g.tolist() for g in balance_groups(inst, Scenario(), "geography")] == [[0, 1]]
    assert [g.tolist() for g in balance_groups(inst, Scenario(), "size")] == [[0], [1]]
    assert [g.tolist() for g in balance_groups(inst, Scenario(), "roles")] == [[0, 1]]


@pytest.mark.parametrize("model", ["geography", "size", "value_proposition", "roles", "generalist", "hybrid"])
def test_every_model_solution_passes_the_check(model):
    # the check restates each model's rules without the solver's data: on the base instance
    # (a locked multi-site group, locks, segments and roles) no model's solution shows a breach
    from allocate.align.solve import solve
    from tests.base_instance import BASE

    inst = read_instance(BASE)
    res = solve(inst, Scenario(model=model, time_limit_s=2, workers=1))
    assert res.breaches == () and res.is_solution, res.breaches
    again = check_alignment(inst, res.alignment, res.scenario)
    assert again.ok and again.groups_split == ()
