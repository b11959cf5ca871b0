"""Property tests of one seller's plan: random days, weeks, chains and visits, every rule kept."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocate.core.travel import TravelModel
from allocate.schedule.plan import SellerProblem, plan_seller

N_DAYS = 14  # two weeks


@st.composite
def seller_problems(draw: st.DrawFn) -> SellerProblem:
    """A seller with desk work and visits around its base, chains with lags, day and week caps."""
    day_cap = np.array(
        [draw(st.sampled_from([0, 60, 120, 240, 480])) if d % 7 < 5 else 0 for d in range(N_DAYS)],
        dtype=np.int64,
    )
    days = day_cap.reshape(2, 7).sum(axis=1)
    week_cap = np.array([draw(st.integers(0, int(w))) for w in days], dtype=np.int64)
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=8))
    group, rank, lags = [], [], []
    for g, size in enumerate(sizes):
        for k in range(size):
            if k:
                lo = draw(st.integers(1, 3))
                hi = draw(st.sampled_from([-1, lo, lo + 2, lo + 6]))
                lags.append((len(group) - 1, len(group), lo, hi))
            group.append(g)
            rank.append(k)
    n = len(group)
    is_visit = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    lat = 45.0 + np.array(draw(st.lists(st.floats(-0.3, 0.3), min_size=n, max_size=n)))
    lon = 5.0 + np.array(draw(st.lists(st.floats(-0.3, 0.3), min_size=n, max_size=n)))
    travel = TravelModel()
    km = np.hypot((lat - 45.0) * 111.0, (lon - 5.0) * 78.0)
    return SellerProblem(
        seller=0,
        day_cap=day_cap,
        free_cap=day_cap,
        duration=np.array(
            draw(st.lists(st.sampled_from([15, 30, 45, 60, 90]), min_size=n, max_size=n)),
            dtype=np.int64,
        ),
        is_visit=is_visit,
        release=np.array(draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))),
        due=np.full(n, -1, dtype=np.int64),
        group=np.array(group, dtype=np.int64),
        chain_rank=np.array(rank, dtype=np.int64),
        value=np.array(draw(st.lists(st.floats(1.0, 100.0), min_size=n, max_size=n))),
        lags=tuple(lags),
        base_min=np.where(is_visit, travel.minutes(km), 0.0),
        lat=lat,
        lon=lon,
        travel=travel,
        budget_s=1.0,
        seed=0,
        use_cpsat=draw(st.booleans()),
        week_cap=week_cap,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=seller_problems())
def test_every_plan_keeps_days_weeks_lags_chains_and_releases(p: SellerProblem) -> None:
    plan = plan_seller(p)
    on = plan.day >= 0
    load = np.zeros(N_DAYS)
    np.add.at(load, plan.day[on], p.duration[on] + plan.travel_min[on])
    assert (load <= p.day_cap + 1e-6).all(), (load, p.day_cap)
    assert (load.reshape(2, 7).sum(axis=1) <= p.week_cap + 1e-6).all(), (load, p.week_cap)
    assert (plan.day[on] >= p.release[on]).all()
    for g in np.unique(p.group):
        assert len(set(on[p.group == g].tolist())) == 1, "half-planned chain"
    for a, b, lo, hi in p.lags:
        if on[a]:
            gap = plan.day[b] - plan.day[a]
            assert lo <= gap and (hi < 0 or gap <= hi)
    # what is left out has a reason, what is planned has none
    assert all((r == "") == bool(x) for r, x in zip(plan.reason, on, strict=True))
    assert plan.travel_min[~on].sum() == 0  # unplanned actions drive nowhere
