"""The action plan: every seller's dated actions under daily capacity, travel included.

Data in (an instance, an alignment, a :class:`PlanConfig`) → :func:`~.actions.expand_actions` → one
:class:`~.seller.SellerProblem` per seller → :func:`plan_seller` (CP-SAT on the generic engine,
then real tours, repair and refill) → one immutable :class:`Schedule` out. Sellers are
independent, so they are solved in parallel, in a process pool or on a Dask cluster (see
:mod:`allocate.schedule.parallel`); results are ordered by seller and each solve is seeded and limited in
*deterministic* time, so the same inputs give the same plan wherever it runs, unless the
machine is so slow that the wall-clock safety limit (1.5 times the seller's share of the time
limit) stops a solve first.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from allocate.core.instance import Instance
from allocate.core.result import Alignment
from allocate.core.workload import travel_minutes
from allocate.schedule.engine.stop import WorkLimit
from allocate.schedule.parallel import SellerMap, pool_map
from allocate.schedule.plan.actions import Actions, expand_actions
from allocate.schedule.plan.calendars import (
    Horizon,
    day_capacity_min,
    seller_calendars,
    week_capacity_min,
)
from allocate.schedule.plan.config import PlanConfig
from allocate.schedule.plan.daybook import DayBook
from allocate.schedule.plan.daymodel import DayPlanModel, visit_travel_share
from allocate.schedule.plan.moves import (
    consolidate,
    eject_fill,
    refill,
    regroup,
    relocate_fill,
    repair,
)
from allocate.schedule.plan.seller import (
    SellerPlan,
    SellerProblem,
    group_lags,
    group_members,
    precheck,
    precheck_singles,
)
from allocate.solvers.budget import seconds_left

logger = logging.getLogger(__name__)

#: Reasons why an action is not in the plan (``unscheduled.csv``).
REASONS = ("capacity", "lag", "horizon", "calendar", "time_limit")
#: Rounds of ejection and refill after the solve.
EJECT_ROUNDS = 1
#: Evaluations (of a day for an action) per second of a seller's budget allowed to the local
#: search after the solve (relocation fill and consolidation), for the share of the budget
#: that the earlier stages left (:data:`WORK_UNITS_PER_S`). fr-national's plan with a 120 s
#: limit on 2 cores of an AMD EPYC ends in about 60 s with it (150 000: 45 s and 0.2 point
#: less of its capacity bound; 450 000: 70 s and no better), and most sellers stop well before
#: their count (nothing left out, or no move left). A count rather than a clock, so that the
#: plan is reproducible; the search also stops at 90 % of the time limit
#: (``SellerProblem.stop_at``) on a slow machine.
LS_EVALS_PER_S = 300_000
#: Work units per second of a seller's budget for everything before the relocation fill: the
#: precheck, the greedy day plan, the refills, the regrouping and the ejections (a unit is
#: about one day tried for one action, 5 µs on the 2-core reference machine under a load of 5;
#: fr-national's plan takes about 4.1 million). Sized so that the units run out before the
#: wall-clock share of each seller under a background load of 2-3. A count rather than a clock, so that the plan is
#: reproducible; once it runs out, the groups not yet offered are left out with the reason
#: ``time_limit`` and the later stages are skipped.
WORK_UNITS_PER_S = 120_000
#: Units charged per action of a chain prechecked (placed alone on the empty calendar; the
#: one-action groups are prechecked together, in one vectorized pass).
PRECHECK_UNITS_PER_ACTION = 8
#: Fixed costs of a plan outside the sellers' searches, in seconds of the 2-core reference
#: machine under a background load of 2-3, and per action (expanding the actions, building
#: the problems and the sellers' fixed costs, merging, writing the files): fr-national's
#: 52,369 actions took about 4 s.
FIXED_S = 0.3
FIXED_S_PER_ACTION = 8e-5
#: ... of which this is kept after the searches, for the pool's end, the merge and the files
#: (fr-national: the pool ended about 1 s after the sellers' deadline under a load of 5; with
#: 3e-5 per action, a 10 s plan of 52,369 actions still ended 0.7 s past limit + 10 % under
#: a load of 3.7, hence 4.5e-5: 3.4 s kept there).
FINISH_S = 1.0
FINISH_S_PER_ACTION = 4.5e-5
#: A seller's safety net: it may take this many times its share of the sellers' wall time
#: (sellers differ in speed per unit: the other sellers' slack covers it, and the overall
#: deadline still holds). With 0.7, 30-50 sellers of fr-national were cut at a 20 s limit
#: under a load of 2-3 while the whole plan took half its time; with 2, the first sellers
#: took all of a 10 s limit under a load of 4 and half of them had none left.
WALL_SHARE = 1.5
#: A seller's fixed costs (its arrays, day model and book), in actions' worth of work: its
#: share of the wall time is that of its actions plus these.
FIXED_ACTIONS = 50
#: Rounds of consolidation, each followed by a relocation fill.
CONSOLIDATE_ROUNDS = 3


@dataclass(frozen=True)
class Schedule:
    """The plan of every action of an alignment (arrays aligned with ``actions``).

    Parameters
    ----------
    horizon
        The plan's calendar.
    actions
        Every action of the alignment.
    day, start_min, travel_min
        Day (``-1`` = not planned), start minute from midnight and travel minutes of each
        action.
    reason
        Why each unplanned action is out (``capacity``, ``lag``, ``horizon``, ``calendar``;
        empty when planned).
    day_capacity_min
        Minutes of each seller's days, ``(n_sellers, n_days)``.
    seller_status
        How each seller's days were found (``greedy``, ``optimal``, ``feasible``).
    wall_s
        Seconds spent.
    churn_rate
        Yearly share of customers lost, for the funnel.
    schedulable
        Whether each action's group fits the seller's empty calendar (capacity aside).
    meta
        Options recorded with the plan (time limit, workers, seed).
    week_capacity_min
        Minutes of each seller's weeks, ``(n_sellers, weeks)``.
    """

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
        """Whether each action is in the plan."""
        return self.day >= 0


def plan_actions(
    instance: Instance,
    alignment: Alignment,
    config: PlanConfig | None = None,
    instance_dir: str | Path | None = None,
    mapper: SellerMap | None = None,
    started: float | None = None,
) -> Schedule:
    """Plan the actions of ``alignment`` over the horizon of ``config``.

    ``instance_dir`` is the instance folder, needed only to read the sellers' ``calendar``
    files (days off); without it, only public holidays and weekends are off. ``mapper`` runs
    the sellers' solves (default: a pool of ``config.workers`` processes; see
    :func:`~allocate.batch.dask.dask_map` for a Dask cluster). The plan does not depend
    on it: ``config.workers`` alone sets each seller's share of the time.

    Parameters
    ----------
    instance
        Accounts, sellers and the nomenclature.
    alignment
        Which seller serves which account (and operation).
    config
        Options (default: :class:`PlanConfig` ``()``).
    instance_dir
        The instance folder, for the sellers' calendar files.
    mapper
        Runs :func:`plan_seller` over the sellers (default: a process pool).
    started
        ``time.time()`` when the time limit started counting (default: now), e.g. once the
        instance was read, so that reading the alignment counts against it.

    Returns
    -------
    Schedule
        Every action with its day, start and travel, or the reason it is out.
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
    # the sellers' deterministic budgets: half of what the limit leaves once the fixed costs
    # (estimated from the number of actions, not measured) are paid, times the processes
    budget = 0.5 * search_seconds(cfg.time_limit_s, n) * cfg.workers
    # the wall-clock safety net: CP-SAT stops in time for the post-processing, every other
    # stage in time for the merge and the files
    now = started if started is not None else time.time() - (time.perf_counter() - t0)
    stop_at = now + cfg.time_limit_s - finish_seconds(n)
    deadline = min(now + 0.75 * cfg.time_limit_s, stop_at)
    # each seller's safety net: a multiple of its share of the wall time its process has
    # (from its own start)
    wall = WALL_SHARE * (stop_at - time.time()) * cfg.workers
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
            wall * (len(local[s]) + FIXED_ACTIONS) / (total + FIXED_ACTIONS * len(sellers)),
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
    stops = _stopped(results)
    return Schedule(
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
        meta={"time_limit_s": cfg.time_limit_s, "workers": cfg.workers, "seed": cfg.seed, **stops},
        week_capacity_min=week_caps,
    )


