"""What-ifs on the sales force: more sellers, more leads, and the size of the team.

Two families of functions live here:

* **Instance transforms** (pure functions ``Instance -> Instance``) used by ``allocate batch``
  and by the sizing report: :func:`add_sellers` ("+1 seller": duplicate the most loaded seller
  at its own base), :func:`add_leads` ("+20 % leads": duplicate a share of the lead accounts at
  nearby towns, with new ids) and :func:`scale_capacity`.
* **Sizing** (:func:`size_sales_force`): the minimum number of sellers by the workload build-up,
  *proved* with a capacity check, where to base them (a p-median over candidate towns) and the
  marginal value of one more seller against more qualified leads.

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

Marginal value
--------------
The yearly expected margin of the funnel is ``Σ_a P(stage_a → deal) · deal_value(segment_a)``
with ``P(lead → deal) = c_lead · c_prospect · c_opportunity`` and so on from the nomenclature's
conversion rates. A team can only work the share ``min(1, capacity / workload)`` of it. One more
seller adds capacity (and shortens some trips); more leads add margin *and* workload: each new
lead brings its lead-stage actions, plus the prospect actions times ``c_lead``, plus the
opportunity actions times ``c_lead · c_prospect``.
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
from allocate.core.errors import InfeasibleError, InputError
from allocate.core.instance import Accounts, Instance, Sellers, TravelMatrix
from allocate.core.nomenclature import STAGES, Nomenclature, Playbook
from allocate.core.scenario import Scenario, Weights
from allocate.core.travel import haversine_km, nearest_sellers
from allocate.core.workload import account_workload, travel_minutes
from allocate.sizing.pmedian import PMedianResult, solve_pmedian

log = logging.getLogger(__name__)

#: Above this many (client, candidate) pairs, clients are aggregated by town for the p-median.
MAX_PMEDIAN_PAIRS = 4_000_000
#: Balanced (capacitated) placements tried after a placement that no alignment fits.
BALANCE_ROUNDS = 2


# --------------------------------------------------------------------------- instance transforms


def current_load(instance: Instance) -> NDArray[np.float64]:
    """Weekly workload of every seller under today's alignment (travel included).

    Accounts without a current seller are given to their nearest seller, so the figure covers
    the whole workload.
    """
    acc, sel = instance.accounts, instance.sellers
    wl = account_workload(instance)
    owner = acc.current_seller.copy()
    if (owner < 0).any():
        idx, _ = nearest_sellers(acc.lat, acc.lon, sel.lat, sel.lon, 1)
        owner = np.where(owner >= 0, owner, idx[:, 0])
    tmin = travel_minutes(instance, owner, np.arange(len(acc)))
    hours = wl.total_desk_h + wl.total_visits * 2.0 * tmin / 60.0
    return np.bincount(owner, weights=hours, minlength=len(sel)).astype(np.float64)


def add_sellers(instance: Instance, count: int = 1) -> Instance:
    """Add ``count`` sellers, each a copy of one of the most loaded sellers, at the same base.

    The most loaded seller is the one with the highest utilization (workload ÷ capacity) under
    today's alignment; with ``count > 1`` the next most loaded ones are copied in turn. The new
    sellers keep role, capacity and skills, and get the id ``<id>+<n>``.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if count == 0:
        return instance
    sel = instance.sellers
    util = current_load(instance) / np.maximum(sel.capacity_h, 1e-9)
    order = np.argsort(-util, kind="stable")
    picks = [int(order[k % len(order)]) for k in range(count)]
    taken = set(sel.ids)
    new_ids: list[str] = []
    for n, s in enumerate(picks, start=1):
        sid = f"{sel.ids[s]}+{n}"
        while sid in taken:
            sid += "+"
        taken.add(sid)
        new_ids.append(sid)
    p = np.array(picks, dtype=np.int64)
    sellers = Sellers(
        ids=sel.ids + tuple(new_ids),
        names=sel.names + tuple(f"{sel.names[s]} (new)" for s in picks),
        lat=np.r_[sel.lat, sel.lat[p]],
        lon=np.r_[sel.lon, sel.lon[p]],
        role=sel.role + tuple(sel.role[s] for s in picks),
        capacity_h=np.r_[sel.capacity_h, sel.capacity_h[p]],
        segments=sel.segments + tuple(sel.segments[s] for s in picks),
        product_lines=sel.product_lines + tuple(sel.product_lines[s] for s in picks),
        max_accounts=np.r_[sel.max_accounts, sel.max_accounts[p]],
        max_travel_min=np.r_[sel.max_travel_min, sel.max_travel_min[p]],
        daily_h=np.r_[sel.daily_h, sel.daily_h[p]],
    )
    log.info("what-if: +%d seller(s) copied from %s", count, ", ".join(sel.ids[s] for s in picks))
    return replace(instance, sellers=sellers, travel_matrix=_fresh_matrix(instance.travel_matrix))


