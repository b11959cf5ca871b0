"""Sizing the sales force: the smallest team, *proved* by a capacity check, and where to base it.

One concept, the team-size search (:func:`size_sales_force`): the minimum number of sellers by
the workload build-up, proved with a capacity check, where to base them (a p-median over
candidate towns, :mod:`allocate.sizing.towns`), an alignment that shows the team sufficient,
and the marginal value of one more seller against more qualified leads
(:mod:`allocate.sizing.economics`). It solves alignments and reads their KPIs, hence its place
in ``analysis``.

The capacity proof
------------------
Let ``D`` be the weekly desk hours of the accounts, ``v_a`` the weekly visits of account ``a``,
``c`` the mean weekly capacity of a seller and ``J`` the candidate towns (where a seller may be
based). With ``k`` sellers based at ``S ⊆ J``, ``|S| = k``, any alignment costs at least

.. math::

    W(k) \\;\\ge\\; D + T^*(k), \\qquad
    T^*(k) = \\min_{|S| = k} \\sum_a v_a \\cdot 2\\, t(a, S) / 60,

because each visit is a round trip from the seller's base and no base is closer than the
nearest open one. ``T*(k)`` is a p-median optimum: clients are accounts, candidates are towns,
the cost is the round-trip travel time weighted by visits per week. The p-median engine returns
a *proven* lower bound ``LB(k) <= T*(k)``. Hence, if ``k c < D + LB(k)``, ``k`` sellers of
average capacity cannot carry the workload, whatever the alignment. The smallest ``k`` that
passes is the proven lower bound ``K``; it is then shown sufficient by solving the alignment
(model ``generalist``, capacity as a hard constraint) with ``K`` sellers of capacity ``c`` at
the p-median towns. If that alignment is infeasible, ``K + 1`` is tried, and so on.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from allocate.align.solve import solve
from allocate.analysis.kpi import compute_kpis
from allocate.core.errors import InfeasibleError
from allocate.core.instance import Instance, Sellers
from allocate.core.scenario import Scenario, Weights
from allocate.core.status import SolveStatus
from allocate.core.workload import account_workload, visit_travel_h
from allocate.sizing.buildup import nearest_base_travel_min
from allocate.sizing.economics import Marginal, marginal_values
from allocate.sizing.pmedian.solve import PMedianResult, solve_pmedian
from allocate.sizing.towns import Clients, Towns, candidate_towns, pmedian_clients
from allocate.sizing.whatif import role_view

log = logging.getLogger(__name__)

#: Balanced (capacitated) placements tried after a placement that no alignment fits.
BALANCE_ROUNDS = 2

NOT_NEEDED = "not needed (desk hours alone exceed capacity)"
"""The capacity-check table's p-median column when no p-median was solved (not a solve status)."""
SHORT = "infeasible"
"""The placement table's alignment column when the alignment does not carry the workload
(a seller overloaded or an item uncovered): a verdict on the alignment, not a solve status."""


@dataclass(frozen=True)
class SizeStep:
    """The capacity check for ``k`` sellers (hours per week).

    Attributes
    ----------
    sellers
        ``k``.
    desk_h
        Desk hours of the accounts.
    travel_lb_h
        Proven lower bound on the travel of any alignment with ``k`` bases.
    travel_best_h
        Travel of the best placement found (uncapacitated p-median).
    capacity_h
        ``k`` times the mean capacity.
    pmedian_status
        Status of the p-median solve; ``None`` when none was needed (:data:`NOT_NEEDED`).
    """

    sellers: int
    desk_h: float
    travel_lb_h: float  # proven lower bound on the travel of any alignment with k bases
    travel_best_h: float  # travel of the best placement found (uncapacitated p-median)
    capacity_h: float
    pmedian_status: SolveStatus | None  # None: no p-median solved (desk hours alone fail)

    @property
    def pmedian_label(self) -> str:
        """What the capacity-check table says of the p-median: its status, or :data:`NOT_NEEDED`."""
        return NOT_NEEDED if self.pmedian_status is None else self.pmedian_status.value

    @property
    def workload_lb_h(self) -> float:
        """Proven lower bound on the workload of ``k`` sellers: desk hours plus least travel."""
        return self.desk_h + self.travel_lb_h

    @property
    def passes(self) -> bool:
        """Whether ``k`` sellers may carry the workload (capacity at least its lower bound)."""
        return self.capacity_h + 1e-9 >= self.workload_lb_h