def search_seconds(time_limit_s: float, n_actions: int) -> float:
    """Seconds of the limit left to the sellers once the fixed costs are paid (at least 10 %).

    The fixed costs (expanding the actions, the problems, the merge and the files) are
    estimated from the number of actions (:data:`FIXED_S`, :data:`FIXED_S_PER_ACTION`), so
    that the budgets derived from this stay deterministic.

    Parameters
    ----------
    time_limit_s
        The plan's time limit.
    n_actions
        Actions to plan.

    Returns
    -------
    float
        Seconds from which the sellers' budgets are sized.
    """
    return seconds_left(time_limit_s, FIXED_S + FIXED_S_PER_ACTION * n_actions)


def finish_seconds(n_actions: int) -> float:
    """Seconds kept after the sellers' searches for the merge and the files."""
    return FINISH_S + FINISH_S_PER_ACTION * n_actions


def _stopped(results: list[SellerPlan]) -> dict[str, object]:
    """What the plan says about how its sellers' searches ended (for the run's KPIs)."""
    by_stage: dict[str, int] = {}
    clock: dict[str, int] = {}
    for r in results:
        if r.stopped_by:
            by_stage[r.stopped_stage] = by_stage.get(r.stopped_stage, 0) + 1
        if r.stopped_by == "clock":
            clock[r.stopped_stage] = clock.get(r.stopped_stage, 0) + 1
    note = ""
    if clock:
        note = "the wall-clock safety net stopped: " + ", ".join(
            f"{stage} ({k} seller{'s' if k > 1 else ''})" for stage, k in sorted(clock.items())
        )
    return {
        "deterministic": not clock,
        "deterministic_note": note,
        "stopped_by_budget": {
            stage: k - clock.get(stage, 0) for stage, k in sorted(by_stage.items())
            if k > clock.get(stage, 0)
        },
        "stopped_by_clock": dict(sorted(clock.items())),
    }


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
    wall_share_s: float = math.inf,
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
        budget_s=max(0.01, budget_s),
        seed=cfg.seed,
        use_cpsat=cfg.use_cpsat,
        deadline=deadline,
        stop_at=stop_at,
        week_cap=np.zeros(0, dtype=np.int64) if week_cap is None else week_cap,
        wall_share_s=wall_share_s,
    )


