"""Small hand-checkable instances and seller problems shared by the action plan's tests."""

from __future__ import annotations

import datetime as dt

import numpy as np

from allocate import Accounts, Alignment, Instance, Sellers
from allocate.core.nomenclature import Nomenclature, default_nomenclature_dict
from allocate.core.travel import TravelModel
from allocate.schedule.plan.daybook import DayBook
from allocate.schedule.plan.seller import SellerProblem

MONDAY = dt.date(2027, 1, 4)
LEAD_ONLY = {
    "playbooks": [
        {
            "stage": "lead",
            "operations": [
                {"id": "call", "channel": "phone", "duration_min": 15, "once": True},
                {
                    "id": "appt",
                    "channel": "phone",
                    "duration_min": 30,
                    "once": True,
                    "after": ["call"],
                    "min_lag_days": 1,
                    "max_lag_days": 2,
                },
            ],
        }
    ]
}


def make_instance(
    lat: list[float],
    lon: list[float],
    stage: list[str],
    segment: list[str] | None = None,
    capacity_h: float = 35.0,
    nomenclature: dict | None = None,
    potential: list[float] | None = None,
) -> Instance:
    """One seller at (45, 5) and one account per coordinate, with the given stages."""
    n = len(lat)
    acc = Accounts(
        ids=tuple(f"A{i}" for i in range(n)),
        names=tuple(f"a{i}" for i in range(n)),
        lat=np.array(lat),
        lon=np.array(lon),
        segment=tuple(segment or ["small"] * n),
        potential=np.array(potential or [1000.0 + i for i in range(n)]),
        stage=tuple(stage),
        product_lines=tuple(("x",) for _ in range(n)),
        group=np.full(n, -1),
        group_ids=(),
        current_seller=np.full(n, -1),
        locked=np.zeros(n, dtype=bool),
        unit=np.full(n, -1),
    )
    sel = Sellers(
        ids=("S1",),
        names=("s1",),
        lat=np.array([45.0]),
        lon=np.array([5.0]),
        role=("generalist",),
        capacity_h=np.array([capacity_h]),
        segments=((),),
        product_lines=((),),
        max_accounts=np.array([-1]),
        max_travel_min=np.array([np.inf]),
    )
    nom = Nomenclature(**(nomenclature or default_nomenclature_dict()))
    return Instance(name="tiny", accounts=acc, sellers=sel, nomenclature=nom)


def whole(instance: Instance) -> Alignment:
    """Every account to the one seller."""
    n = len(instance.accounts)
    return Alignment("geography", np.arange(n), np.zeros(n, dtype=np.int64), ("",) * n, "")


def random_instance(n: int = 40, seed: int = 3, capacity_h: float = 12.0) -> Instance:
    """``n`` accounts of random stages and segments around the seller's base."""
    rng = np.random.default_rng(seed)
    stages = rng.choice(["lead", "prospect", "opportunity", "customer"], n).tolist()
    segs = rng.choice(["micro", "small", "mid", "large"], n).tolist()
    return make_instance(
        (45 + rng.normal(0, 0.3, n)).tolist(),
        (5 + rng.normal(0, 0.4, n)).tolist(),
        stages,
        segs,
        capacity_h=capacity_h,
        potential=rng.uniform(1e3, 1e5, n).tolist(),
    )


def desk_problem(
    durations: list[int],
    groups: list[int],
    day_cap: list[int],
    lags: tuple[tuple[int, int, int, int], ...] = (),
) -> SellerProblem:
    """A seller with desk work only (no travel): actions of ``durations`` in ``groups``."""
    n = len(durations)
    rank = [groups[:k].count(g) for k, g in enumerate(groups)]
    return SellerProblem(
        seller=0,
        day_cap=np.array(day_cap, dtype=np.int64),
        free_cap=np.array(day_cap, dtype=np.int64),
        duration=np.array(durations, dtype=np.int64),
        is_visit=np.zeros(n, dtype=bool),
        release=np.zeros(n, dtype=np.int64),
        due=np.full(n, -1, dtype=np.int64),
        group=np.array(groups, dtype=np.int64),
        chain_rank=np.array(rank, dtype=np.int64),
        value=np.ones(n),
        lags=lags,
        base_min=np.zeros(n),
        lat=np.full(n, 45.0),
        lon=np.full(n, 5.0),
        travel=TravelModel(),
        budget_s=1.0,
        seed=0,
    )


def free(book: DayBook) -> list[float]:
    """Free minutes of each day (no week caps)."""
    return [float(book.p.day_cap[d] - book.load(d)) for d in range(len(book.p.day_cap))]
