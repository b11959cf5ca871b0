"""Organization models (presets) over the one general assignment model.

Every preset turns an :class:`~allocate.core.instance.Instance` and a
:class:`~allocate.core.scenario.Scenario` into rows (what is assigned), eligibility classes (who
may serve it) and balance groups, then :func:`~allocate.organize.items.build_problem` makes the
sparse :class:`~allocate.solvers.problem.AssignmentProblem` written out in
:mod:`allocate.solvers.problem`. With ``x[i, s]`` = 1 when item *i* goes to seller *s*:

``geography``
    An item is an account; the accounts of one unit (town) form one bundle, so territories
    are unions of whole units. Any seller may serve it (every seller works the full cycle,
    unless ``respect_roles``); candidates are the ``candidates`` nearest bases. The cost is
    weekly travel ``Σ visits_a · 2 · t(s, a) / 60``, so minimizing it yields compact
    territories; after the solve, a contiguity repair makes each territory one connected set
    of units (see :mod:`allocate.solvers.contiguity.repair`).
``size``
    An item is an account; seller *s* may serve it when its ``segments`` include the
    account's segment; the sites of a multi-site group all take the group's segment (its
    largest site's, :mod:`allocate.core.groups`), so the group keeps one owner.
    Balance groups: sellers with the same segment skills.
``value_proposition``
    An item is an (account, product line) pair; seller *s* may serve it when its
    ``product_lines`` include the line. The account's non-visit work is split evenly over its
    lines, and every specialist visits at the playbook frequency, so each one's travel counts.
``roles``
    An item is an (account, role) pair, one per role that has operations in the account's
    playbook: lead → MRR/SDR, prospect and opportunity → AE, customer → CSM. Only sellers of
    that role may serve it; when a team has no seller of a role, MRR and SDR stand in for each
    other, and a ``generalist`` seller takes any role that nobody holds.
    Balance groups: sellers of one role.
``generalist``
    An item is an account served for its whole cycle by any one seller; no skill filter.
``hybrid``
    Geography inside each size segment: the eligibility of ``size`` (or of
    ``value_proposition`` with ``hybrid_outer``) with the unit bundles and contiguity repair of
    ``geography`` applied within each skill group.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from allocate.core.errors import InfeasibleError, Shortfall
from allocate.core.groups import owner_segments
from allocate.core.instance import Instance
from allocate.core.scenario import Scenario
from allocate.core.workload import account_workload
from allocate.organize.items import ModelProblem, Rows, build_problem, bundle_rows

ROLE_FALLBACK = {
    "MRR": ("MRR", "SDR", "generalist"),
    "SDR": ("SDR", "MRR", "generalist"),
    "AE": ("AE", "generalist"),
    "CSM": ("CSM", "generalist"),
}


def build_model(instance: Instance, scenario: Scenario, model: str | None = None) -> ModelProblem:
    """The :class:`ModelProblem` of preset ``model`` (default: ``scenario.model``).

    Parameters
    ----------
    instance
        The instance.
    scenario
        The scenario (its model, unless ``model`` is given).
    model
        One of geography, generalist, size, value_proposition, roles, hybrid.

    Returns
    -------
    ModelProblem
        The model's rows and assignment problem.

    Raises
    ------
    ValueError
        For an unknown model.
    InfeasibleError
        When no seller may serve some eligibility class (a role, a segment...).
    """
    name = model or scenario.model
    # The last model built is kept: the KPIs of a solve need the same model, and building it
    # again costs seconds on large instances. Keyed by the instance object (weakly) and the
    # scenario's content; the model is frozen.
    key = (scenario.model_dump_json(), name)
    with _LAST_LOCK:
        last = _LAST.get("model")
        if last is not None and last[0]() is instance and last[1] == key:
            return last[2]
    builders = {
        "geography": _geography,
        "generalist": _generalist,
        "size": _size,
        "value_proposition": _value_proposition,
        "roles": _roles,
        "hybrid": _hybrid,
    }
    if name not in builders:
        raise ValueError(f"unknown organization model {name!r}; expected one of {', '.join(builders)}")
    built = builders[name](instance, scenario)
    with _LAST_LOCK:
        _LAST["model"] = (weakref.ref(instance), key, built)
    return built


_LAST: dict[str, tuple[weakref.ref, tuple[str, str], ModelProblem]] = {}
_LAST_LOCK = threading.Lock()


def _all_sellers(instance: Instance, scenario: Scenario) -> np.ndarray:
    sel = instance.sellers
    if scenario.respect_roles:
        return np.array([s for s in range(len(sel)) if sel.role[s] == "generalist"], dtype=np.int64)
    return np.arange(len(sel), dtype=np.int64)


def _account_rows(instance: Instance, classes: list[str], by_unit: bool) -> Rows:
    wl = account_workload(instance)
    n = len(instance.accounts)
    account = np.arange(n, dtype=np.int64)
    key = tuple("" for _ in range(n))
    # bundles never mix eligibility classes: key the bundle by the class
    bundle = bundle_rows(instance, account, tuple(classes), by_unit)
    return Rows(account, key, "", wl.total_desk_h.copy(), wl.total_visits.copy(), tuple(classes), bundle)


def _geography(instance: Instance, scenario: Scenario) -> ModelProblem:
    sellers = _all_sellers(instance, scenario)
    rows = _account_rows(instance, ["all accounts"] * len(instance.accounts), by_unit=instance.units is not None)
    return build_problem(
        "geography", instance, scenario, rows, {"all accounts": sellers}, _one_group(instance, sellers),
        anchors=territory_anchors(instance, sellers, rows.desk_h + rows.visits),
    )


def territory_anchors(instance: Instance, sellers: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A point per seller around which its territory should gather.

    Sellers sharing an office have the same travel costs, so travel alone lets their
    territories interleave like a checkerboard. Each office's nearby demand (the accounts whose
    nearest base it is, weighted by workload) is split by a seeded weighted k-means into as
    many clusters as the office has sellers; each seller gets one cluster's centroid (a
    seller alone at its base keeps the base).

    Parameters
    ----------
    instance
        The instance.
    sellers
        The sellers taking part in the model.
    weight
        Workload of each account (any other length: every account weighs 1).

    Returns
    -------
    lat, lon : ndarray
        Anchor of every seller of the instance (its base when it does not share an office or
        is not taking part).
    """
    from allocate.core.travel import nearest_sellers

    acc, sel = instance.accounts, instance.sellers
    lat = sel.lat.astype(float).copy()
    lon = sel.lon.astype(float).copy()
    if len(sellers) == 0:
        return lat, lon
    idx, _ = nearest_sellers(acc.lat, acc.lon, sel.lat[sellers], sel.lon[sellers], 1)
    nearest = sellers[idx[:, 0]]
    office: dict[tuple[float, float], list[int]] = {}
    for s in sellers:
        office.setdefault((round(float(sel.lat[s]), 5), round(float(sel.lon[s]), 5)), []).append(int(s))
    rng = np.random.default_rng(0)
    for members in office.values():
        if len(members) < 2:
            continue
        pts = np.flatnonzero(np.isin(nearest, members))
        if len(pts) < len(members):
            continue
        x = np.column_stack([acc.lat[pts], acc.lon[pts] * np.cos(np.radians(acc.lat[pts]))])
        w = np.maximum(weight[pts] if len(weight) == len(acc) else np.ones(len(pts)), 1e-6)
        centers = x[rng.choice(len(pts), size=len(members), replace=False)]
        for _ in range(30):
            lab = np.argmin(((x[:, None, :] - centers[None, :, :]) ** 2).sum(-1), axis=1)
            for c in range(len(members)):
                m = lab == c
                if m.any():
                    centers[c] = (x[m] * w[m, None]).sum(0) / w[m].sum()
        # sellers in id order take the clusters in angular order around the office
        base = np.array([sel.lat[members[0]], sel.lon[members[0]] * np.cos(np.radians(sel.lat[members[0]]))])
        order = np.argsort(np.arctan2(centers[:, 0] - base[0], centers[:, 1] - base[1]), kind="stable")
        for s, c in zip(sorted(members), order, strict=True):
            lat[s] = centers[c, 0]
            lon[s] = centers[c, 1] / np.cos(np.radians(centers[c, 0]))
    return lat, lon