def add_leads(instance: Instance, share: float = 0.2, seed: int = 0, near: int = 5) -> Instance:
    """Add ``round(share × leads)`` new lead accounts, each a copy of a lead at a nearby town.

    Each new lead copies the segment, potential and product lines of a randomly chosen existing
    lead and is placed at one of its ``near`` nearest other accounts (its town and unit), so
    the geography of demand keeps its shape. New leads have no current seller, no lock and no
    group; their ids are ``<id>-L<n>``.
    """
    if share < 0:
        raise ValueError(f"share must be >= 0, got {share}")
    acc = instance.accounts
    leads = np.flatnonzero(np.array(acc.stage) == "lead")
    n_new = int(round(share * len(leads)))
    if n_new == 0 or len(acc) < 2:
        return instance
    rng = np.random.default_rng(seed)
    src = rng.choice(leads, size=n_new, replace=n_new > len(leads))
    k = min(near + 1, len(acc))
    nbr, _ = nearest_sellers(acc.lat[src], acc.lon[src], acc.lat, acc.lon, k)
    # column 0 is (usually) the account itself: pick among the next ones
    pick = rng.integers(1, k, size=n_new) if k > 1 else np.zeros(n_new, dtype=np.int64)
    site = nbr[np.arange(n_new), pick]
    taken = set(acc.ids)
    ids: list[str] = []
    for n, a in enumerate(src.tolist(), start=1):
        aid = f"{acc.ids[a]}-L{n}"
        while aid in taken:
            aid += "x"
        taken.add(aid)
        ids.append(aid)
    accounts = Accounts(
        ids=acc.ids + tuple(ids),
        names=acc.names + tuple(f"{acc.names[a]} (new lead)" for a in src.tolist()),
        lat=np.r_[acc.lat, acc.lat[site]],
        lon=np.r_[acc.lon, acc.lon[site]],
        segment=acc.segment + tuple(acc.segment[a] for a in src.tolist()),
        potential=np.r_[acc.potential, acc.potential[src]],
        stage=acc.stage + tuple("lead" for _ in range(n_new)),
        product_lines=acc.product_lines + tuple(acc.product_lines[a] for a in src.tolist()),
        group=np.r_[acc.group, np.full(n_new, -1, dtype=np.int64)],
        group_ids=acc.group_ids,
        current_seller=np.r_[acc.current_seller, np.full(n_new, -1, dtype=np.int64)],
        locked=np.r_[acc.locked, np.zeros(n_new, dtype=bool)],
        unit=np.r_[acc.unit, acc.unit[site]],
    )
    log.info("what-if: +%d leads (%.0f %% of %d)", n_new, 100 * share, len(leads))
    return replace(instance, accounts=accounts, travel_matrix=_fresh_matrix(instance.travel_matrix))


def scale_capacity(instance: Instance, factor: float) -> Instance:
    """Multiply every seller's weekly capacity by ``factor``."""
    if not factor > 0:
        raise ValueError(f"factor must be > 0, got {factor}")
    if factor == 1:
        return instance
    return replace(
        instance, sellers=replace(instance.sellers, capacity_h=instance.sellers.capacity_h * factor)
    )


def _fresh_matrix(tm: TravelMatrix | None) -> TravelMatrix | None:
    # a new object: travel lookups are cached by the matrix's identity and the account count
    if tm is None:
        return None
    return TravelMatrix(tm.seller.copy(), tm.account.copy(), tm.minutes.copy())


# --------------------------------------------------------------------------- role restriction


