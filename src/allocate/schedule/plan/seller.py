"""One seller's problem: the plain arrays of what one seller must plan, and what cannot fit.

Sellers are independent, so each gets a picklable :class:`SellerProblem` (solved in a worker
process or on a Dask cluster) and returns a :class:`SellerPlan`. :func:`precheck` says why an
all-or-nothing group cannot be planned even on the seller's empty calendar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from allocate.core.travel import TravelModel


@dataclass(frozen=True)
class SellerProblem:
    """What one seller must plan: plain arrays (picklable for the process pool).

    ``lags`` refer to local action indices; ``base_min`` is the one-way travel from the base
    to each action's account; ``free_cap`` is the capacity of a day without days off
    and holidays (to tell *calendar* from *horizon* when a chain cannot fit); ``week_cap``
    caps the minutes of each week (days ``7w .. 7w + 6``; empty: only the days are capped).

    Parameters
    ----------
    seller
        Index of the seller.
    day_cap, free_cap, week_cap
        Minutes of each day, of each day without days off and holidays, and of each week.
    duration, is_visit, release, due, group, chain_rank, value
        Per action: minutes, visit or desk work, first day, due day (``-1``: none),
        all-or-nothing group, rank in its chain and value.
    lags
        ``(pred, succ, lo, hi)`` in days between local actions (``hi = -1``: no maximum).
    base_min, lat, lon, travel
        One-way travel from the base, the account's place, and the travel model.
    budget_s, seed, use_cpsat
        The seller's share of the time, the seed, and whether CP-SAT runs at all.
    deadline, stop_at
        ``time.time()`` after which CP-SAT is skipped or cut short, and after which the local
        search stops.
    wall_share_s
        Wall seconds the seller may take from its own start before the safety net stops it
        (its share of the time the sellers have, so that a slow machine cuts every seller a
        little rather than the last ones whole).
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
    wall_share_s: float = math.inf  # wall seconds from its own start (the safety net's share)

    @property
    def n(self) -> int:
        """Number of actions."""
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
    """One seller's result: day (``-1`` = not planned), reason, start and travel of each action.

    Parameters
    ----------
    day, reason, start_min, travel_min
        Per action: day, why it is out (empty when planned), start minute and travel minutes.
    status
        How the days were found (``greedy`` or CP-SAT's status).
    placed_by_solver
        Actions placed by the day model, before the local search.
    wall_s
        Seconds spent.
    schedulable
        Whether each action's group fits the empty calendar.
    stopped_stage, stopped_by
        The stage that was running when the seller's work limit was reached, and what
        reached it: ``"budget"`` (a count of work: the plan is reproducible) or ``"clock"``
        (the wall-clock safety net: it is not); both ``''`` when every stage finished.
    """

    day: NDArray[np.int64]
    reason: tuple[str, ...]
    start_min: NDArray[np.int64]
    travel_min: NDArray[np.float64]
    status: str
    placed_by_solver: int
    wall_s: float
    schedulable: NDArray[np.bool_]  # the action's group fits the empty calendar
    stopped_stage: str = ""  # the stage running when the work limit was reached ('' none)
    stopped_by: str = ""  # "budget" (reproducible), "clock" (the safety net) or ""


def group_members(p: SellerProblem) -> dict[int, list[int]]:
    """The actions of each all-or-nothing group, in chain order.

    Parameters
    ----------
    p
        The seller's problem.

    Returns
    -------
    dict of int to list of int
        Group number to its actions, groups in increasing order.
    """
    groups: dict[int, list[int]] = {}
    for i in np.lexsort((np.arange(p.n), p.chain_rank, p.group)):
        groups.setdefault(int(p.group[i]), []).append(int(i))
    return groups


def group_lags(p: SellerProblem) -> dict[int, list[tuple[int, int, int, int]]]:
    """The lags inside each group (``(pred, succ, lo, hi)``), by group number.

    Parameters
    ----------
    p
        The seller's problem.

    Returns
    -------
    dict of int to list of tuple
        Group number to the lags between its actions (groups without lags are absent).
    """
    out: dict[int, list[tuple[int, int, int, int]]] = {}
    for a, b, lo, hi in p.lags:
        if p.group[a] == p.group[b]:
            out.setdefault(int(p.group[a]), []).append((a, b, lo, hi))
    return out