def _generalist(instance: Instance, scenario: Scenario) -> ModelProblem:
    sellers = np.arange(len(instance.sellers), dtype=np.int64)
    rows = _account_rows(instance, ["all accounts"] * len(instance.accounts), by_unit=False)
    return build_problem("generalist", instance, scenario, rows, {"all accounts": sellers}, _one_group(instance, sellers))


def _one_group(instance: Instance, sellers: np.ndarray) -> list:
    key: list = [None] * len(instance.sellers)
    for s in sellers:
        key[int(s)] = ("all",)
    return key


def _size(instance: Instance, scenario: Scenario, by_unit: bool = False, name: str = "size") -> ModelProblem:
    sel = instance.sellers
    pool = _all_sellers(instance, scenario)
    # a multi-site group is owned as its largest site's segment: one owner per group
    classes = [f"segment={seg}" for seg in owner_segments(instance)]
    eligible = {}
    for seg in instance.nomenclature.segments:
        eligible[f"segment={seg}"] = np.array([s for s in pool if sel.serves_segment(int(s), seg)], dtype=np.int64)
    rows = _account_rows(instance, classes, by_unit=by_unit)
    key = [("segments", sel.segments[s]) if s in set(pool.tolist()) else None for s in range(len(sel))]
    _check_eligible(rows.eligible_class, eligible)
    return build_problem(name, instance, scenario, rows, eligible, key)