def role_nomenclature(nomenclature: Nomenclature, role: str) -> Nomenclature:
    """The nomenclature restricted to the operations performed by ``role``.

    Precedences to dropped operations are removed; playbooks left empty are dropped.
    """
    playbooks = []
    for pb in nomenclature.playbooks:
        ops = [op for op in pb.operations if op.role == role]
        if not ops:
            continue
        kept = {op.id for op in ops}
        ops = [
            op.model_copy(update={"after": tuple(a for a in op.after if a in kept)}) for op in ops
        ]
        playbooks.append(Playbook(stage=pb.stage, segment=pb.segment, operations=tuple(ops)))
    if not playbooks:
        raise InputError.single("nomenclature.yaml", f"no operation is performed by role {role!r}")
    return nomenclature.model_copy(update={"playbooks": tuple(playbooks)})


def role_view(instance: Instance, role: str | None) -> Instance:
    """The instance as seen by one role: its operations only, and its sellers (if any)."""
    if role is None:
        return instance
    nom = role_nomenclature(instance.nomenclature, role)
    sel = instance.sellers
    keep = np.array([r == role for r in sel.role])
    sellers = _subset_sellers(sel, np.flatnonzero(keep)) if keep.any() else sel
    acc = instance.accounts
    # today's owners refer to the full team: drop them, the role's team is re-aligned
    accounts = replace(
        acc,
        current_seller=np.full(len(acc), -1, dtype=np.int64),
        locked=np.zeros(len(acc), dtype=bool),
    )
    return replace(
        instance, nomenclature=nom, sellers=sellers, accounts=accounts, travel_matrix=None
    )


def _subset_sellers(sel: Sellers, idx: NDArray[np.int64]) -> Sellers:
    return Sellers(
        ids=tuple(sel.ids[i] for i in idx),
        names=tuple(sel.names[i] for i in idx),
        lat=sel.lat[idx],
        lon=sel.lon[idx],
        role=tuple(sel.role[i] for i in idx),
        capacity_h=sel.capacity_h[idx],
        segments=tuple(sel.segments[i] for i in idx),
        product_lines=tuple(sel.product_lines[i] for i in idx),
        max_accounts=sel.max_accounts[idx],
        max_travel_min=sel.max_travel_min[idx],
        daily_h=sel.daily_h[idx],
    )


# --------------------------------------------------------------------------- candidate towns


@dataclass(frozen=True)
class Towns:
    """Candidate bases: one point per town (unit), at the mean position of its accounts."""

    ids: tuple[str, ...]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    of_account: NDArray[np.int64]  # town index of every account


def candidate_towns(instance: Instance) -> Towns:
    """The accounts' towns: units when the instance has them, else rounded coordinates."""
    acc = instance.accounts
    if instance.units is not None and (acc.unit >= 0).all():
        keys = acc.unit
        names = instance.units.ids
        uniq, inv = np.unique(keys, return_inverse=True)
        ids = tuple(names[u] for u in uniq.tolist())
    else:
        # ~1 km cells stand for towns when no units are given
        cell = np.round(acc.lat, 2) * 1e4 + np.round(acc.lon, 2)
        uniq, inv = np.unique(cell, return_inverse=True)
        ids = tuple(
            f"{acc.lat[inv == k].mean():.3f},{acc.lon[inv == k].mean():.3f}"
            for k in range(len(uniq))
        )
    n = len(uniq)
    cnt = np.bincount(inv, minlength=n)
    lat = np.bincount(inv, weights=acc.lat, minlength=n) / cnt
    lon = np.bincount(inv, weights=acc.lon, minlength=n) / cnt
    return Towns(ids, lat, lon, inv.astype(np.int64))


# --------------------------------------------------------------------------- sizing


@dataclass(frozen=True)
class SizeStep:
    """The capacity check for ``k`` sellers (hours per week)."""

    sellers: int
    desk_h: float
    travel_lb_h: float  # proven lower bound on the travel of any alignment with k bases
    travel_best_h: float  # travel of the best placement found (uncapacitated p-median)
    capacity_h: float
    pmedian_status: str

    @property
    def workload_lb_h(self) -> float:
        return self.desk_h + self.travel_lb_h

    @property
    def passes(self) -> bool:
        return self.capacity_h + 1e-9 >= self.workload_lb_h


@dataclass(frozen=True)
class Placement:
    """Where ``k`` sellers are based and what an alignment with them gives."""

    sellers: int
    capacitated: bool
    towns: tuple[str, ...]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    travel_h: float  # p-median travel (nearest base, or capacitated assignment)
    pmedian_status: str
    alignment_status: str  # optimal | feasible | infeasible | unknown
    workload_h: NDArray[np.float64]  # per placed seller, from the alignment (empty if none)
    explanation: str = ""

    @property
    def feasible(self) -> bool:
        return self.alignment_status in ("optimal", "feasible")