def precheck(
    p: SellerProblem, members: list[int], lags: list[tuple[int, int, int, int]] | None = None
) -> str:
    """Why a group cannot be planned even on an empty calendar ('' when it can).

    Parameters
    ----------
    p
        The seller's problem.
    members
        The group's actions.
    lags
        The lags between them (default: looked up in ``p.lags``; :func:`group_lags` gives
        every group's at once).

    Returns
    -------
    str
        ``calendar``, ``capacity``, ``lag``, ``horizon`` or ``''`` (see
        :func:`~allocate.schedule.plan.driver.plan_seller`).
    """
    # a visit alone on its day still needs the round trip from the base
    need = p.duration[members] + np.where(p.is_visit[members], 2.0 * p.base_min[members], 0.0)
    if float(need.max()) > int(p.day_cap.max(initial=0)):
        fits_free = int(need.max()) <= int(p.free_cap.max(initial=0))
        return (
            "calendar"
            if fits_free and p.day_cap.max(initial=0) < p.free_cap.max(initial=0)
            else "capacity"
        )
    if lags is None:
        mset = set(members)
        lags = [(a, b, lo, hi) for a, b, lo, hi in p.lags if a in mset and b in mset]
    if _temporal_fit(p, members, p.day_cap, True, lags):
        return ""
    if _temporal_fit(p, members, p.free_cap, True, lags):
        return "calendar"
    if _temporal_fit(p, members, p.day_cap, False, lags):
        return "lag"
    return "horizon"


def precheck_singles(p: SellerProblem, actions: list[int]) -> list[str]:
    """:func:`precheck` of many one-action groups without lags, in one vectorized pass.

    Parameters
    ----------
    p
        The seller's problem.
    actions
        Actions that are each a group of their own, with no lag.

    Returns
    -------
    list of str
        The reason of each, as :func:`precheck` gives it.
    """
    idx = np.asarray(actions, dtype=np.int64)
    if idx.size == 0:
        return []
    need = p.duration[idx] + np.where(p.is_visit[idx], 2.0 * p.base_min[idx], 0.0)
    n_days = len(p.day_cap)

    def fits(cap: NDArray[np.int64]) -> NDArray[np.bool_]:
        # some day from the release on holds the action alone
        suffix = np.maximum.accumulate(cap[::-1])[::-1] if n_days else np.zeros(0)
        rel = p.release[idx]
        ok = rel < n_days
        out = np.zeros(idx.size, dtype=bool)
        out[ok] = suffix[rel[ok]] >= need[ok]
        return out

    day_max = int(p.day_cap.max(initial=0))
    free_max = int(p.free_cap.max(initial=0))
    on_days, on_free = fits(p.day_cap), fits(p.free_cap)
    reasons = []
    for k in range(idx.size):
        if float(need[k]) > day_max:
            calendar = int(need[k]) <= free_max and day_max < free_max
            reasons.append("calendar" if calendar else "capacity")
        elif on_days[k]:
            reasons.append("")
        else:
            reasons.append("calendar" if on_free[k] else "horizon")
    return reasons


def _temporal_fit(
    p: SellerProblem,
    members: list[int],
    cap: NDArray[np.int64],
    max_lags: bool,
    arcs: list[tuple[int, int, int, int]],
) -> bool:
    """Whether the group's actions have days that respect releases, lags and the calendar.

    Label-correcting on the simple temporal network restricted to the days where each action
    fits an empty day: push successors by minimum lags, predecessors by maximum lags.
    """
    n_days = len(cap)
    alone = {i: p.duration[i] + (2.0 * p.base_min[i] if p.is_visit[i] else 0.0) for i in members}
    allowed = {i: np.flatnonzero(cap >= alone[i]) for i in members}
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
