"""The action plan: every seller's dated actions under daily capacity, travel included.

Data in (an instance, an alignment, a :class:`PlanConfig`) → :func:`expand_actions` → one
:class:`SellerProblem` per seller → :func:`plan_seller` (CP-SAT on the generic engine, then
real tours, repair and refill) → one immutable :class:`ActionPlan` out. Sellers are
independent, so they are solved in parallel, in a process pool or on a Dask cluster (see
:mod:`.parallel`); results are ordered by seller and each solve is seeded and limited in
*deterministic* time, so the same inputs give the same plan wherever it runs, unless the
machine is so slow that the wall-clock safety limit (1.5 times the seller's share of the time
limit) stops a solve first.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from allocate.core.instance import Instance
from allocate.core.result import Alignment
from allocate.core.travel import TravelModel, haversine_km
from allocate.core.workload import travel_minutes
from allocate.schedule.actions import Actions, expand_actions
from allocate.schedule.calendars import (
    Horizon,
    day_capacity_min,
    next_monday,
    seller_calendars,
    week_capacity_min,
)
from allocate.schedule.engine import (
    Budget,
    Downtime,
    Precedence,
    Resource,
    ScheduleProblem,
    Task,
    solve_schedule,
)
from allocate.schedule.parallel import SellerMap, pool_map
from allocate.schedule.sgs import greedy_value_schedule
from allocate.schedule.tours import cheapest_insertion, estimate_tour, tour_length

logger = logging.getLogger(__name__)

#: Reasons why an action is not in the plan (``unscheduled.csv``).
REASONS = ("capacity", "lag", "horizon", "calendar")
#: Minutes from midnight at which a working day starts (08:30).
DAY_START_MIN = 8 * 60 + 30
#: Task values are scaled so that the most valuable action of a seller is worth this much.
VALUE_SCALE = 100_000
#: Expected visits per tour are clamped to this range when estimating a visit's travel share.
VISITS_PER_TOUR = (1.0, 4.0)
#: Wall seconds per CP-SAT deterministic time unit measured on these day models (about
#: 3 on a 2-core Xeon): the deterministic limit is the budget divided by this factor.
WALL_S_PER_DET = 3.0
#: Budget (seconds per action) below which CP-SAT is skipped and its time left to the local
#: search: with less, its day plans, once their real tours are known, were no better than the
#: greedy's (fr-national at 2.3 and 23 ms per action, fr-pme at 11 ms, 2-core Xeon).
CPSAT_MIN_S_PER_ACTION = 0.05
#: Places near a visit whose days are tried when the visit is moved (regrouping).
NEAR = 8
#: Rounds of ejection and refill after the solve.
EJECT_ROUNDS = 1
#: Evaluations (of a day for an action) per second of a seller's budget allowed to the local
#: search after the solve (relocation fill and consolidation). fr-national's plan with a 120 s
#: limit on 2 cores of an AMD EPYC ends in about 60 s with it (150 000: 45 s and 0.2 point
#: less of its capacity bound; 450 000: 70 s and no better), and most sellers stop well before
#: their count (nothing left out, or no move left). A count rather than a clock, so that the
#: plan is reproducible; the search also stops at 90 % of the time limit
#: (``SellerProblem.stop_at``) on a slow machine.
LS_EVALS_PER_S = 300_000
#: Rounds of consolidation, each followed by a relocation fill.
CONSOLIDATE_ROUNDS = 3
#: Largest day (in stops) whose tour is re-estimated from scratch after a change.
REOPTIMIZE_STOPS = 12


@dataclass(frozen=True)
class PlanConfig:
    """Options of an action plan.

    Parameters
    ----------
    weeks
        Horizon in weeks (calendar days ``0 .. 7 * weeks - 1``, day 0 a Monday).
    start
        First Monday of the plan (default: the next Monday).
    holidays
        Public holidays: nobody works on them.
    time_limit_s, workers, seed
        Time for the whole plan, processes (one CP-SAT worker each) and seed.
    stage_weight
        Weight of an account's potential by stage (default
        :data:`~allocate.schedule.actions.STAGE_WEIGHT`).
    churn_rate
        Yearly share of customers lost (default: the nomenclature's).
    use_cpsat
        ``False`` keeps the greedy placement (for tests and comparisons).
    """

    weeks: int = 13
    start: dt.date | None = None
    holidays: frozenset[dt.date] = frozenset()
    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0
    stage_weight: Mapping[str, float] | None = None
    churn_rate: float | None = None
    use_cpsat: bool = True

    def __post_init__(self) -> None:
        if self.weeks < 1 or self.weeks > 104:
            raise ValueError(f"weeks must be in [1, 104], got {self.weeks}")
        if self.time_limit_s <= 0:
            raise ValueError(f"time_limit_s must be > 0, got {self.time_limit_s}")
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")
        if self.churn_rate is not None and not 0.0 <= self.churn_rate <= 1.0:
            raise ValueError(f"churn_rate must be in [0, 1], got {self.churn_rate}")

    def horizon(self) -> Horizon:
        return Horizon(self.start or next_monday(), self.weeks, frozenset(self.holidays))


@dataclass(frozen=True)
class SellerProblem:
    """What one seller must plan: plain arrays (picklable for the process pool).

    ``lags`` refer to local action indices; ``base_min`` is the one-way travel from the base
    to each action's account; ``free_cap`` is the capacity of a day without days off
    and holidays (to tell *calendar* from *horizon* when a chain cannot fit); ``week_cap``
    caps the minutes of each week (days ``7w .. 7w + 6``; empty: only the days are capped).
    """

    seller: int
    day_cap: NDArray[np.int64]
    free_cap: NDArray[np.int64]
    duration: NDArray[np.int64]
    is_visit: NDArray[np.bool_]
    release: NDArray[np.int64]
    due: NDArray[np.int64]
    group: NDArray[np.int64]
    chain_rank: NDArray[np.int64]
    value: NDArray[np.float64]
    lags: tuple[tuple[int, int, int, int], ...]
    base_min: NDArray[np.float64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    travel: TravelModel
    budget_s: float
    seed: int
    use_cpsat: bool = True
    deadline: float = math.inf  # time.time() after which CP-SAT is skipped or cut short
    stop_at: float = math.inf  # time.time() after which the local search stops
    week_cap: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n(self) -> int:
        return len(self.duration)

    @property
    def binding_weeks(self) -> NDArray[np.bool_]:
        """Each week that holds fewer minutes than its days (where the week cap matters)."""
        if len(self.week_cap) == 0:
            return np.zeros(0, dtype=bool)
        days = np.zeros(len(self.week_cap), dtype=np.int64)
        np.add.at(days, np.arange(len(self.day_cap)) // 7, self.day_cap)
        return self.week_cap < days


@dataclass(frozen=True)
class SellerPlan:
    """One seller's result: day (``-1`` = not planned), reason, start and travel of each action."""

    day: NDArray[np.int64]
    reason: tuple[str, ...]
    start_min: NDArray[np.int64]
    travel_min: NDArray[np.float64]
    status: str
    placed_by_solver: int
    wall_s: float
    schedulable: NDArray[np.bool_]  # the action's group fits the empty calendar


@dataclass(frozen=True)
class ActionPlan:
    """The plan of every action of an alignment (arrays aligned with ``actions``)."""

    horizon: Horizon
    actions: Actions
    day: NDArray[np.int64]
    start_min: NDArray[np.int64]
    travel_min: NDArray[np.float64]
    reason: tuple[str, ...]
    day_capacity_min: NDArray[np.int64]  # (n_sellers, n_days)
    seller_status: tuple[str, ...]
    wall_s: float
    churn_rate: float
    schedulable: NDArray[np.bool_]  # fits the seller's empty calendar (capacity aside)
    meta: dict[str, object] = field(default_factory=dict)
    #: Minutes of each week, ``(n_sellers, weeks)`` (a day may hold more than its share).
    week_capacity_min: NDArray[np.int64] = field(
        default_factory=lambda: np.zeros((0, 0), dtype=np.int64)
    )

    @property
    def placed(self) -> NDArray[np.bool_]:
        return self.day >= 0


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------
def plan_actions(
    instance: Instance,
    alignment: Alignment,
    config: PlanConfig | None = None,
    instance_dir: str | Path | None = None,
    mapper: SellerMap | None = None,
) -> ActionPlan:
    """Plan the actions of ``alignment`` over the horizon of ``config``.

    ``instance_dir`` is the instance folder, needed only to read the sellers' ``calendar``
    files (days off); without it, only public holidays and weekends are off. ``mapper`` runs
    the sellers' solves (default: a pool of ``config.workers`` processes; see
    :func:`~allocate.schedule.parallel.dask_map` for a Dask cluster). The plan does not depend
    on it: ``config.workers`` alone sets each seller's share of the time.
    """
    t0 = time.perf_counter()
    cfg = config or PlanConfig()
    horizon = cfg.horizon()
    sel = instance.sellers
    days_off = seller_calendars(Path(instance_dir) if instance_dir else None, sel.ids)
    caps = np.zeros((len(sel), horizon.n_days), dtype=np.int64)
    week_caps = np.zeros((len(sel), horizon.weeks), dtype=np.int64)
    for s in range(len(sel)):
        off = days_off.get(s, ())
        caps[s] = day_capacity_min(horizon, float(sel.capacity_h[s]), off, float(sel.daily_h[s]))
        week_caps[s] = week_capacity_min(horizon, float(sel.capacity_h[s]), off)
    free = Horizon(horizon.start, horizon.weeks)
    free_caps = [
        day_capacity_min(free, float(sel.capacity_h[s]), daily_h=float(sel.daily_h[s]))
        for s in range(len(sel))
    ]
    actions = expand_actions(instance, alignment, horizon.n_days, cfg.stage_weight)
    n = len(actions)
    base_min = travel_minutes(instance, actions.seller, actions.account) if n else np.zeros(0)
    sellers = sorted(set(int(s) for s in actions.seller))
    local = {s: np.flatnonzero(actions.seller == s) for s in sellers}
    releases = _cross_seller_releases(actions)
    total = max(1, n)
    budget = 0.5 * cfg.time_limit_s * cfg.workers
    # CP-SAT stops in time for the post-processing (about a quarter of the limit), and the
    # local search in time for the merge and the outputs
    now = time.time() - (time.perf_counter() - t0)
    deadline = now + 0.75 * cfg.time_limit_s
    stop_at = now + 0.9 * cfg.time_limit_s
    problems = [
        _seller_problem(
            instance,
            actions,
            s,
            local[s],
            caps[s],
            free_caps[s],
            base_min,
            releases,
            budget * len(local[s]) / total,
            cfg,
            deadline,
            stop_at,
            week_caps[s],
        )
        for s in sellers
    ]
    logger.info("planning %d actions for %d sellers over %d weeks", n, len(sellers), cfg.weeks)
    run = mapper if mapper is not None else pool_map(cfg.workers)
    results = run(plan_seller, problems)
    day = np.full(n, -1, dtype=np.int64)
    start = np.full(n, -1, dtype=np.int64)
    travel = np.zeros(n)
    reason = [""] * n
    status = [""] * len(sel)
    schedulable = np.zeros(n, dtype=bool)
    for s, res in zip(sellers, results, strict=True):
        idx = local[s]
        day[idx], start[idx], travel[idx] = res.day, res.start_min, res.travel_min
        schedulable[idx] = res.schedulable
        for k, i in enumerate(idx):
            reason[i] = res.reason[k]
        status[s] = res.status
    _drop_broken_cross_seller_chains(actions, day, start, travel, reason)
    churn = cfg.churn_rate if cfg.churn_rate is not None else instance.nomenclature.churn_rate
    return ActionPlan(
        horizon=horizon,
        actions=actions,
        day=day,
        start_min=start,
        travel_min=travel,
        reason=tuple(reason),
        day_capacity_min=caps,
        seller_status=tuple(status),
        wall_s=time.perf_counter() - t0,
        churn_rate=float(churn),
        schedulable=schedulable,
        meta={"time_limit_s": cfg.time_limit_s, "workers": cfg.workers, "seed": cfg.seed},
        week_capacity_min=week_caps,
    )


def _cross_seller_releases(actions: Actions) -> NDArray[np.int64]:
    """Earliest day of each action, pushed by predecessors done by *another* seller.

    Such a lag cannot be enforced inside one seller's solve; the successor waits for the
    predecessor's earliest day plus the minimum lag, and the plan is checked afterwards.
    """
    rel = actions.release.copy()
    for _ in range(4):
        for lag in actions.lags:
            if actions.seller[lag.pred] != actions.seller[lag.succ]:
                rel[lag.succ] = max(rel[lag.succ], rel[lag.pred] + lag.lo)
    return rel


def _seller_problem(
    instance: Instance,
    actions: Actions,
    s: int,
    idx: NDArray[np.int64],
    cap: NDArray[np.int64],
    free_cap: NDArray[np.int64],
    base_min: NDArray[np.float64],
    releases: NDArray[np.int64],
    budget_s: float,
    cfg: PlanConfig,
    deadline: float = math.inf,
    stop_at: float = math.inf,
    week_cap: NDArray[np.int64] | None = None,
) -> SellerProblem:
    pos = {int(i): k for k, i in enumerate(idx)}
    lags = tuple(
        (pos[lag.pred], pos[lag.succ], lag.lo, lag.hi)
        for lag in actions.lags
        if lag.pred in pos and lag.succ in pos
    )
    acc = instance.accounts
    return SellerProblem(
        seller=s,
        day_cap=cap,
        free_cap=free_cap,
        duration=actions.duration_min[idx],
        is_visit=actions.is_visit[idx],
        release=releases[idx],
        due=actions.due[idx],
        group=actions.group[idx],
        chain_rank=actions.chain_rank[idx],
        value=actions.value[idx],
        lags=lags,
        base_min=base_min[idx],
        lat=acc.lat[actions.account[idx]],
        lon=acc.lon[actions.account[idx]],
        travel=instance.travel,
        budget_s=max(0.05, budget_s),
        seed=cfg.seed,
        use_cpsat=cfg.use_cpsat,
        deadline=deadline,
        stop_at=stop_at,
        week_cap=np.zeros(0, dtype=np.int64) if week_cap is None else week_cap,
    )


def _drop_broken_cross_seller_chains(
    actions: Actions,
    day: NDArray[np.int64],
    start: NDArray[np.int64],
    travel: NDArray[np.float64],
    reason: list[str],
) -> None:
    """A chain split over sellers is kept only if all its parts are planned and its lags hold.

    Dropping an action leaves its day's tour as planned (the travel only shrinks in reality),
    so capacity still holds.
    """
    bad: dict[int, str] = {}
    for lag in actions.lags:
        i, j = lag.pred, lag.succ
        if actions.seller[i] == actions.seller[j]:
            continue
        g = int(actions.group[i])
        if day[i] < 0 or day[j] < 0:
            if day[i] >= 0 or day[j] >= 0:
                bad.setdefault(g, "capacity")
            continue
        gap = day[j] - day[i]
        if gap < lag.lo or (lag.hi >= 0 and gap > lag.hi):
            bad[g] = "lag"
    for k in np.flatnonzero(np.isin(actions.group, list(bad))):
        if day[k] >= 0:
            day[k], start[k], travel[k] = -1, -1, 0.0
        reason[k] = bad[int(actions.group[k])]


# --------------------------------------------------------------------------------------------
# One seller
# --------------------------------------------------------------------------------------------
def plan_seller(p: SellerProblem) -> SellerPlan:
    """Plan one seller: feasibility reasons, CP-SAT on days, real tours, repair and refill.

    1. Each all-or-nothing group (chain or recurring occurrence) is first placed alone on the
       empty calendar; if it cannot be, its reason is *calendar* (it would fit without the
       seller's days off and holidays), *lag* (it fits when the maximum lags are ignored),
       *capacity* (an action, with its round trip for a visit, is longer than any day) or
       *horizon*.
    2. The others go to :class:`DayPlanModel` (CP-SAT, greedy hint), where a visit's load
       includes an estimated share of its day's tour (:func:`visit_travel_share`). Below
       :data:`CPSAT_MIN_S_PER_ACTION` of budget per action the greedy plan is kept as is.
    3. Each day's real tour is estimated (nearest neighbour + 2-opt); a day over capacity
       drops its least valuable groups, visits first (*capacity*); then every unplanned group
       is offered again to the earliest days where it fits, with its real insertion cost.
    4. Visits move to days whose tours pass nearby when that saves travel (regrouping), and
       the minutes freed are offered to the unplanned groups once more.
    5. Unplanned groups may take the place of single actions worth less per minute, which
       are then offered to the other days (ejection).
    6. Unplanned groups take days freed by moving planned actions to other days of their
       windows (:meth:`_DayBook.relocate_fill`); then, while groups are left out, the free
       minutes are gathered into larger gaps without adding travel
       (:meth:`_DayBook.consolidate`) and offered again. Both stop after a number of
       evaluations proportional to the seller's budget (:data:`LS_EVALS_PER_S`).
    """
    t0 = time.perf_counter()
    n = p.n
    reason = ["" for _ in range(n)]
    groups = _groups(p)
    ok_groups = []
    for g, members in groups.items():
        why = _precheck(p, members)
        if why:
            for i in members:
                reason[i] = why
        else:
            ok_groups.append(g)
    share = visit_travel_share(p)
    day = np.full(n, -1, dtype=np.int64)
    status = "greedy"
    if ok_groups:
        day, status = DayPlanModel(p, [groups[g] for g in ok_groups], share).solve()
    placed_by_solver = int((day >= 0).sum())
    todo = [groups[g] for g in ok_groups]
    book = _DayBook(p, day, max_evals=int(LS_EVALS_PER_S * p.budget_s))
    book.repair()
    book.refill(todo)
    book.regroup()
    book.refill(todo)
    for _ in range(EJECT_ROUNDS):
        book.eject_fill(todo)
        book.refill(todo)
    for _ in range(CONSOLIDATE_ROUNDS):
        if book.relocate_fill(todo):
            book.refill(todo)
        if all(book.day[g[0]] >= 0 for g in todo) or not book.consolidate():
            break
    else:
        if book.relocate_fill(todo):
            book.refill(todo)
    day = book.day
    for i in range(n):
        if day[i] < 0 and not reason[i]:
            reason[i] = "capacity"
        if day[i] >= 0:
            reason[i] = ""
    start, travel = book.timetable()
    fits = np.zeros(n, dtype=bool)
    for g in ok_groups:
        fits[groups[g]] = True
    return SellerPlan(
        day, tuple(reason), start, travel, status, placed_by_solver, time.perf_counter() - t0, fits
    )


def _groups(p: SellerProblem) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for i in np.lexsort((np.arange(p.n), p.chain_rank, p.group)):
        groups.setdefault(int(p.group[i]), []).append(int(i))
    return groups


def _precheck(p: SellerProblem, members: list[int]) -> str:
    """Why a group cannot be planned even on an empty calendar ('' when it can)."""
    # a visit alone on its day still needs the round trip from the base
    need = p.duration[members] + np.where(p.is_visit[members], 2.0 * p.base_min[members], 0.0)
    if float(need.max()) > int(p.day_cap.max(initial=0)):
        fits_free = int(need.max()) <= int(p.free_cap.max(initial=0))
        return (
            "calendar"
            if fits_free and p.day_cap.max(initial=0) < p.free_cap.max(initial=0)
            else "capacity"
        )
    if _temporal_fit(p, members, p.day_cap, max_lags=True):
        return ""
    if _temporal_fit(p, members, p.free_cap, max_lags=True):
        return "calendar"
    if _temporal_fit(p, members, p.day_cap, max_lags=False):
        return "lag"
    return "horizon"


def _temporal_fit(
    p: SellerProblem, members: list[int], cap: NDArray[np.int64], max_lags: bool
) -> bool:
    """Whether the group's actions have days that respect releases, lags and the calendar.

    Label-correcting on the simple temporal network restricted to the days where each action
    fits an empty day: push successors by minimum lags, predecessors by maximum lags.
    """
    n_days = len(cap)
    alone = p.duration + np.where(p.is_visit, 2.0 * p.base_min, 0.0)
    allowed = {i: np.flatnonzero(cap >= alone[i]) for i in members}
    mset = set(members)
    arcs = [(a, b, lo, hi) for a, b, lo, hi in p.lags if a in mset and b in mset]
    t = {i: int(p.release[i]) for i in members}

    def snap(i: int) -> bool:
        days = allowed[i]
        k = int(np.searchsorted(days, t[i]))
        if k >= len(days):
            return False
        t[i] = int(days[k])
        return True

    for _ in range(4 * len(members) + 8):
        if not all(snap(i) for i in members):
            return False
        changed = False
        for a, b, lo, hi in arcs:
            if t[b] < t[a] + lo:
                t[b] = t[a] + lo
                changed = True
            if max_lags and hi >= 0 and t[b] > t[a] + hi:
                t[a] = t[b] - hi
                changed = True
        if not changed:
            return all(t[i] < n_days for i in members)
    return False


def visit_travel_share(p: SellerProblem) -> NDArray[np.float64]:
    """Estimated travel minutes charged to each action when days are chosen (0 for desk work).

    A day's visits are one tour, so a visit does not cost a full round trip. With ``m`` the
    expected visits per working day (clamped to ``[1, 4]``), a visit at ``t0`` minutes from the
    base is charged ``2 * t0 / m`` (its share of driving out and back) plus the hop to the
    nearest other account this seller visits (its detour inside the tour), never more than a
    full round trip ``2 * t0``. The real tours are computed after the solve.
    """
    share = np.zeros(p.n)
    vis = np.flatnonzero(p.is_visit)
    if vis.size == 0:
        return share
    working = max(1, int((p.day_cap > 0).sum()))
    m = float(np.clip(vis.size / working, *VISITS_PER_TOUR))
    coords, inverse = np.unique(np.c_[p.lat[vis], p.lon[vis]], axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    if len(coords) > 1:
        from scipy.spatial import cKDTree

        tree = cKDTree(np.c_[coords[:, 0], coords[:, 1] * np.cos(np.radians(coords[:, 0]))])
        _, nn = tree.query(tree.data, k=2)
        nb = coords[nn[:, 1]]
        hop = p.travel.minutes(haversine_km(coords[:, 0], coords[:, 1], nb[:, 0], nb[:, 1]))
    else:
        hop = np.zeros(len(coords))
    t0 = p.base_min[vis]
    share[vis] = np.minimum(2.0 * t0, 2.0 * t0 / m + hop[inverse])
    return share


class DayPlanModel:
    r"""CP-SAT model of one seller's plan, with days as the time unit (generic engine).

    Every action :math:`i` is an optional task of duration one day with load
    :math:`q_i = d_i + \tau_i` minutes (duration plus travel share, see
    :func:`visit_travel_share`) on one resource of capacity :math:`Q = \max_t c_t`, where
    :math:`c_t` is the day's capacity: :math:`Q - c_t` is a downtime on day :math:`t` (all of
    it on days off), so that

    .. math::

        \sum_{i : S_i = t} q_i x_i \le c_t \quad \forall t, \qquad
        \sum_{i : 7w \le S_i < 7w + 7} q_i x_i \le C_w \quad \forall w, \qquad
        x_i = x_k \text{ within a chain}, \qquad
        x_i x_j = 1 \Rightarrow \ell^-_{ij} \le S_j - S_i \le \ell^+_{ij},

    the weekly capacities :math:`C_w` as budgets of the engine, only for the weeks whose days
    could hold more (a seller with a daily limit above the even share of the week).

    Objective: :math:`\max \sum_i v_i x_i - \sum_i w_i (S_i - h_i) - \sum_i c_i \max(0, S_i + 1
    - \delta_i)` with :math:`v_i` the value scaled to at most :data:`VALUE_SCALE`, start
    weights :math:`w_i` worth 5 % of the value over the horizon (earlier is better) and
    lateness weights :math:`c_i` worth 50 % over the horizon after the due date
    :math:`\delta_i`. The greedy schedule of :func:`~allocate.schedule.sgs.greedy_value_schedule`
    is the hint, and the better of the two is kept.
    """

    def __init__(
        self, p: SellerProblem, groups: list[list[int]], share: NDArray[np.float64]
    ) -> None:
        self.p = p
        self.members = [i for g in groups for i in g]
        self.share = share
        self.problem = self._build(groups)

    def _build(self, groups: list[list[int]]) -> ScheduleProblem:
        p = self.p
        n_days = len(p.day_cap)
        pos = {i: k for k, i in enumerate(self.members)}
        cap = int(p.day_cap.max(initial=0))
        vmax = float(p.value[self.members].max()) if self.members else 1.0
        off = [d for d in range(n_days) if p.day_cap[d] == 0]
        forbidden = tuple(_runs(off))
        tasks = []
        for i in self.members:
            v = max(1, int(round(VALUE_SCALE * p.value[i] / max(vmax, 1e-9))))
            load = int(math.ceil(p.duration[i] + self.share[i]))
            due = int(p.due[i])
            tasks.append(
                Task(
                    duration=1,
                    demands=(min(load, cap + 1),),
                    optional=True,
                    value=v,
                    release=int(min(p.release[i], n_days - 1)),
                    due=due + 1 if due >= 0 else None,
                    lateness_weight=int(0.5 * v / n_days) if due >= 0 else 0,
                    start_weight=int(0.05 * v / n_days),
                    forbidden=forbidden,
                    name=f"a{i}",
                )
            )
        downs = [Downtime(a, b) for a, b in forbidden]
        downs += [
            Downtime(d, d + 1, cap - int(p.day_cap[d]))
            for d in range(n_days)
            if 0 < p.day_cap[d] < cap
        ]
        precs = tuple(
            Precedence(pos[a], pos[b], lo - 1, hi - 1 if hi >= 0 else None)
            for a, b, lo, hi in p.lags
            if a in pos and b in pos
        )
        chains = tuple(tuple(pos[i] for i in g) for g in groups if len(g) > 1)
        budgets = tuple(
            Budget(7 * w, min(7 * w + 7, n_days), int(p.week_cap[w]))
            for w in np.flatnonzero(p.binding_weeks).tolist()
        )
        return ScheduleProblem(
            tasks=tuple(tasks),
            resources=(
                Resource(max(cap, 1), tuple(downs), name=f"seller{p.seller}", budgets=budgets),
            ),
            precedences=precs,
            horizon=n_days,
            chains=chains,
            objective="value",
        )

    def objective(self, starts: NDArray[np.int64]) -> float:
        """The model's objective for a start vector (``-1`` = left out), as CP-SAT counts it."""
        prob = self.problem
        heads = prob.heads
        total = 0.0
        for k, t in enumerate(prob.tasks):
            s = int(starts[k])
            if s < 0:
                continue
            total += t.value - t.start_weight * (s - int(heads[k]))
            if t.due is not None:
                total -= t.lateness_weight * max(0, s + 1 - t.due)
        return total

    def solve(self) -> tuple[NDArray[np.int64], str]:
        """Days of the seller's actions (``-1`` = left out) and how they were found."""
        p = self.p
        day = np.full(p.n, -1, dtype=np.int64)
        greedy = greedy_value_schedule(self.problem)
        best = greedy if greedy is not None else np.full(len(self.members), -1, dtype=np.int64)
        status = "greedy"
        wall = min(1.5 * p.budget_s + 0.5, p.deadline - time.time())
        enough = p.budget_s >= CPSAT_MIN_S_PER_ACTION * len(self.members)
        if p.use_cpsat and len(self.members) and wall > 0.2 and enough:
            res = solve_schedule(
                self.problem,
                time_limit_s=wall,
                workers=1,
                seed=p.seed,
                deterministic_time=p.budget_s / WALL_S_PER_DET,
                hint=best,
            )
            if res.has_solution and self.objective(res.starts) >= self.objective(best):
                best, status = np.asarray(res.starts), res.status.value
        day[self.members] = best
        return day, status


def _runs(days: list[int]) -> list[tuple[int, int]]:
    """Consecutive days as half-open intervals."""
    out: list[tuple[int, int]] = []
    for d in days:
        if out and out[-1][1] == d:
            out[-1] = (out[-1][0], d + 1)
        else:
            out.append((d, d + 1))
    return out


#: A day's stops, tasks, desk minutes, tour minutes and index (see ``_DayBook._snapshot``).
_Snapshot = tuple[list[int], list[int], float, float, int]


class _DayBook:
    """The days of one seller with their real tours: repair overloaded days, refill free ones."""

    def __init__(self, p: SellerProblem, day: NDArray[np.int64], max_evals: int = 0) -> None:
        self.p = p
        self.max_evals = max_evals  # evaluations allowed to the relocation fill and consolidation
        self.day = day.copy()
        n_days = len(p.day_cap)
        # per-day minutes as Python lists: read one at a time in the search's inner loops
        self.desk = [0.0] * n_days
        self.stops: list[list[int]] = [[] for _ in range(n_days)]  # visit actions in tour order
        self.tour = [0.0] * n_days
        self.tasks: list[list[int]] = [[] for _ in range(n_days)]
        self.vmin = [0.0] * n_days  # minutes of the day's visits (without travel)
        # travel minutes between the visited places (0 = base), computed once per seller
        vis = np.flatnonzero(p.is_visit)
        places, first, inv = np.unique(
            np.c_[p.lat[vis], p.lon[vis]], axis=0, return_index=True, return_inverse=True
        )
        self.place = np.zeros(p.n, dtype=np.int64)
        self.place[vis] = np.asarray(inv).reshape(-1) + 1
        k = len(places) + 1
        self.matrix = np.zeros((k, k))
        if len(places):
            lat, lon = places[:, 0], places[:, 1]
            self.matrix[1:, 1:] = p.travel.minutes(
                haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
            )
            self.matrix[0, 1:] = self.matrix[1:, 0] = p.base_min[vis[first]]
        self.arcs_in: dict[int, list[tuple[int, int, int]]] = {}
        self.arcs_out: dict[int, list[tuple[int, int, int]]] = {}
        for a, b, lo, hi in p.lags:
            self.arcs_in.setdefault(b, []).append((a, lo, hi))
            self.arcs_out.setdefault(a, []).append((b, lo, hi))
        self._journal: tuple[dict[int, _Snapshot], dict[int, int]] | None = None
        self._evals = 0
        # weeks are checked only when some week holds fewer minutes than its days
        self.weekly = bool(p.binding_weeks.any()) and n_days % 7 == 0
        self.week_cap = p.week_cap.astype(float) if self.weekly else np.zeros(0)
        for i in np.flatnonzero(self.day >= 0):
            self._add(int(i), int(self.day[i]))
        for d in range(n_days):
            self._retour(d, fresh=True)

    # -- bookkeeping -----------------------------------------------------------------------
    def _dist(self, stops: list[int]) -> NDArray[np.float64]:
        """Travel minutes between the base (row 0) and ``stops`` (rows 1..)."""
        at = np.r_[0, self.place[stops]] if stops else np.zeros(1, dtype=np.int64)
        return self.matrix[np.ix_(at, at)]

    def _add(self, i: int, d: int) -> None:
        self.day[i] = d
        self.tasks[d].append(i)
        if self.p.is_visit[i]:
            self.stops[d].append(i)
            self.vmin[d] += float(self.p.duration[i])
        else:
            self.desk[d] += float(self.p.duration[i])

    def _retour(self, d: int, fresh: bool = False) -> None:
        """Tour length of day ``d``: keep the current order unless NN + 2-opt is shorter."""
        stops = self.stops[d]
        if not stops:
            self.tour[d] = 0.0
            return
        dist = self._dist(stops)
        current = tour_length(dist, list(range(1, len(stops) + 1)))
        if fresh or len(stops) <= REOPTIMIZE_STOPS:
            order, length = estimate_tour(dist)
            if fresh or length < current - 1e-9:
                self.stops[d] = [stops[k - 1] for k in order]
                current = length
        self.tour[d] = current

    def load(self, d: int) -> float:
        return float(self.desk[d] + self.vmin[d] + self.tour[d])

    def room(self, d: int) -> float:
        """Free minutes of day ``d``: what its own capacity and its week's leave."""
        free = float(self.p.day_cap[d]) - self.load(d)
        return min(free, self._week_free(d // 7)) if self.weekly else free

    def _week_free(self, w: int) -> float:
        a, b = 7 * w, 7 * w + 7
        used = sum(self.desk[a:b]) + sum(self.vmin[a:b]) + sum(self.tour[a:b])
        return float(self.week_cap[w] - used)

    def _rooms(self) -> NDArray[np.float64]:
        """:meth:`room` of every day."""
        return np.array([self.room(d) for d in range(len(self.p.day_cap))])

    def _remove_group(self, g: int) -> None:
        members = np.flatnonzero((self.p.group == g) & (self.day >= 0))
        touched = set()
        for i in members:
            d = int(self.day[i])
            self.tasks[d].remove(int(i))
            if self.p.is_visit[i]:
                self.stops[d].remove(int(i))
                self.vmin[d] -= float(self.p.duration[i])
            else:
                self.desk[d] -= float(self.p.duration[i])
            self.day[i] = -1
            touched.add(d)
        for d in touched:
            self._retour(d)

    # -- repair and refill -----------------------------------------------------------------
    def repair(self) -> None:
        """Drop the least valuable groups of each overloaded day (then week), visits first."""
        p = self.p
        for d in range(len(p.day_cap)):
            while self.tasks[d] and self.load(d) > p.day_cap[d] + 1e-6:
                self._drop_cheapest([d])
        for w in range(len(self.week_cap)):
            days = list(range(7 * w, 7 * w + 7))
            while any(self.tasks[d] for d in days) and self._week_free(w) < -1e-6:
                self._drop_cheapest(days)

    def _drop_cheapest(self, days: list[int]) -> None:
        """Drop the least valuable group with an action on ``days``, visits first."""
        p = self.p
        pool = [i for d in days for i in self.stops[d]] or [i for d in days for i in self.tasks[d]]
        gval = {int(p.group[i]): float(p.value[p.group == p.group[i]].sum()) for i in pool}
        g = min(gval, key=lambda k: (gval[k], k))
        self._remove_group(g)

    def regroup(self, passes: int = 3) -> None:
        """Move single visits to days whose tour passes nearby when that shortens the travel.

        Relocation local search: a visit leaves its day (saving its detour) for another day
        that holds one of the ``NEAR`` closest places, within its release and lags, if the
        cheapest insertion there costs less and fits the day's free minutes.
        """
        p = self.p
        if self.matrix.shape[0] <= 2:
            return
        near = np.argsort(self.matrix[1:, 1:], axis=1)[:, 1 : NEAR + 1] + 1  # by place - 1
        for _ in range(passes):
            moved = 0
            days_of: dict[int, set[int]] = {}
            for d, stops in enumerate(self.stops):
                for i in stops:
                    days_of.setdefault(int(self.place[i]), set()).add(d)
            for i in np.flatnonzero(p.is_visit & (self.day >= 0)).tolist():
                d = int(self.day[i])
                stops = self.stops[d]
                k = stops.index(i)
                m = self.matrix
                prev = self.place[stops[k - 1]] if k > 0 else 0
                nxt = self.place[stops[k + 1]] if k + 1 < len(stops) else 0
                here = self.place[i]
                saving = m[prev, here] + m[here, nxt] - m[prev, nxt]
                lo_day, hi_day = self._window(i)  # its chain is planned whole
                best: tuple[float, int, int] | None = None
                cands = set().union(*(days_of.get(int(q), set()) for q in near[here - 1]))
                for e in sorted(cands):
                    if e == d or not lo_day <= e <= hi_day:
                        continue
                    room = self.room(e)
                    path = [0, *self.place[self.stops[e]], 0]
                    add = [
                        m[path[j - 1], here] + m[here, path[j]] - m[path[j - 1], path[j]]
                        for j in range(1, len(path))
                    ]
                    j = int(np.argmin(add))
                    fits = p.duration[i] + add[j] <= room + 1e-9
                    if fits and add[j] < saving - 1.0 and (best is None or add[j] < best[0]):
                        best = (add[j], e, j)
                if best is None:
                    continue
                _, e, j = best
                self._remove_one(i)
                self.day[i] = e
                self.tasks[e].append(i)
                self.stops[e].insert(j, i)
                self.vmin[e] += float(p.duration[i])
                self.tour[e] = tour_length(
                    self._dist(self.stops[e]), list(range(1, len(self.stops[e]) + 1))
                )
                self._retour(e)
                days_of.setdefault(int(here), set()).add(e)
                moved += 1
            if not moved:
                break

    def eject_fill(self, groups: list[list[int]], max_groups: int = 400) -> None:
        """Place unplanned groups by ejecting single actions to other days.

        For each unplanned group (most valuable first), each action goes to the earliest day
        of its window where it fits once some single actions (recurring occurrences, lowest
        value per minute first) leave that day. The ejected actions then try the other days;
        the move is kept only if the group is worth more than the ejected actions that found
        no other day, else every day is restored. This packs long chains into days that small
        actions had fragmented, and moves the small ones into the leftover minutes.
        """
        p = self.p
        todo = [g for g in groups if all(self.day[i] < 0 for i in g)]
        todo.sort(key=lambda g: (-p.value[g].sum(), g[0]))
        size = (
            np.bincount(p.group - p.group.min(), minlength=1)
            if p.n
            else np.zeros(1, dtype=np.int64)
        )
        single = size[p.group - p.group.min()] == 1 if p.n else np.zeros(0, dtype=bool)
        density = p.value / np.maximum(1, p.duration)
        for g in todo[:max_groups]:
            g_density = p.value[g].sum() / max(1, p.duration[g].sum())
            saved = {d: self._snapshot(d) for d in range(len(p.day_cap))}
            ejected: list[int] = []
            ok = True
            for i in g:
                lo_day, hi_day = self._window(i)
                placed = False
                for d in range(lo_day, hi_day + 1):
                    if p.day_cap[d] < p.duration[i]:
                        continue
                    before = self._snapshot(d)
                    victims = sorted(
                        (j for j in self.tasks[d] if single[j] and j not in g),
                        key=lambda j: (density[j] >= g_density, density[j], j),
                    )
                    out: list[int] = []
                    while True:
                        cost = self._insertion(i, d)
                        if p.duration[i] + cost <= self.room(d) + 1e-9:
                            break
                        if not victims:
                            cost = -1.0
                            break
                        j = victims.pop(0)
                        self._remove_one(j)
                        out.append(j)
                    if cost < 0:  # cannot make room here: put the day back as it was
                        self._restore(d, before)
                        continue
                    self._insert(i, d)
                    ejected += out
                    placed = True
                    break
                if not placed:
                    ok = False
                    break
            if ok:  # the ejected actions try the other days; what stays out is the price
                for j in sorted(ejected, key=lambda j: (-density[j], j)):
                    self._place([j])
                lost = sum(p.value[j] for j in ejected if self.day[j] < 0)
                ok = lost < p.value[g].sum()
            if not ok:
                for d in range(len(p.day_cap)):
                    self._restore(d, saved[d])
                self._sync_days()

    # -- relocation fill ------------------------------------------------------------------
    def relocate_fill(self, groups: list[list[int]]) -> int:
        """Place unplanned groups on days freed by moving planned actions elsewhere.

        For each unplanned group (most valuable first), each action in chain order tries the
        days of its window, earliest first, and takes the first one where it fits once some
        actions of that day (largest freed minutes first) have moved to another day of their
        own window where they fit as they are (best fit: the day left with the least free
        time). Nothing leaves the plan, so value only grows. A group whose actions cannot all
        be placed this way puts every day back as it was. The first action tries every day
        of its window; a failure is remembered for the group's shape (durations, visits)
        until a group is placed. Stops when the book has made ``max_evals`` evaluations (of a
        day for an action), so that the result does not depend on the machine's speed. Returns
        the number of groups placed.
        """
        p = self.p
        todo = [g for g in groups if all(self.day[i] < 0 for i in g)]
        todo.sort(key=lambda g: (-p.value[g].sum(), g[0]))
        failed: set[tuple[tuple[int, bool], ...]] = set()
        placed = 0
        for g in todo:
            if self._spent():
                break
            shape = tuple((int(p.duration[i]), bool(p.is_visit[i])) for i in g)
            if shape in failed:
                continue
            if self._place_moving(g):
                placed += 1
                failed.clear()
            else:
                failed.add(shape)
        return placed

    def _place_moving(self, g: list[int]) -> bool:
        p = self.p
        lo, hi = self._window(g[0])
        for d0 in range(lo, hi + 1):
            if p.day_cap[d0] < p.duration[g[0]]:
                continue
            self._journal = ({}, {})
            ok = self._make_room(g[0], d0, g)
            for i in g[1:]:
                if not ok:
                    break
                a, b = self._window(i)
                ok = any(
                    self._make_room(i, d, g)
                    for d in range(a, b + 1)
                    if p.day_cap[d] >= p.duration[i]
                )
            if ok:
                self._journal = None
                return True
            self._rollback()
        return False

    def _spent(self) -> bool:
        """Whether the local search has used its evaluations, or its wall-clock safety limit."""
        return self._evals >= self.max_evals or time.time() > self.p.stop_at

    def _window(self, i: int) -> tuple[int, int]:
        """Days where action ``i`` may go given the days of its planned chain neighbours."""
        lo, hi = int(self.p.release[i]), len(self.p.day_cap) - 1
        for a, lag_lo, lag_hi in self.arcs_in.get(i, ()):
            if self.day[a] >= 0:
                lo = max(lo, int(self.day[a]) + lag_lo)
                if lag_hi >= 0:
                    hi = min(hi, int(self.day[a]) + lag_hi)
        for b, lag_lo, lag_hi in self.arcs_out.get(i, ()):
            if self.day[b] >= 0:
                hi = min(hi, int(self.day[b]) - lag_lo)
                if lag_hi >= 0:
                    lo = max(lo, int(self.day[b]) - lag_hi)
        return lo, hi

    def _freed(self, j: int, d: int) -> float:
        """Minutes day ``d`` gains if action ``j`` leaves it (its detour for a visit)."""
        if not self.p.is_visit[j]:
            return float(self.p.duration[j])
        stops, m = self.stops[d], self.matrix
        k = stops.index(j)
        prev = self.place[stops[k - 1]] if k > 0 else 0
        nxt = self.place[stops[k + 1]] if k + 1 < len(stops) else 0
        here = self.place[j]
        return float(self.p.duration[j] + m[prev, here] + m[here, nxt] - m[prev, nxt])

    def _fits(self, i: int, d: int) -> bool:
        self._evals += 1
        room = self.room(d)
        return bool(
            room >= self.p.duration[i] - 1e-9
            and self.p.duration[i] + self._insertion(i, d) <= room + 1e-9
        )

    def _make_room(self, i: int, d: int, group: list[int]) -> bool:
        """Put ``i`` on day ``d``, moving other actions of ``d`` to days where they fit."""
        p = self.p
        if self._fits(i, d):
            self._move(i, d)
            return True
        movers = [j for j in self.tasks[d] if j not in group]
        freed = {j: self._freed(j, d) for j in movers}
        need = p.duration[i] + self._insertion(i, d) - self.room(d)
        if sum(freed.values()) < need - 1e-9:
            return False
        # when the week is what is full, moving work inside the week frees nothing
        full_week = self.weekly and self._week_free(d // 7) < p.day_cap[d] - self.load(d)
        week = d // 7 if full_week else -1
        for j in sorted(movers, key=lambda j: (-freed[j], j)):
            lo, hi = self._window(j)
            best: tuple[float, int] | None = None
            for e in range(lo, hi + 1):
                if e != d and e // 7 != week and self._fits(j, e):
                    left = self.room(e) - p.duration[j] - self._insertion(j, e)
                    if best is None or left < best[0]:
                        best = (left, e)
            if best is None:
                continue
            self._move(j, best[1])
            if self._fits(i, d):
                self._move(i, d)
                return True
        return False

    def _move(self, i: int, d: int) -> None:
        """Put ``i`` on day ``d`` (off its current day), recording both days for a rollback."""
        if self._journal is not None:
            days, acts = self._journal
            for x in (int(self.day[i]), d):
                if x >= 0 and x not in days:
                    days[x] = self._snapshot(x)
            acts.setdefault(i, int(self.day[i]))
        if self.day[i] >= 0:
            self._remove_one(i)
        self._insert(i, d)

    def _rollback(self) -> None:
        assert self._journal is not None
        days, acts = self._journal
        for d, snap in days.items():
            self._restore(d, snap)
        for i, d in acts.items():
            self.day[i] = d
        self._journal = None

    # -- consolidation ----------------------------------------------------------------------
    def consolidate(self, tolerance_min: float = 0.5) -> int:
        """Gather the free minutes of the days into fewer, larger gaps; returns the moves made.

        Local search on :math:`\\sum_t s_t^2` (:math:`s_t` the free minutes of day :math:`t`),
        which grows when free time moves from a fuller day to a freer one. Days are taken
        from the freest; each of their actions may move to another day of its window where it
        fits, or swap with an action of that day, whichever grows the sum most. A move may not
        add more than ``tolerance_min`` minutes of travel, so the days only get easier to fill:
        the relocation fill that follows then finds gaps where whole chains fit. Stops after
        ``max_evals`` evaluations (see :meth:`relocate_fill`).
        """
        p = self.p
        n_days = len(p.day_cap)
        moves = 0
        free = self._rooms()
        for d in sorted(range(n_days), key=lambda t: (-free[t], t)):
            if p.day_cap[d] <= 0:
                continue
            for j in list(self.tasks[d]):
                if self._spent():
                    return moves
                if self.day[j] != d:
                    continue
                best = self._best_shift(j, d, free, tolerance_min)
                if best is None:
                    continue
                e, k = best
                self._journal = ({}, {})
                self._move(j, e)
                if k >= 0:
                    self._move(k, d)
                if self.room(d) < -1e-6 or self.room(e) < -1e-6:
                    self._rollback()  # a tour re-estimate made a day longer than foreseen
                    continue
                self._journal = None
                if self.weekly:
                    free = self._rooms()
                else:
                    free[d], free[e] = self.room(d), self.room(e)
                moves += 1
        return moves

    def _best_shift(
        self, j: int, d: int, free: NDArray[np.float64], tolerance_min: float
    ) -> tuple[int, int] | None:
        """Best move of ``j`` off day ``d``: ``(day, swapped action or -1)``, or ``None``."""
        p = self.p
        lo, hi = self._window(j)
        out_j = self._freed(j, d)
        stops_d = [x for x in self.stops[d] if x != j]
        best: tuple[float, int, int] | None = None
        for e in range(lo, hi + 1):
            if e == d or p.day_cap[e] <= 0 or free[e] > free[d]:
                continue  # free time should flow to the freer day
            self._evals += 1
            cost = p.duration[j] + self._insertion(j, e)
            if cost <= free[e] + 1e-9 and cost <= out_j + tolerance_min:
                gain = (free[d] + out_j) ** 2 + (free[e] - cost) ** 2 - free[d] ** 2 - free[e] ** 2
                if gain > 1e-6 and (best is None or gain > best[0]):
                    best = (gain, e, -1)
            for k in self.tasks[e]:
                if p.group[k] == p.group[j] or p.duration[k] > out_j:
                    continue
                a, b = self._window(k)
                if not a <= d <= b:
                    continue
                self._evals += 1
                out_k = self._freed(k, e)
                in_k = p.duration[k] + self._insertion_into(k, stops_d)
                in_j = p.duration[j] + self._insertion_into(j, [x for x in self.stops[e] if x != k])
                new_d, new_e = free[d] + out_j - in_k, free[e] + out_k - in_j
                if (
                    new_d < -1e-9
                    or new_e < -1e-9
                    or new_d + new_e < free[d] + free[e] - tolerance_min
                ):
                    continue
                gain = new_d**2 + new_e**2 - free[d] ** 2 - free[e] ** 2
                if gain > 1e-6 and (best is None or gain > best[0]):
                    best = (gain, e, k)
        return None if best is None else (best[1], best[2])

    def _insertion_into(self, i: int, stops: list[int]) -> float:
        """Extra tour minutes if visit ``i`` joins a day whose tour is ``stops`` (0 for desk)."""
        if not self.p.is_visit[i]:
            return 0.0
        m, here = self.matrix, self.place[i]
        path = [0, *self.place[stops], 0]
        return float(
            min(
                m[path[k - 1], here] + m[here, path[k]] - m[path[k - 1], path[k]]
                for k in range(1, len(path))
            )
        )

    def _snapshot(self, d: int) -> _Snapshot:
        return (
            list(self.stops[d]),
            list(self.tasks[d]),
            float(self.desk[d]),
            float(self.tour[d]),
            d,
        )

    def _restore(self, d: int, snap: _Snapshot) -> None:
        self.stops[d], self.tasks[d] = list(snap[0]), list(snap[1])
        self.vmin[d] = float(self.p.duration[self.stops[d]].sum()) if self.stops[d] else 0.0
        self.desk[d], self.tour[d] = snap[2], snap[3]
        for j in self.tasks[d]:
            self.day[j] = d

    def _sync_days(self) -> None:
        """After a rollback, the day of each action is the day whose list holds it."""
        on_day = np.full(self.p.n, -1, dtype=np.int64)
        for d, tasks in enumerate(self.tasks):
            for j in tasks:
                on_day[j] = d
        self.day = on_day

    def _insertion(self, i: int, d: int) -> float:
        """Extra tour minutes if visit ``i`` joins day ``d`` (0 for desk work)."""
        return self._insertion_into(i, self.stops[d])

    def _insert(self, i: int, d: int) -> None:
        if not self.p.is_visit[i]:
            self._add(i, d)
            return
        m, here = self.matrix, self.place[i]
        path = [0, *self.place[self.stops[d]], 0]
        add = [
            m[path[k - 1], here] + m[here, path[k]] - m[path[k - 1], path[k]]
            for k in range(1, len(path))
        ]
        k = int(np.argmin(add))
        self.day[i] = d
        self.tasks[d].append(i)
        self.stops[d].insert(k, i)
        self.vmin[d] += float(self.p.duration[i])
        self.tour[d] += add[k]
        self._retour(d)

    def refill(self, groups: list[list[int]]) -> None:
        """Offer every unplanned group, by value per minute, to its earliest days that fit."""
        p = self.p
        todo = [g for g in groups if all(self.day[i] < 0 for i in g)]
        todo.sort(key=lambda g: (-p.value[g].sum() / max(1, p.duration[g].sum()), g[0]))
        free = self._rooms()
        smallest = int(p.duration.min(initial=0))
        for g in todo:
            if free.max(initial=0) < smallest:
                break
            if free.max(initial=0) < p.duration[g].min():
                continue
            placed = self._place(g)
            if placed is None:
                continue
            if self.weekly:
                free = self._rooms()
            else:
                for d in set(placed):
                    free[d] = self.room(d)

    def _place(self, g: list[int]) -> list[int] | None:
        p = self.p
        done: list[int] = []
        for i in g:  # chain order
            lo_day, hi_day = self._window(i)
            chosen: tuple[int, tuple[list[int], list[int], float] | None] | None = None
            for d in range(lo_day, hi_day + 1):
                room = self.room(d)
                if room < p.duration[i] - 1e-9:
                    continue
                if not p.is_visit[i]:
                    chosen = (d, None)
                    break
                stops = self.stops[d]
                dist = self._dist([*stops, i])
                order, length = cheapest_insertion(
                    dist, list(range(1, len(stops) + 1)), len(stops) + 1
                )
                if p.duration[i] + length - self.tour[d] <= room + 1e-9:
                    chosen = (d, ([*stops, i], order, length))
                    break
            if chosen is None:
                for j in done:
                    self._remove_one(j)
                return None
            d, tour = chosen
            self._add(i, d)
            if tour is not None:
                all_stops, order, length = tour
                self.stops[d] = [all_stops[k - 1] for k in order]
                self.tour[d] = length
                self._retour(d)
            done.append(i)
        return [int(self.day[i]) for i in done]

    def _remove_one(self, i: int) -> None:
        d = int(self.day[i])
        self.tasks[d].remove(i)
        if self.p.is_visit[i]:
            self.stops[d].remove(i)
            self.vmin[d] -= float(self.p.duration[i])
            self._retour(d)
        else:
            self.desk[d] -= float(self.p.duration[i])
        self.day[i] = -1

    def timetable(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Start minute and travel of each action: the tour first from 08:30, then desk work.

        A visit's travel is the leg that reaches it; the last visit also carries the drive
        back to the base, so a day's travel column sums to its tour.
        """
        p = self.p
        start = np.full(p.n, -1, dtype=np.int64)
        travel = np.zeros(p.n)
        for d in range(len(p.day_cap)):
            clock = float(DAY_START_MIN)
            stops = self.stops[d]
            if stops:
                dist = self._dist(stops)
                path = [0, *range(1, len(stops) + 1), 0]
                for k, i in enumerate(stops):
                    leg = dist[path[k], path[k + 1]]
                    clock += leg
                    start[i] = int(round(clock))
                    travel[i] = leg
                    clock += p.duration[i]
                back = dist[len(stops), 0]
                travel[stops[-1]] += back
                clock += back
            for i in sorted(
                set(self.tasks[d]) - set(stops), key=lambda j: (p.group[j], p.chain_rank[j], j)
            ):
                start[i] = int(round(clock))
                clock += p.duration[i]
        return start, travel