@dataclass(frozen=True)
class Marginal:
    """The yearly effect of a what-if on capacity, workload and expected funnel margin."""

    name: str
    capacity_h: float
    workload_h: float
    pipeline_value: float  # expected margin of the funnel if all of it is worked (per year)
    worked_share: float  # min(1, capacity / workload)

    @property
    def expected_margin(self) -> float:
        return self.pipeline_value * self.worked_share


@dataclass(frozen=True)
class SizingReport:
    """Outcome of :func:`size_sales_force`."""

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


@dataclass(frozen=True)
class _Clients:
    """The p-median clients: accounts with visits, or their towns when there are too many."""

    cost: NDArray[np.float64]  # weekly round-trip travel hours, clients × candidate towns
    desk_h: NDArray[np.float64]  # desk hours of each client
    other_desk_h: float  # desk hours of the accounts without visits (not clients)
    aggregated: bool


def _pmedian_clients(
    instance: Instance, towns: Towns, desk: NDArray[np.float64], visits: NDArray[np.float64]
) -> _Clients:
    acc = instance.accounts
    clients = np.flatnonzero(visits > 0)
    other = float(desk.sum() - desk[clients].sum())
    if len(clients) * len(towns.ids) > MAX_PMEDIAN_PAIRS:
        t = towns.of_account[clients]
        n = len(towns.ids)
        w = np.bincount(t, weights=visits[clients], minlength=n)
        d = np.bincount(t, weights=desk[clients], minlength=n).astype(np.float64)
        used = np.flatnonzero(w > 0)
        km = haversine_km(
            towns.lat[used][:, None],
            towns.lon[used][:, None],
            towns.lat[None, :],
            towns.lon[None, :],
        )
        cost = w[used][:, None] * 2.0 * instance.travel.minutes(km) / 60.0
        return _Clients(cost, d[used], other, True)
    km = haversine_km(
        acc.lat[clients][:, None], acc.lon[clients][:, None], towns.lat[None, :], towns.lon[None, :]
    )
    cost = visits[clients][:, None] * 2.0 * instance.travel.minutes(km) / 60.0
    return _Clients(cost, desk[clients], other, False)


def funnel_values(nomenclature: Nomenclature) -> dict[tuple[str, str], float]:
    """Expected margin of one account by (stage, segment): P(stage → deal) × deal value."""
    conv = nomenclature.conversion
    out: dict[tuple[str, str], float] = {}
    for seg in nomenclature.segments:
        dv = float(nomenclature.deal_value.get(seg, 0.0))
        p = 1.0
        for stage in reversed(STAGES[:-1]):  # opportunity, prospect, lead
            p *= float(conv.get(stage, 0.0))
            out[(stage, seg)] = p * dv
        out[("customer", seg)] = 0.0
    return out


def _lead_cycle_hours(instance: Instance, travel_min: NDArray[np.float64]) -> NDArray[np.float64]:
    """Expected weekly workload that one new lead brings over its funnel, per lead account.

    Lead actions, plus prospect actions × c_lead, plus opportunity actions × c_lead·c_prospect,
    each with the account's round trip ``travel_min`` per visit.
    """
    acc = instance.accounts
    conv = instance.nomenclature.conversion
    hours = np.zeros(len(acc))
    weight = 1.0
    for stage in ("lead", "prospect", "opportunity"):
        as_stage = replace(acc, stage=tuple(stage for _ in range(len(acc))))
        wl = account_workload(replace(instance, accounts=as_stage))
        hours += weight * (wl.total_desk_h + wl.total_visits * 2.0 * travel_min / 60.0)
        weight *= float(conv.get(stage, 0.0))
    return hours