@dataclass(frozen=True)
class Placement:
    """Where ``k`` sellers are based and what an alignment with them gives.

    Attributes
    ----------
    sellers
        ``k``.
    capacitated
        Whether the placement came from a capacitated p-median.
    towns, lat, lon
        The bases.
    travel_h
        p-median travel (nearest base, or capacitated assignment).
    pmedian_status
        Status of the p-median solve.
    alignment_status
        Status of the alignment solve (``INFEASIBLE`` when it proved no alignment exists).
    workload_h
        Per placed seller, from the alignment (empty if none).
    explanation
        Why the placement or the alignment is what it is.
    short
        The alignment leaves a seller overloaded or an item uncovered: it does not carry the
        workload, whatever its solve status (not a solve status, see :attr:`verdict`).
    """

    sellers: int
    capacitated: bool
    towns: tuple[str, ...]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    travel_h: float  # p-median travel (nearest base, or capacitated assignment)
    pmedian_status: SolveStatus
    alignment_status: SolveStatus
    workload_h: NDArray[np.float64]  # per placed seller, from the alignment (empty if none)
    explanation: str = ""
    short: bool = False  # a seller overloaded or an item uncovered: the workload is not carried

    @property
    def feasible(self) -> bool:
        """Whether an alignment with these bases carries the workload."""
        return self.alignment_status.has_solution and not self.short

    @property
    def verdict(self) -> str:
        """What the placement table says of the alignment: its status value, or
        ``"infeasible"`` when it is :attr:`short` (an overloaded alignment, not a proof)."""
        return SHORT if self.short else self.alignment_status.value


@dataclass(frozen=True)
class SizingReport:
    """Outcome of :func:`size_sales_force`.

    Attributes
    ----------
    role
        The role sized (``None``: the whole team).
    accounts, desk_h, visits_per_week, mean_capacity_h, current_sellers
        The sized team's figures.
    buildup_sellers
        Workload build-up with today's bases (travel to the nearest one).
    steps
        The capacity checks, by team size.
    lower_bound
        Proven: ``lower_bound - 1`` sellers cannot carry the workload.
    placements
        ``lower_bound``, ``lower_bound + 1``, ... until one is feasible.
    marginal
        Today, +1 seller, +x % leads.
    clients_aggregated
        Whether the p-median clients are towns rather than accounts.
    """

    role: str | None
    accounts: int
    desk_h: float
    visits_per_week: float
    mean_capacity_h: float
    current_sellers: int
    buildup_sellers: int  # workload build-up with today's bases (travel to the nearest one)
    steps: tuple[SizeStep, ...]
    lower_bound: int  # proven: lower_bound - 1 sellers cannot carry the workload
    placements: tuple[Placement, ...]  # lower_bound, lower_bound + 1, ... until feasible
    marginal: tuple[Marginal, ...]  # today, +1 seller, +x % leads
    clients_aggregated: bool

    @property
    def minimum(self) -> int | None:
        """Smallest number of sellers shown feasible by an alignment (``None`` if none was)."""
        for p in self.placements:
            if p.feasible:
                return p.sellers
        return None

    @property
    def proven(self) -> bool:
        """``True`` when the minimum equals the proven lower bound."""
        return self.minimum == self.lower_bound


