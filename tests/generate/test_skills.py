"""Key-account and product specialists."""

from __future__ import annotations

import numpy as np

from allocate.generate.skills import draw_skills


def test_key_account_specialists_follow_the_key_workload() -> None:
    # 6 AEs: 4 in office 0, 2 in office 1; accounts: half the work is key, all in office 0
    role = np.array(["AE"] * 6, dtype=object)
    seller_office = np.array([0, 0, 0, 0, 1, 1])
    account_office = np.array([0, 0, 1, 1])
    desk = np.zeros((4, 5))
    desk[:, 3] = 1.0  # column of AE in ROLES
    visits = np.zeros((4, 5))
    key = np.array([True, True, False, False])
    segments, products = draw_skills(
        role, seller_office, account_office, desk, visits, np.zeros(4), key, {"AE": [3]}
    )
    # round(6 * 2/4) = 3 specialists, all in office 0 (which keeps one non-specialist)
    assert segments == ["mid;large"] * 3 + [""] * 3
    # a team of six AEs has one product specialist: the last plain AE of the largest office
    assert products == ["", "", "", "accounting;analytics", "", ""]


def test_small_teams_have_no_specialists() -> None:
    role = np.array(["AE"] * 3, dtype=object)
    desk = np.ones((2, 5))
    segments, products = draw_skills(
        role, np.zeros(3, dtype=np.int64), np.zeros(2, dtype=np.int64), desk, np.zeros((2, 5)),
        np.zeros(2), np.array([True, True]), {"AE": [3]},
    )
    assert segments == products == ["", "", ""]
