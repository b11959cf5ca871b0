"""The independent checker: every hard rule of an alignment, recomputed from the instance.

A solve may only call an alignment a solution when it meets every hard rule. The solver
checks its own work on its own data (bundles, sparse candidates, loads snapped to CP-SAT's
integer scale, balance bands multiplied out), and a defect there would pass unnoticed. This
module does not look at any of that: it reads the alignment's rows (account, seller, product
line or role), the instance and the scenario, recomputes each seller's workload with
:mod:`allocate.core.workload` (the one owner of the formula) and the real, unscaled
potentials and counts, and checks:

``coverage``
    every account is served, each of its rows once, by a seller of the instance;
``eligibility``
    the seller may serve the row under the model: its segment (a multi-site group's segment,
    :mod:`allocate.core.groups`) for ``size`` and ``hybrid``, its product line for
    ``value_proposition``, its role for ``roles``, only generalists with ``respect_roles``;
``max_travel``
    the one-way trip is within the seller's ``max_travel_min`` (locked rows excepted: a lock
    wins over the limit, as in the model);
``lock``
    a locked account stays with its current seller on every row that seller may serve;
``group``
    the sites of a multi-site group have one owner (one per product line or role in the
    models that split accounts);
``capacity`` and ``max_accounts``
    each seller's workload (travel included) is within ``capacity_h``, its accounts within
    ``max_accounts``;
``moves``
    the accounts moved away from a current seller who may still serve them are within
    ``max_moves`` / ``max_moves_share``;
``balance``
    for each *hard* band, every seller's workload, potential or count lies within ±τ of the
    capacity-weighted mean of its balance group, on the unscaled values.

The balance bands of every measure (hard or soft) are also measured (:class:`BandReport`), so
the KPIs report how far from its band each measure is. Contiguity is not a hard rule of the
scenario (split territories are counted by the KPI ``non_contiguous_territories``).

Tolerances: a few parts in a billion of the values compared (floating-point noise), nothing
more; a band is checked on the values a user would add up from the written alignment.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from allocate.core.groups import owner_segments
from allocate.core.instance import Instance
from allocate.core.result import Alignment
from allocate.core.scenario import Scenario, scenario_instance
from allocate.core.workload import account_workload, travel_minutes, visit_travel_h
from allocate.organize.presets import ROLE_FALLBACK

#: Relative tolerance of every comparison (floating-point noise only).
REL_TOL = 1e-9
#: At most this many breaches of one rule are listed (the count is always given).
MAX_LISTED = 10

_MEASURES = (("workload", "load"), ("potential", "potential"), ("count", "count"))


@dataclass(frozen=True)
class BandReport:
    """How far one balanced measure lies from its ±τ band, over every balance group.

    Attributes
    ----------
    measure
        ``workload`` (hours per week), ``potential`` (€) or ``count`` (rows: accounts, or
        account × product line / role).
    tolerance, hard
        The band of the scenario.
    max_dev_pct
        Largest deviation of a seller from its capacity-weighted target, in % of the target.
    outside
        Total amount outside the bands (in the measure's unit), summed over sellers.
    sellers_outside
        Sellers outside their band.
    """

    measure: str
    tolerance: float
    hard: bool
    max_dev_pct: float
    outside: float
    sellers_outside: int

    def as_dict(self) -> dict[str, float | int | bool]:
        """The report as JSON-ready values (for the run's KPIs)."""
        return {
            "tolerance": self.tolerance,
            "hard": self.hard,
            "max_dev_pct": self.max_dev_pct,
            "outside": self.outside,
            "sellers_outside": self.sellers_outside,
        }


@dataclass(frozen=True)
class CheckReport:
    """What the checker found.

    Attributes
    ----------
    breaches
        One line per broken hard rule (``rule: what``), at most :data:`MAX_LISTED` per rule
        followed by a count of the others.
    bands
        Per balanced measure, its :class:`BandReport`.
    groups_split
        Ids of the multi-site groups served by more than one seller for the same row key.
    """

    breaches: tuple[str, ...]
    bands: dict[str, BandReport] = field(default_factory=dict)
    groups_split: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no hard rule is broken."""
        return not self.breaches


def check_alignment(instance: Instance, alignment: Alignment, scenario: Scenario) -> CheckReport:
    """Check every hard rule of ``alignment`` (see the module docstring).

    Parameters
    ----------
    instance
        The instance solved (the scenario's travel parameters, when set, apply).
    alignment
        The alignment to check; a seller of ``-1`` is an unserved row.
    scenario
        Its scenario (model, balance bands, move cap, ``respect_roles``).

    Returns
    -------
    CheckReport
        The breaches (empty when every hard rule holds), the bands and the split groups.
    """
    instance = scenario_instance(instance, scenario)
    found: dict[str, list[str]] = defaultdict(list)
    acc, sel = instance.accounts, instance.sellers
    m = len(sel)
    model = alignment.model
    a_of = np.asarray(alignment.account, dtype=np.int64)
    s_of = np.asarray(alignment.seller, dtype=np.int64)
    keys = alignment.key
    _coverage(instance, alignment, found)
    ok_row = (s_of >= 0) & (s_of < m) & (a_of >= 0) & (a_of < len(acc))  # the others: coverage
    rows = np.flatnonzero(ok_row)
    a_r, s_r = a_of[rows], s_of[rows]
    desk, visits = _row_work(instance, alignment, rows)
    tmin = travel_minutes(instance, s_r, a_r)
    work = desk + visit_travel_h(visits, tmin)
    eligible = _Eligibility(instance, scenario, model)
    may = eligible.rows(a_r, s_r, [keys[r] for r in rows])
    for r in rows[~may]:
        found["eligibility"].append(
            f"{_row_name(instance, alignment, int(r))} may not be served by {sel.ids[s_of[r]]} under {model}"
        )
    locked_here = acc.locked[a_r] & (acc.current_seller[a_r] == s_r)
    too_far = (tmin > sel.max_travel_min[s_r] * (1 + REL_TOL)) & ~locked_here
    for k in np.flatnonzero(too_far):
        found["max_travel"].append(
            f"{_row_name(instance, alignment, int(rows[k]))}: {tmin[k]:.1f} min from {sel.ids[s_r[k]]} "
            f"(max_travel_min {sel.max_travel_min[s_r[k]]:g})"
        )
    _locks(instance, alignment, rows, eligible, found)
    split = _groups(instance, alignment, rows, found)
    _capacity(instance, s_r, a_r, work, found)
    _moves(instance, scenario, alignment, rows, eligible, found)
    bands = _bands(instance, scenario, model, s_r, a_r, work, found)
    breaches: list[str] = []
    for rule, lines in found.items():
        breaches.extend(f"{rule}: {line}" for line in lines[:MAX_LISTED])
        if len(lines) > MAX_LISTED:
            breaches.append(f"{rule}: ... and {len(lines) - MAX_LISTED} more")
    return CheckReport(tuple(breaches), bands, split)


def _row_name(instance: Instance, alignment: Alignment, r: int) -> str:
    name = instance.accounts.ids[alignment.account[r]]
    return f"{name} ({alignment.key[r]})" if alignment.key_kind else name


def _coverage(instance: Instance, alignment: Alignment, found: dict[str, list[str]]) -> None:
    """Every account served, each (account, key) once, every seller one of the instance's."""
    acc, m = instance.accounts, len(instance.sellers)
    a_of, s_of = alignment.account, alignment.seller
    bad = (a_of < 0) | (a_of >= len(acc))
    for r in np.flatnonzero(bad):
        found["coverage"].append(f"row {r} names no account of the instance")
    for r in np.flatnonzero(~bad & ((s_of < 0) | (s_of >= m))):
        found["coverage"].append(f"{_row_name(instance, alignment, int(r))} has no seller")
    served = np.zeros(len(acc), dtype=bool)
    served[a_of[~bad]] = True
    for a in np.flatnonzero(~served):
        found["coverage"].append(f"{acc.ids[a]} is not in the alignment")
    good = np.flatnonzero(~bad)
    codes: dict[str, int] = {}
    key_code = np.array([codes.setdefault(alignment.key[r], len(codes)) for r in good], dtype=np.int64)
    pair = a_of[good] * max(1, len(codes)) + key_code
    order = np.argsort(pair, kind="stable")
    again = order[1:][pair[order][1:] == pair[order][:-1]]
    for r in good[np.sort(again)]:
        found["coverage"].append(f"{_row_name(instance, alignment, int(r))} appears twice")


def _serving_roles(instance: Instance) -> dict[str, str]:
    """The role whose sellers take each role's work in the ``roles`` model (the stand-ins)."""
    have = {r for r in instance.sellers.role}
    out = {}
    for r, options in ROLE_FALLBACK.items():
        out[r] = next((o for o in options if o in have), r)
    out["generalist"] = "generalist"
    return out


def _row_work(instance: Instance, alignment: Alignment, rows: NDArray[np.int64]) -> tuple[NDArray, NDArray]:
    """Desk hours and visits per week of each row, from the account's playbook.

    A whole account carries its whole playbook; an (account, product line) row the account's
    non-visit hours shared evenly over its lines plus every visit (each specialist visits);
    an (account, role) row the operations of the roles that this role serves.
    """
    wl = account_workload(instance)
    a = alignment.account[rows]
    if alignment.key_kind == "":
        return wl.total_desk_h[a], wl.total_visits[a]
    if alignment.key_kind == "product_line":
        n_lines = np.array([max(1, len(instance.accounts.product_lines[x])) for x in a], dtype=float)
        on_site = wl.total_visit_h[a]
        return (wl.total_desk_h[a] - on_site) / n_lines + on_site, wl.total_visits[a]
    serving = _serving_roles(instance)
    desk = np.zeros(len(rows))
    visits = np.zeros(len(rows))
    for k, role in enumerate(wl.roles):
        mine = np.array([serving.get(role, role) == alignment.key[r] for r in rows], dtype=bool)
        desk += np.where(mine, wl.desk_h[a, k], 0.0)
        visits += np.where(mine, wl.visits[a, k], 0.0)
    return desk, visits


class _Eligibility:
    """Whether seller ``s`` may serve account ``a``'s row of key ``key`` under a model.

    Called on whole arrays of rows (:meth:`rows`); the tables are built once per check.
    """

    def __init__(self, instance: Instance, scenario: Scenario, model: str) -> None:
        sel, acc = instance.sellers, instance.accounts
        self.acc = acc
        self.model = model
        self.outer = scenario.hybrid_outer if model == "hybrid" else model
        generalists_only = scenario.respect_roles and model not in ("generalist", "roles")
        self.role = np.array(sel.role, dtype=object)
        self.pool = (self.role == "generalist") if generalists_only else np.ones(len(sel), dtype=bool)
        if self.outer == "size":
            segs = list(instance.nomenclature.segments)
            for seg in set(acc.segment) - set(segs):
                segs.append(seg)
            index = {seg: k for k, seg in enumerate(segs)}
            self.seg_of = np.array([index[seg] for seg in owner_segments(instance)], dtype=np.int64)
            self.serves = np.array([[sel.serves_segment(x, seg) for seg in segs] for x in range(len(sel))], dtype=bool)
        elif self.outer == "value_proposition":
            self.lines = {line: k for k, line in enumerate(instance.product_lines)}
            self.serves = np.array(
                [[sel.serves_line(x, line) for line in self.lines] for x in range(len(sel))], dtype=bool
            ).reshape(len(sel), len(self.lines))

    def rows(self, a: NDArray[np.int64], s: NDArray[np.int64], keys: list[str]) -> NDArray[np.bool_]:
        """The rule on rows (account ``a[k]``, seller ``s[k]``, key ``keys[k]``)."""
        ok = self.pool[s].copy()
        if self.outer == "size":
            ok &= self.serves[s, self.seg_of[a]]
        elif self.outer == "value_proposition":
            line = np.array([self.lines.get(k, -1) for k in keys], dtype=np.int64)
            has = np.array([k in self.acc.product_lines[x] for x, k in zip(a, keys, strict=True)], dtype=bool)
            ok &= has & (line >= 0) & self.serves[s, np.maximum(line, 0)]
        elif self.model == "roles":
            ok &= self.role[s] == np.array(keys, dtype=object)
        return ok

    def __call__(self, a: int, s: int, key: str) -> bool:
        return bool(self.rows(np.array([a]), np.array([s]), [key])[0])


def _locks(instance, alignment, rows, eligible, found) -> None:
    """A locked account keeps its current seller on every row that seller may serve."""
    acc, sel = instance.accounts, instance.sellers
    a = alignment.account[rows]
    cur = acc.current_seller[a]
    away = rows[acc.locked[a] & (cur >= 0) & (alignment.seller[rows] != cur)]
    if not len(away):
        return
    a, cur = alignment.account[away], acc.current_seller[alignment.account[away]]
    for r in away[eligible.rows(a, cur, [alignment.key[r] for r in away])]:
        c = int(acc.current_seller[alignment.account[r]])
        found["lock"].append(
            f"{_row_name(instance, alignment, int(r))} is locked to {sel.ids[c]} but served by "
            f"{sel.ids[alignment.seller[r]]}"
        )

def _groups(instance, alignment, rows, found) -> tuple[str, ...]:
    """The sites of a multi-site group share one owner (per product line or role)."""
    acc, sel = instance.accounts, instance.sellers
    owners: dict[tuple[int, str], set[int]] = defaultdict(set)
    for r in rows[acc.group[alignment.account[rows]] >= 0]:
        g = int(acc.group[alignment.account[r]])
        owners[(g, alignment.key[r])].add(int(alignment.seller[r]))
    split = []
    for (g, key), ss in sorted(owners.items()):
        if len(ss) > 1:
            what = f"group {acc.group_ids[g]}" + (f" ({key})" if key else "")
            found["group"].append(f"{what} is served by {len(ss)} sellers: {', '.join(sel.ids[s] for s in sorted(ss))}")
            split.append(acc.group_ids[g])
    return tuple(dict.fromkeys(split))


def _capacity(instance, s_r, a_r, work, found) -> None:
    """Workload within capacity, accounts within ``max_accounts``."""
    sel = instance.sellers
    m = len(sel)
    load = np.bincount(s_r, weights=work, minlength=m)
    over = load > sel.capacity_h * (1 + REL_TOL) + REL_TOL
    for s in np.flatnonzero(over):
        found["capacity"].append(f"{sel.ids[s]} carries {load[s]:,.3f} h/week, capacity {sel.capacity_h[s]:g} h")
    pairs = np.unique(s_r * len(instance.accounts) + a_r)  # (seller, account) once each
    n_acc = np.bincount(pairs // len(instance.accounts), minlength=m)
    for s in np.flatnonzero((sel.max_accounts >= 0) & (n_acc > sel.max_accounts)):
        found["max_accounts"].append(f"{sel.ids[s]} holds {n_acc[s]} accounts, max_accounts {sel.max_accounts[s]}")


def moved_accounts(instance: Instance, alignment: Alignment, eligible=None) -> int:
    """Accounts moved away from a current seller who could still serve them.

    Parameters
    ----------
    instance
        The instance (today's sellers).
    alignment
        The alignment.
    eligible
        The eligibility rule of the model (``None``: any seller may serve any row).

    Returns
    -------
    int
        Accounts with at least one row that today's seller may serve and that someone else
        serves.
    """
    cur = instance.accounts.current_seller[alignment.account]
    away = np.flatnonzero((cur >= 0) & (alignment.seller != cur))
    if eligible is not None and len(away):
        away = away[eligible.rows(alignment.account[away], cur[away], [alignment.key[r] for r in away])]
    return int(len(np.unique(alignment.account[away])))

def _moves(instance, scenario, alignment, rows, eligible, found) -> None:
    """The cap on accounts moved (``max_moves`` or ``max_moves_share``)."""
    cap = scenario.max_moves
    if scenario.max_moves_share is not None:
        cap = int(np.floor(scenario.max_moves_share * int((instance.accounts.current_seller >= 0).sum())))
    if cap is None:
        return
    n = moved_accounts(instance, alignment, eligible)
    if n > cap:
        found["moves"].append(f"{n} accounts moved, the cap is {cap}")


def balance_groups(instance: Instance, scenario: Scenario, model: str) -> list[NDArray[np.int64]]:
    """The groups of sellers balanced together under ``model``.

    Parameters
    ----------
    instance
        The instance.
    scenario
        The scenario (``respect_roles``, ``hybrid_outer``).
    model
        The organization model.

    Returns
    -------
    list of ndarray
        Seller indices of each group: everyone taking part (``geography``, ``generalist``), the
        sellers with the same segments (``size``) or product lines (``value_proposition``), or
        the same role (``roles``).
    """
    sel = instance.sellers
    pool = range(len(sel))
    if scenario.respect_roles and model not in ("generalist", "roles"):
        pool = [s for s in pool if sel.role[s] == "generalist"]  # type: ignore[assignment]
    outer = scenario.hybrid_outer if model == "hybrid" else model
    groups: dict[object, list[int]] = defaultdict(list)
    for s in pool:
        if outer == "size":
            key: object = sel.segments[s]
        elif outer == "value_proposition":
            key = sel.product_lines[s]
        elif model == "roles":
            key = sel.role[s]
        else:
            key = "all"
        groups[key].append(s)
    return [np.array(g, dtype=np.int64) for g in groups.values()]


def _bands(instance, scenario, model, s_r, a_r, work, found) -> dict[str, BandReport]:
    """Each balanced measure against its band, on unscaled values; hard bands are rules."""
    acc, sel = instance.accounts, instance.sellers
    m = len(sel)
    rows_per_account = np.bincount(a_r, minlength=len(acc))
    values = {
        "load": np.bincount(s_r, weights=work, minlength=m),
        "potential": np.bincount(
            s_r, weights=acc.potential[a_r] / np.maximum(rows_per_account[a_r], 1), minlength=m
        ),
        "count": np.bincount(s_r, minlength=m).astype(float),
    }
    out = {}
    groups = balance_groups(instance, scenario, model)
    for name, measure in _MEASURES:
        spec = getattr(scenario.balance, name)
        if spec is None:
            continue
        q = values[measure]
        worst, outside, n_out = 0.0, 0.0, 0
        for g in groups:
            cap = sel.capacity_h[g]
            total = float(q[g].sum())
            target = cap / cap.sum() * total
            hi = (1 + spec.tolerance) * target
            lo = (1 - spec.tolerance) * target
            slack = REL_TOL * max(1.0, abs(total))
            excess = np.maximum(q[g] - hi - slack, 0) + np.maximum(lo - q[g] - slack, 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                dev = np.where(target > 0, np.abs(q[g] - target) / target, 0.0)
            worst = max(worst, float(dev.max(initial=0.0)) * 100)
            outside += float(excess.sum())
            n_out += int((excess > 0).sum())
            if spec.hard:
                for k in np.flatnonzero(excess > 0):
                    found["balance"].append(
                        f"{name} of {sel.ids[g[k]]} is {q[g[k]]:,.3f}, outside its hard band "
                        f"[{lo[k]:,.3f}, {hi[k]:,.3f}] (±{spec.tolerance:.1%})"
                    )
        out[name] = BandReport(name, spec.tolerance, spec.hard, worst, outside, n_out)
    return out