def size_sales_force(
    instance: Instance,
    role: str | None = None,
    max_sellers: int | None = None,
    capacitated: bool = False,
    time_limit_s: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    lead_share: float = 0.2,
) -> SizingReport:
    """Minimum number of sellers (proved), where to base them, and the marginal value report.

    Parameters
    ----------
    instance
        The instance; its accounts, nomenclature and sellers (for the mean capacity).
    role
        Size only the team of this role (its operations, its sellers' mean capacity).
    max_sellers
        Stop the search at this many sellers (default: twice today's team, at least 4).
    capacitated
        Base the sellers with a capacitated p-median (each base serves at most the mean
        capacity of desk hours plus travel to its nearest candidate town) instead of the
        uncapacitated one.
    time_limit_s
        Time limit of each p-median and each alignment solve.
    workers, seed
        CP-SAT workers and seed of every solve.
    lead_share
        Lead growth of the marginal-value what-if.

    Returns
    -------
    SizingReport
        The capacity checks, the proven lower bound, the placements tried and the marginal
        values.

    Raises
    ------
    InfeasibleError
        If even ``max_sellers`` sellers fail the capacity check.
    """
    view = role_view(instance, role)
    acc, sel = view.accounts, view.sellers
    if role is not None and role not in set(instance.sellers.role):
        log.warning("no seller has role %s; using the mean capacity of the whole team", role)
    cbar = float(sel.capacity_h.mean())
    wl = account_workload(view)
    desk, visits = wl.total_desk_h, wl.total_visits
    D = float(desk.sum())
    towns = candidate_towns(view)
    m = len(towns.ids)
    cl = pmedian_clients(view, towns, desk, visits)
    upper = max_sellers if max_sellers is not None else max(4, 2 * len(instance.sellers))
    upper = min(upper, m)

    # workload build-up with today's bases, for reference
    buildup_w = D + float(visit_travel_h(visits, nearest_base_travel_min(view)).sum())
    buildup_k = int(math.ceil(buildup_w / cbar - 1e-9))

    steps: list[SizeStep] = []
    k = max(1, int(math.ceil(D / cbar - 1e-9)))
    if k > 1:  # k - 1 sellers fail even with no travel at all
        steps.append(
            SizeStep(
                k - 1,
                D,
                0.0,
                math.nan,
                (k - 1) * cbar,
                None,
            )
        )
    pm_cache: dict[int, PMedianResult] = {}

    def check(k: int) -> bool:
        if cl.cost.shape[0] == 0:
            step = SizeStep(k, D, 0.0, 0.0, k * cbar, SolveStatus.OPTIMAL)
        else:
            res = solve_pmedian(cl.cost, k, time_limit_s=time_limit_s, workers=workers, seed=seed)
            pm_cache[k] = res
            step = SizeStep(
                k, D, float(res.best_bound), float(res.objective), k * cbar, res.status
            )
        steps.append(step)
        log.info(
            "capacity check k=%d: capacity %.1f h vs workload >= %.1f h",
            k,
            step.capacity_h,
            step.workload_lb_h,
        )
        return step.passes

    lower = _first_passing(check, k, upper)
    if lower is None:
        raise InfeasibleError(
            f"even {upper} sellers of {cbar:.1f} h/week cannot carry the workload",
            [],
        )
    steps.sort(key=lambda st: st.sellers)

    placements: list[Placement] = []
    for k in range(lower, upper + 1):
        pl = _place_and_align(
            view, towns, cl, k, cbar, capacitated, pm_cache.get(k), time_limit_s, workers, seed
        )
        placements.append(pl)
        if pl.feasible:
            break

    return SizingReport(
        role=role,
        accounts=len(acc),
        desk_h=D,
        visits_per_week=float(visits.sum()),
        mean_capacity_h=cbar,
        current_sellers=len(sel),
        buildup_sellers=buildup_k,
        steps=tuple(steps),
        lower_bound=lower,
        placements=tuple(placements),
        marginal=marginal_values(view, lead_share, seed),
        clients_aggregated=cl.aggregated,
    )