def marginal_values(
    instance: Instance, lead_share: float = 0.2, seed: int = 0
) -> tuple[Marginal, ...]:
    """Today, +1 seller and +``lead_share`` leads: capacity, workload and expected margin.

    Workloads are the build-up figures (travel to the nearest base). The new leads are valued
    through the whole funnel (see the module docstring).
    """
    acc, sel = instance.accounts, instance.sellers
    values = funnel_values(instance.nomenclature)
    pipeline = float(sum(values[(st, sg)] for st, sg in zip(acc.stage, acc.segment, strict=True)))

    def buildup(inst: Instance) -> tuple[float, NDArray[np.float64]]:
        a, s = inst.accounts, inst.sellers
        _, km = nearest_sellers(a.lat, a.lon, s.lat, s.lon, 1)
        tmin = inst.travel.minutes(km[:, 0])
        wl = account_workload(inst)
        return float((wl.total_desk_h + wl.total_visits * 2.0 * tmin / 60.0).sum()), tmin

    work, tmin = buildup(instance)
    cap = float(sel.capacity_h.sum())
    out = [Marginal("today", cap, work, pipeline, min(1.0, cap / work) if work > 0 else 1.0)]

    plus = add_sellers(instance, 1)
    work1, _ = buildup(plus)
    cap1 = float(plus.sellers.capacity_h.sum())
    out.append(
        Marginal("+1 seller", cap1, work1, pipeline, min(1.0, cap1 / work1) if work1 > 0 else 1.0)
    )

    leads = np.flatnonzero(np.array(acc.stage) == "lead")
    n_new = int(round(lead_share * len(leads)))
    if n_new:
        rng = np.random.default_rng(seed)
        src = rng.choice(leads, size=n_new, replace=n_new > len(leads))
        cycle = _lead_cycle_hours(instance, tmin)
        extra_work = float(cycle[src].sum())
        extra_value = float(sum(values[("lead", acc.segment[a])] for a in src.tolist()))
    else:
        extra_work = extra_value = 0.0
    work2 = work + extra_work
    label = f"+{lead_share:.0%} leads"
    out.append(
        Marginal(
            label, cap, work2, pipeline + extra_value, min(1.0, cap / work2) if work2 > 0 else 1.0
        )
    )
    return tuple(out)


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
    cl = _pmedian_clients(view, towns, desk, visits)
    upper = max_sellers if max_sellers is not None else max(4, 2 * len(instance.sellers))
    upper = min(upper, m)

    # workload build-up with today's bases, for reference
    _, km = nearest_sellers(acc.lat, acc.lon, sel.lat, sel.lon, 1)
    buildup_w = D + float((visits * 2.0 * view.travel.minutes(km[:, 0]) / 60.0).sum())
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
                "not needed (desk hours alone exceed capacity)",
            )
        )
    pm_cache: dict[int, PMedianResult] = {}

    def check(k: int) -> bool:
        if cl.cost.shape[0] == 0:
            step = SizeStep(k, D, 0.0, 0.0, k * cbar, "optimal")
        else:
            res = solve_pmedian(cl.cost, k, time_limit_s=time_limit_s, workers=workers, seed=seed)
            pm_cache[k] = res
            step = SizeStep(
                k, D, float(res.best_bound), float(res.objective), k * cbar, res.status.value
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
    cl: _Clients,
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
        travel, status = 0.0, "optimal"
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
    if pm is None or (capacitated and not explanation and pm.status.value == "unknown"):
        pm = solve_pmedian(cl.cost, k, time_limit_s=time_limit_s, workers=workers, seed=seed)
    placement = _align_at(
        view, towns, k, cbar, capacitated, np.array(pm.medians, dtype=np.int64),
        float(pm.objective), pm.status.value, explanation, time_limit_s, workers, seed,
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
            float(pm.objective), pm.status.value, note, time_limit_s, workers, seed,
        )  # fmt: skip
    return placement


def _capacitated(
    cl: _Clients,
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
    status: str,
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
            k, capacitated, *where, travel, status, "infeasible", np.zeros(0), why
        )
    kp = compute_kpis(inst, res)
    ok = kp.totals["overloaded_sellers"] == 0 and kp.totals["uncovered_items"] == 0
    astatus = res.status.value if ok else "infeasible"
    if astatus == "unknown":
        explanation = explanation or "no alignment found within the time limit"
    workload = kp.sellers["workload_h"].to_numpy(dtype=float)
    return Placement(k, capacitated, *where, travel, status, astatus, workload, explanation)


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
    """The report as tables (for the CLI and for files)."""
    steps = pd.DataFrame(
        [
            {
                "sellers": s.sellers,
                "capacity_h": s.capacity_h,
                "desk_h": s.desk_h,
                "travel_lb_h": s.travel_lb_h,
                "workload_lb_h": s.workload_lb_h,
                "passes": s.passes,
                "pmedian": s.pmedian_status,
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
                "pmedian": p.pmedian_status,
                "alignment": p.alignment_status,
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