def _hybrid(instance: Instance, scenario: Scenario) -> ModelProblem:
    if scenario.hybrid_outer == "value_proposition":
        mp = _value_proposition(instance, scenario, by_unit=instance.units is not None, name="hybrid")
        return mp
    return _size(instance, scenario, by_unit=instance.units is not None, name="hybrid")


def _value_proposition(instance: Instance, scenario: Scenario, by_unit: bool = False, name: str = "value_proposition") -> ModelProblem:
    sel = instance.sellers
    acc = instance.accounts
    wl = account_workload(instance)
    pool = _all_sellers(instance, scenario)
    desk_total, visits_total = wl.total_desk_h, wl.total_visits
    # time on site is part of desk hours; split only the non-visit part across lines
    visit_time = wl.total_visit_h
    account, keys, desk, visits, classes = [], [], [], [], []
    for a in range(len(acc)):
        lines = acc.product_lines[a]
        for line in lines:
            account.append(a)
            keys.append(line)
            desk.append((desk_total[a] - visit_time[a]) / len(lines) + visit_time[a])
            visits.append(visits_total[a])
            classes.append(f"product_line={line}")
    account_a = np.array(account, dtype=np.int64)
    bundle = bundle_rows(instance, account_a, tuple(classes), by_unit)
    rows = Rows(account_a, tuple(keys), "product_line", np.array(desk), np.array(visits), tuple(classes), bundle)
    eligible = {}
    for line in instance.product_lines:
        eligible[f"product_line={line}"] = np.array([s for s in pool if sel.serves_line(int(s), line)], dtype=np.int64)
    _check_eligible(rows.eligible_class, eligible)
    key = [("lines", sel.product_lines[s]) if s in set(pool.tolist()) else None for s in range(len(sel))]
    return build_problem(name, instance, scenario, rows, eligible, key)


def _roles(instance: Instance, scenario: Scenario) -> ModelProblem:
    sel = instance.sellers
    acc = instance.accounts
    wl = account_workload(instance)
    have = {r: np.array([s for s in range(len(sel)) if sel.role[s] == r], dtype=np.int64) for r in set(sel.role)}
    account, keys, desk, visits, classes = [], [], [], [], []
    serving_role: dict[str, str] = {}
    for r in wl.roles:
        if r == "generalist":
            continue
        options = ROLE_FALLBACK.get(r, (r,))
        serving_role[r] = next((o for o in options if o in have and len(have[o])), r)
    for a in range(len(acc)):
        merged: dict[str, tuple[float, float]] = {}
        for k, r in enumerate(wl.roles):
            d, v = wl.desk_h[a, k], wl.visits[a, k]
            if d <= 0 and v <= 0:
                continue
            target = serving_role.get(r, "generalist") if r != "generalist" else "generalist"
            od, ov = merged.get(target, (0.0, 0.0))
            merged[target] = (od + d, ov + v)
        for target, (d, v) in merged.items():
            account.append(a)
            keys.append(target)
            desk.append(d)
            visits.append(v)
            classes.append(f"role={target}")
    account_a = np.array(account, dtype=np.int64)
    bundle = bundle_rows(instance, account_a, tuple(classes), False)
    rows = Rows(account_a, tuple(keys), "role", np.array(desk), np.array(visits), tuple(classes), bundle)
    eligible = {f"role={r}": have.get(r, np.zeros(0, dtype=np.int64)) for r in set(keys)}
    _check_eligible(rows.eligible_class, eligible)
    key = [("role", sel.role[s]) for s in range(len(sel))]
    return build_problem("roles", instance, scenario, rows, eligible, key)


def _check_eligible(classes: tuple[str, ...], eligible: dict[str, np.ndarray]) -> None:
    missing = sorted({c for c in classes if len(eligible.get(c, ())) == 0})
    if missing:
        raise InfeasibleError(
            "no seller may serve some accounts",
            [Shortfall(f"{c} (no eligible seller in sellers file)", 0.0, 0.0) for c in missing],
        )