def _first_passing(check: Callable[[int], bool], first: int, last: int) -> int | None:
    """Smallest ``k`` in ``first..last`` found to pass ``check`` with ``k - 1`` failing it.

    Galloping steps (``first``, ``first + 1``, ``first + 3``, ``first + 7``, ...) up to a
    passing size, then bisection below it: about twice the logarithm of the range in p-median
    solves instead of one per size. ``k - 1`` failing is what proves that fewer than ``k``
    sellers cannot carry the workload: with fewer sellers the capacity only shrinks and the
    least travel only grows, so one failure proves every smaller team short (the bounds need
    not be monotone for that). Returns ``None`` when even ``last`` fails.
    """
    failed, step, k = first - 1, 1, first
    passed = None
    while k <= last:
        if check(k):
            passed = k
            break
        failed, k, step = k, min(k + step, last) if k < last else last + 1, 2 * step
    if passed is None:
        return None
    while passed - failed > 1:  # the failure at ``failed`` and the pass at ``passed`` are proven
        mid = (failed + passed) // 2
        if check(mid):
            passed = mid
        else:
            failed = mid
    return passed


def _place_and_align(
    view: Instance,
    towns: Towns,
    cl: Clients,
    k: int,
    cbar: float,
    capacitated: bool,
    pm: PMedianResult | None,
    time_limit_s: float,
    workers: int,
    seed: int,
) -> Placement:
    """Base ``k`` sellers with a p-median, then check that an alignment with them exists.

    When no alignment fits the first placement, up to :data:`BALANCE_ROUNDS` balanced
    placements follow: a capacitated p-median whose client demands are their desk hours plus
    their travel from the base that served them in the previous placement (the load they
    really bring, where the capacitated placement's demands only count the travel from the
    nearest town), with each base holding a seller's capacity. Bases then move away from
    the overloaded areas; each placement is checked by an alignment.
    """
    explanation = ""
    if cl.cost.shape[0] == 0:
        medians = np.arange(min(k, len(towns.ids)), dtype=np.int64)
        travel, status = 0.0, SolveStatus.OPTIMAL
        return _align_at(view, towns, k, cbar, capacitated, medians, travel, status, "",
                         time_limit_s, workers, seed)  # fmt: skip
    if capacitated:
        # a client's demand: desk hours plus travel from its nearest candidate town (the
        # least it can cost); accounts without visits take the same share of every base
        demand = cl.desk_h + cl.cost.min(axis=1)
        try:
            pm = _capacitated(cl, k, demand, cbar, time_limit_s, workers, seed)
        except InfeasibleError as exc:
            explanation = f"capacitated placement impossible ({exc}); uncapacitated used"
    if pm is None or (capacitated and not explanation and pm.status == SolveStatus.UNKNOWN):
        pm = solve_pmedian(cl.cost, k, time_limit_s=time_limit_s, workers=workers, seed=seed)
    placement = _align_at(
        view, towns, k, cbar, capacitated, np.array(pm.medians, dtype=np.int64),
        float(pm.objective), pm.status, explanation, time_limit_s, workers, seed,
    )  # fmt: skip
    for r in range(1, BALANCE_ROUNDS + 1):
        if placement.feasible or not len(pm.assignment):
            break
        served = np.asarray(pm.assignment, dtype=np.int64)
        demand = cl.desk_h + cl.cost[np.arange(len(served)), served]
        try:
            pm = _capacitated(cl, k, demand, cbar, time_limit_s, workers, seed)
        except InfeasibleError:
            break
        if not len(pm.medians):
            break
        note = f"balanced placement, round {r} (capacitated on the loads of the previous one)"
        placement = _align_at(
            view, towns, k, cbar, True, np.array(pm.medians, dtype=np.int64),
            float(pm.objective), pm.status, note, time_limit_s, workers, seed,
        )  # fmt: skip
    return placement


def _capacitated(
    cl: Clients,
    k: int,
    demand: NDArray[np.float64],
    cbar: float,
    time_limit_s: float,
    workers: int,
    seed: int,
) -> PMedianResult:
    """Capacitated p-median of the clients: each base holds a seller's capacity, less an even
    share of the desk hours of the accounts without visits."""
    cap = max(cbar - cl.other_desk_h / k, 1e-6)
    return solve_pmedian(
        cl.cost, k, demand=demand, capacity=cap, time_limit_s=time_limit_s, workers=workers,
        seed=seed,
    )  # fmt: skip