def _empty_plan(
    p: SellerProblem,
    reason: list[str],
    ok_groups: list[int],
    groups: dict[int, list[int]],
    work: WorkLimit,
    wall_s: float,
) -> SellerPlan:
    """The plan of a seller whose budget ran out before any action was placed."""
    fits = np.zeros(p.n, dtype=bool)
    for g in ok_groups:
        fits[groups[g]] = True
    return SellerPlan(
        np.full(p.n, -1, dtype=np.int64),
        tuple(reason),
        np.full(p.n, -1, dtype=np.int64),
        np.zeros(p.n),
        "greedy",
        0,
        wall_s,
        fits,
        work.stage,
        work.stopped_by,
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


def plan_seller(p: SellerProblem) -> SellerPlan:
    """Plan one seller: feasibility reasons, CP-SAT on days, real tours, repair and refill.

    1. Each all-or-nothing group (chain or recurring occurrence) is first placed alone on the
       empty calendar; if it cannot be, its reason is *calendar* (it would fit without the
       seller's days off and holidays), *lag* (it fits when the maximum lags are ignored),
       *capacity* (an action, with its round trip for a visit, is longer than any day) or
       *horizon*.
    2. The others go to :class:`~.daymodel.DayPlanModel` (CP-SAT, greedy hint), where a
       visit's load includes an estimated share of its day's tour
       (:func:`~.daymodel.visit_travel_share`). Below
       :data:`~.daymodel.CPSAT_MIN_S_PER_ACTION` of budget per action the greedy plan is kept.
    3. Each day's real tour is estimated (nearest neighbour + 2-opt); a day over capacity
       drops its least valuable groups, visits first (*capacity*); then every unplanned group
       is offered again to the earliest days where it fits, with its real insertion cost.
    4. Visits move to days whose tours pass nearby when that saves travel (regrouping), and
       the minutes freed are offered to the unplanned groups once more.
    5. Unplanned groups may take the place of single actions worth less per minute, which
       are then offered to the other days (ejection).
    6. Unplanned groups take days freed by moving planned actions to other days of their
       windows (:func:`~.moves.relocate_fill`); then, while groups are left out, the free
       minutes are gathered into larger gaps without adding travel
       (:func:`~.moves.consolidate`) and offered again. Both stop after a number of
       evaluations proportional to the seller's budget (:data:`LS_EVALS_PER_S`).

    Parameters
    ----------
    p
        The seller's problem.

    Returns
    -------
    SellerPlan
        Day, reason, start and travel of each of the seller's actions.
    """
    t0 = time.perf_counter()
    n = p.n
    reason = ["" for _ in range(n)]
    groups = group_members(p)
    lags = group_lags(p)
    stop_at = min(p.stop_at, time.time() + p.wall_share_s)
    work = WorkLimit(WORK_UNITS_PER_S * p.budget_s, stop_at, at="precheck")
    if time.time() >= p.stop_at:
        # queued in the pool past the plan's deadline (a loaded machine): no stage may start,
        # or the command ends past its limit; every action says why it is not planned
        work.stopped_by, work.stage = "clock", "queued"
        return _empty_plan(p, ["time_limit"] * n, [], groups, work, time.perf_counter() - t0)
    singles = [g for g, members in groups.items() if len(members) == 1 and g not in lags]
    single_reason = dict(
        zip(singles, precheck_singles(p, [groups[g][0] for g in singles]), strict=True)
    )
    ok_groups = []
    for g, members in groups.items():
        if g in single_reason:
            why = single_reason[g]
            if why:
                reason[members[0]] = why
            else:
                ok_groups.append(g)
            continue
        if work.charge(PRECHECK_UNITS_PER_ACTION * len(members)):
            for i in members:
                reason[i] = "time_limit"
            continue
        why = precheck(p, members, lags.get(g, []))
        if why:
            for i in members:
                reason[i] = why
        else:
            ok_groups.append(g)
    day = np.full(n, -1, dtype=np.int64)
    status = "greedy"
    if ok_groups and not work.over():
        work.at = "day plan"
        share = visit_travel_share(p)
        day, status = DayPlanModel(p, [groups[g] for g in ok_groups], share).solve(work)
    for i in np.flatnonzero(day == -2).tolist():  # the greedy had no units left to offer it
        day[i] = -1
        reason[i] = "time_limit"
    if work.over() and not (day >= 0).any():  # nothing to improve: no days to book
        for g in ok_groups:
            for i in groups[g]:
                reason[i] = reason[i] or "time_limit"
        return _empty_plan(p, reason, ok_groups, groups, work, time.perf_counter() - t0)
    placed_by_solver = int((day >= 0).sum())
    todo = [groups[g] for g in ok_groups]
    book = DayBook(p, day)
    book.stop_at = stop_at
    repair(book)  # always: the real tours must fit the days
    for stage in ["refill", "regroup", "refill", *["ejection", "refill"] * EJECT_ROUNDS]:
        if work.over():
            break
        work.at = stage
        if stage == "refill":
            refill(book, todo, work)
        elif stage == "regroup":
            regroup(book, limit=work)
        else:
            eject_fill(book, todo, limit=work)
    if not work.over():  # the relocation fill and consolidation: the budget's share left
        left = max(0.0, 1.0 - work.used / work.units) if work.units > 0 else 0.0
        book.max_evals = int(LS_EVALS_PER_S * p.budget_s * left)
        for _ in range(CONSOLIDATE_ROUNDS):
            if relocate_fill(book, todo):
                refill(book, todo)
            if all(book.day[g[0]] >= 0 for g in todo) or not consolidate(book):
                break
        else:
            if relocate_fill(book, todo):
                refill(book, todo)
    stopped_stage, stopped_by = work.stage, work.stopped_by
    if not stopped_by and book.clock_stopped:
        stopped_stage, stopped_by = "relocation", "clock"
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
        day,
        tuple(reason),
        start,
        travel,
        status,
        placed_by_solver,
        time.perf_counter() - t0,
        fits,
        stopped_stage,
        stopped_by,
    )
