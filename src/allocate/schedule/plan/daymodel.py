"""The CP-SAT day model of one seller (:class:`DayPlanModel`), on the generic engine.

Days are the time unit; a visit's load includes an estimated share of its day's tour
(:func:`visit_travel_share`), since the real tours are known only after the days are chosen.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numpy.typing import NDArray

from allocate.core.travel import haversine_km
from allocate.schedule.engine.problem import (
    Budget,
    Downtime,
    Precedence,
    Resource,
    ScheduleProblem,
    Task,
)
from allocate.schedule.engine.sgs import greedy_value_schedule
from allocate.schedule.engine.solve import solve_schedule
from allocate.schedule.engine.stop import WorkLimit
from allocate.schedule.plan.seller import SellerProblem

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
#: Work units (see :data:`~allocate.schedule.plan.driver.WORK_UNITS_PER_S`) charged for one
#: action offered by the greedy placement: a vectorized pass over the horizon costs about as
#: much as this many days tried by the local search.
GREEDY_UNITS_PER_ACTION = 16


def visit_travel_share(p: SellerProblem) -> NDArray[np.float64]:
    """Estimated travel minutes charged to each action when days are chosen (0 for desk work).

    A day's visits are one tour, so a visit does not cost a full round trip. With ``m`` the
    expected visits per working day (clamped to ``[1, 4]``), a visit at ``t0`` minutes from the
    base is charged ``2 * t0 / m`` (its share of driving out and back) plus the hop to the
    nearest other account this seller visits (its detour inside the tour), never more than a
    full round trip ``2 * t0``. The real tours are computed after the solve.

    Parameters
    ----------
    p
        The seller's problem.

    Returns
    -------
    numpy.ndarray
        Travel minutes charged to each action.
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
    :math:`\delta_i`. The greedy schedule of :func:`~allocate.schedule.engine.sgs.greedy_value_schedule`
    is the hint, and the better of the two is kept.

    Parameters
    ----------
    p
        The seller's problem.
    groups
        The groups to plan (each in chain order), those that passed the precheck.
    share
        Travel minutes charged to each action (:func:`visit_travel_share`).
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
        """The model's objective for a start vector, as CP-SAT counts it.

        Parameters
        ----------
        starts
            Day of each of the model's tasks (``-1`` = left out).

        Returns
        -------
        float
            Value kept minus the start and lateness penalties.
        """
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

    def solve(self, limit: WorkLimit | None = None) -> tuple[NDArray[np.int64], str]:
        """Days of the seller's actions and how they were found.

        Parameters
        ----------
        limit
            Budget of the greedy placement (:data:`GREEDY_UNITS_PER_ACTION` units per action
            offered); the actions it had no units left to offer get day ``-2``, and CP-SAT
            does not run.

        Returns
        -------
        tuple
            Day of each of the seller's actions (``-1`` = left out, ``-2`` = not tried) and
            ``"greedy"`` or CP-SAT's status.
        """
        p = self.p
        day = np.full(p.n, -1, dtype=np.int64)
        greedy = greedy_value_schedule(self.problem, limit, GREEDY_UNITS_PER_ACTION)
        best = greedy if greedy is not None else np.full(len(self.members), -1, dtype=np.int64)
        status = "greedy"
        wall = min(1.5 * p.budget_s + 0.5, p.deadline - time.time())
        enough = p.budget_s >= CPSAT_MIN_S_PER_ACTION * len(self.members)
        cut = bool((best == -2).any())
        if p.use_cpsat and len(self.members) and wall > 0.2 and enough and not cut:
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