def _align_at(
    view: Instance,
    towns: Towns,
    k: int,
    cbar: float,
    capacitated: bool,
    medians: NDArray[np.int64],
    travel: float,
    status: SolveStatus,
    explanation: str,
    time_limit_s: float,
    workers: int,
    seed: int,
) -> Placement:
    """Sellers of capacity ``cbar`` at the ``medians`` towns, and the alignment check."""
    n = len(view.accounts)
    # a new team: nobody holds an account today, so no lock or continuity applies
    fresh = replace(
        view.accounts, current_seller=np.full(n, -1, dtype=np.int64), locked=np.zeros(n, bool)
    )
    inst = replace(
        view, accounts=fresh, sellers=_sellers_at(towns, medians, cbar), travel_matrix=None
    )
    scenario = Scenario(
        model="generalist",
        weights=Weights(travel=1.0, move=0.0),
        time_limit_s=time_limit_s,
        workers=workers,
        seed=seed,
    )
    where = (tuple(towns.ids[j] for j in medians.tolist()), towns.lat[medians], towns.lon[medians])
    try:
        res = solve(inst, scenario)
    except InfeasibleError as exc:
        why = f"{explanation}; {exc}" if explanation else str(exc)
        return Placement(
            k, capacitated, *where, travel, status, SolveStatus.INFEASIBLE, np.zeros(0), why
        )
    kp = compute_kpis(inst, res)
    ok = kp.totals["overloaded_sellers"] == 0 and kp.totals["uncovered_items"] == 0
    if ok and res.status == SolveStatus.UNKNOWN:
        explanation = explanation or "no alignment found within the time limit"
    workload = kp.sellers["workload_h"].to_numpy(dtype=float)
    return Placement(
        k, capacitated, *where, travel, status, res.status, workload, explanation, short=not ok
    )


def _sellers_at(towns: Towns, medians: NDArray[np.int64], capacity_h: float) -> Sellers:
    k = len(medians)
    return Sellers(
        ids=tuple(f"NEW{j + 1:03d}" for j in range(k)),
        names=tuple(f"Seller at {towns.ids[m]}" for m in medians.tolist()),
        lat=towns.lat[medians],
        lon=towns.lon[medians],
        role=tuple("generalist" for _ in range(k)),
        capacity_h=np.full(k, capacity_h),
        segments=tuple(() for _ in range(k)),
        product_lines=tuple(() for _ in range(k)),
        max_accounts=np.full(k, -1, dtype=np.int64),
        max_travel_min=np.full(k, np.inf),
    )


def sizing_tables(report: SizingReport) -> dict[str, pd.DataFrame]:
    """The report as tables (for the CLI and for files).

    Parameters
    ----------
    report
        A sizing report.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``capacity_check``, ``placement`` and ``marginal`` (with each what-if's margin
        relative to today).
    """
    steps = pd.DataFrame(
        [
            {
                "sellers": s.sellers,
                "capacity_h": s.capacity_h,
                "desk_h": s.desk_h,
                "travel_lb_h": s.travel_lb_h,
                "workload_lb_h": s.workload_lb_h,
                "passes": s.passes,
                "pmedian": s.pmedian_label,
            }
            for s in report.steps
        ]
    )
    placements = pd.DataFrame(
        [
            {
                "sellers": p.sellers,
                "capacitated": p.capacitated,
                "travel_h": p.travel_h,
                "pmedian": p.pmedian_status.value,
                "alignment": p.verdict,
                "max_workload_h": float(p.workload_h.max()) if len(p.workload_h) else math.nan,
                "towns": " ".join(p.towns),
                "explanation": p.explanation,
            }
            for p in report.placements
        ]
    )
    base = report.marginal[0].expected_margin if report.marginal else 0.0
    marginal = pd.DataFrame(
        [
            {
                "what_if": m.name,
                "capacity_h": m.capacity_h,
                "workload_h": m.workload_h,
                "worked_share": m.worked_share,
                "expected_margin": m.expected_margin,
                "marginal_value": m.expected_margin - base,
            }
            for m in report.marginal
        ]
    )
    return {"capacity_check": steps, "placement": placements, "marginal": marginal}
