"""Items of an organization model and how they become the solver's :class:`AssignmentProblem`.

A *row* is one thing to serve: an account, an (account, product line) pair or an (account,
role) pair, with its weekly desk hours and visits. Rows that must share one seller (the sites
of a multi-site group for the same product line or role; the accounts of one unit in a
geographic model) are merged into one solver item, a *bundle*, so "one owner per group" holds
by construction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from allocate.core.instance import Instance
from allocate.core.scenario import Scenario
from allocate.core.travel import haversine_km, nearest_sellers
from allocate.core.workload import travel_minutes, visit_travel_h
from allocate.solvers.problem import AssignmentProblem, Balance

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rows:
    """The rows of a model (see module docstring)."""

    account: NDArray[np.int64]
    key: tuple[str, ...]  # product line, role, or "" for whole accounts
    key_kind: str  # "", "product_line" or "role"
    desk_h: NDArray[np.float64]
    visits: NDArray[np.float64]
    eligible_class: tuple[str, ...]  # label of the eligibility class of each row
    bundle: NDArray[np.int64]  # solver item of each row

    def __len__(self) -> int:
        return len(self.account)


@dataclass(frozen=True)
class ModelProblem:
    """An organization model instantiated on an instance: rows, bundles and the problem."""

    name: str
    rows: Rows
    problem: AssignmentProblem
    sellers: NDArray[np.int64]  # the instance sellers taking part (problem seller k = sellers[k])
    locks_not_applied: tuple[str, ...] = ()  # locked accounts whose seller may not serve them here
    #: per candidate entry, the compactness hours (unweighted) folded into ``problem.cost``
    #: (empty when the model has no compactness term): ``cost = travel + w × compactness``
    compactness_h: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    compactness_weight: float = 0.0  # its weight in ``problem.cost``


def bundle_rows(instance: Instance, account: NDArray[np.int64], key: tuple[str, ...], by_unit: bool) -> NDArray[np.int64]:
    """Bundle index of each row: one per (group, key), per (unit, key) when ``by_unit``, else one per row.

    Parameters
    ----------
    instance
        The instance (accounts' groups, units and locks).
    account
        Account of each row.
    key
        Per row, what must stay together with the group or unit (product line, role, or
        eligibility class).
    by_unit
        Merge the rows of one unit (geographic models); locked accounts are never merged by unit.

    Returns
    -------
    ndarray of int
        Bundle of each row, numbered in order of first appearance.
    """
    acc = instance.accounts
    out = np.empty(len(account), dtype=np.int64)
    index: dict[tuple, int] = {}
    for r, a in enumerate(account):
        g = int(acc.group[a])
        if g >= 0:
            k: tuple = ("g", g, key[r])
        elif by_unit and acc.unit[a] >= 0 and not acc.locked[a]:
            k = ("u", int(acc.unit[a]), key[r])
        else:
            k = ("r", r)
        out[r] = index.setdefault(k, len(index))
    return out


def build_problem(
    name: str,
    instance: Instance,
    scenario: Scenario,
    rows: Rows,
    eligible: dict[str, NDArray[np.int64]],
    balance_key: list,
    anchors: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
) -> ModelProblem:
    """Candidates, loads and costs of every bundle, then the :class:`AssignmentProblem`.

    ``eligible[label]`` lists the sellers of an eligibility class. ``balance_key[s]`` groups
    the sellers whose workload, potential and count are balanced together. ``anchors``
    (lat, lon per seller) add the compactness term of geographic models: the travel hours
    from the seller's territory anchor, times ``weights.compactness``.

    Parameters
    ----------
    name
        The organization model's name (for messages).
    instance
        The instance.
    scenario
        Candidates, radius, weights, balance bands and move cap.
    rows
        The model's rows and their bundles.
    eligible
        Sellers of each eligibility class.
    balance_key
        Per seller, its balance group (``None``: not balanced).
    anchors
        Territory anchor of each seller, or ``None`` for no compactness term.

    Returns
    -------
    ModelProblem
        The rows, the problem, and the locked accounts whose lock cannot apply in this model.
    """
    acc, sel = instance.accounts, instance.sellers
    n_b = int(rows.bundle.max()) + 1 if len(rows) else 0
    k = scenario.candidates
    # candidate (row, seller) pairs: the k nearest eligible sellers, today's seller when
    # eligible, and (below) a locked account's owner; arrays throughout (no loop over rows)
    n_s = len(sel)
    pair_r: list[NDArray[np.int64]] = []
    pair_s: list[NDArray[np.int64]] = []
    labels_arr = np.array(rows.eligible_class, dtype=object)
    owner_eligible = np.zeros(len(rows), dtype=bool)
    for label, sellers in eligible.items():
        r_idx = np.flatnonzero(labels_arr == label)
        if len(r_idx) == 0 or len(sellers) == 0:
            continue
        a_idx = rows.account[r_idx]
        nn, km = nearest_sellers(acc.lat[a_idx], acc.lon[a_idx], sel.lat[sellers], sel.lon[sellers], k)
        if scenario.radius_km is not None:
            # keep the sellers within the radius, and always the nearest one
            far = km > scenario.radius_km
            far[:, 0] = False
            nn = np.where(far, -1, nn)
        ok = nn >= 0
        pair_r.append(np.repeat(r_idx, ok.sum(axis=1)))
        pair_s.append(np.asarray(sellers, dtype=np.int64)[nn[ok]])
        in_class = np.zeros(n_s, dtype=bool)
        in_class[np.asarray(sellers, dtype=np.int64)] = True
        cur = acc.current_seller[a_idx]
        keep = (cur >= 0) & in_class[np.maximum(cur, 0)]
        owner_eligible[r_idx[keep]] = True
        pair_r.append(r_idx[keep])
        pair_s.append(cur[keep].astype(np.int64))
    # bundle candidates = union of its rows' candidates (each bundle shares one eligibility
    # class); a locked account's owner must be a candidate of its bundle
    r_all = np.concatenate(pair_r) if pair_r else np.zeros(0, dtype=np.int64)
    s_all = np.concatenate(pair_s) if pair_s else np.zeros(0, dtype=np.int64)
    lock_rows = np.flatnonzero(owner_eligible & acc.locked[rows.account])
    r_all = np.r_[r_all, lock_rows].astype(np.int64)
    s_all = np.r_[s_all, acc.current_seller[rows.account[lock_rows]]].astype(np.int64)
    keys = np.sort(rows.bundle[r_all].astype(np.int64) * n_s + s_all)
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    seller_a = (keys % n_s).astype(np.int64) if n_s else keys
    counts = np.bincount(keys // max(n_s, 1), minlength=n_b).astype(np.int64) if n_b else np.zeros(0, dtype=np.int64)
    indptr_a = np.r_[0, np.cumsum(counts)].astype(np.int64)
    # loads: expand (bundle, seller) to (row, seller) pairs, bundle by bundle, row by row
    order = np.argsort(rows.bundle, kind="stable")
    width = counts[rows.bundle[order]]
    row_rep = np.repeat(order, width)
    first = np.repeat(np.cumsum(width) - width, width)
    entry_rep = np.repeat(indptr_a[rows.bundle[order]], width) + (np.arange(int(width.sum())) - first)
    pair_seller = seller_a[entry_rep]
    tmin = travel_minutes(instance, pair_seller, rows.account[row_rep])
    travel_h = visit_travel_h(rows.visits[row_rep], tmin)
    load_pair = rows.desk_h[row_rep] + travel_h
    nnz = len(seller_a)
    load = np.bincount(entry_rep, weights=load_pair, minlength=nnz)
    cost = np.bincount(entry_rep, weights=travel_h, minlength=nnz)
    compact: NDArray[np.float64] = np.zeros(0)
    if anchors is not None and scenario.weights.compactness > 0:
        # compactness: distance from the seller's territory anchor, priced like travel
        akm = haversine_km(anchors[0][pair_seller], anchors[1][pair_seller], acc.lat[rows.account[row_rep]], acc.lon[rows.account[row_rep]])
        anchor_h = visit_travel_h(np.maximum(rows.visits[row_rep], 0.05), instance.travel.minutes(akm))
        compact = np.bincount(entry_rep, weights=anchor_h, minlength=nnz).astype(float)
        cost = cost + scenario.weights.compactness * compact  # type: ignore[assignment]  # numpy/ortools stubs
    # max_travel_min: drop candidates that some row cannot reach
    too_far = np.bincount(entry_rep, weights=(tmin > sel.max_travel_min[pair_seller]).astype(float), minlength=nnz) > 0
    locked_entry = np.zeros(nnz, dtype=bool)
    # per-bundle attributes
    b_count = np.zeros(n_b, dtype=np.int64)
    b_pot = np.zeros(n_b)
    b_fixed = np.full(n_b, -1, dtype=np.int64)
    b_current = np.full(n_b, -1, dtype=np.int64)
    b_label: list[str] = [""] * n_b
    seen_acc: set[tuple[int, int]] = set()
    eligible_sets = {lab: set(int(s) for s in ss) for lab, ss in eligible.items()}
    rows_per_account = np.bincount(rows.account, minlength=len(acc))
    lock_held = np.zeros(len(acc), dtype=bool)
    b_movable = np.zeros(n_b, dtype=np.int64)
    stay_pairs: dict[tuple[int, int], int] = {}  # (bundle, seller today) -> accounts
    for r in range(len(rows)):  # type: ignore[assignment]  # numpy/ortools stubs
        b = int(rows.bundle[r])
        a = int(rows.account[r])
        owner_ok = int(acc.current_seller[a]) in eligible_sets.get(rows.eligible_class[r], set())
        if (b, a) not in seen_acc:
            seen_acc.add((b, a))
            b_count[b] += 1
            b_pot[b] += acc.potential[a] / max(1, int(rows_per_account[a]))
            if owner_ok:
                # an account counts as moved when it leaves its own seller today, whatever
                # the other accounts of its bundle (the town, the group) do
                b_movable[b] += 1
                key_bs = (b, int(acc.current_seller[a]))
                stay_pairs[key_bs] = stay_pairs.get(key_bs, 0) + 1
        if acc.locked[a] and owner_ok:
            b_fixed[b] = acc.current_seller[a]
        if acc.locked[a] and owner_ok:
            lock_held[a] = True
        if owner_ok and b_current[b] < 0:
            b_current[b] = acc.current_seller[a]
        b_label[b] = rows.eligible_class[r]
    # A lock binds the rows its seller may serve (in the roles model, the row of its role).
    # When the locked seller may serve none of the account's rows under this model (a CSM
    # locked on an account that the roles model gives to an AE), the lock cannot apply: it is
    # reported, not fatal, so that organization models stay comparable.
    lost = np.flatnonzero(acc.locked & (acc.current_seller >= 0) & ~lock_held)
    for a in lost[:20]:
        log.warning(
            "%s model: %s is locked to %s, who may not serve it; the lock is not applied",
            name, acc.ids[a], sel.ids[acc.current_seller[a]],
        )
    for b in np.flatnonzero(b_fixed >= 0):  # type: ignore[assignment]  # numpy/ortools stubs
        for e in range(indptr_a[b], indptr_a[b + 1]):
            if seller_a[e] == b_fixed[b]:
                locked_entry[e] = True
    keep = ~too_far | locked_entry
    if not keep.all():
        bundle_of_entry = np.repeat(np.arange(n_b), counts)
        new_counts = np.bincount(bundle_of_entry[keep], minlength=n_b)
        indptr_a = np.r_[0, np.cumsum(new_counts)].astype(np.int64)
        seller_a, load, cost = seller_a[keep], load[keep], cost[keep]
        compact = compact[keep] if len(compact) else compact
    # accounts of each entry's bundle that are with the entry's seller today
    entry_bundle = np.repeat(np.arange(n_b), np.diff(indptr_a))
    stays = np.zeros(len(seller_a), dtype=np.int64)
    if stay_pairs:
        pair_keys = np.array([b * n_s + s for b, s in stay_pairs], dtype=np.int64)
        pair_vals = np.array(list(stay_pairs.values()), dtype=np.int64)
        order_k = np.argsort(pair_keys)
        pair_keys, pair_vals = pair_keys[order_k], pair_vals[order_k]
        ekeys = entry_bundle * n_s + seller_a
        pos = np.clip(np.searchsorted(pair_keys, ekeys), 0, len(pair_keys) - 1)
        stays = np.where(pair_keys[pos] == ekeys, pair_vals[pos], 0).astype(np.int64)
    # map instance sellers -> problem sellers (all sellers take part; unused ones just idle)
    balances = []
    bs = scenario.balance
    for measure, spec in (("load", bs.workload), ("potential", bs.potential), ("count", bs.count)):
        if spec is not None:
            weight = spec.weight / 1000.0 if measure == "potential" else spec.weight
            balances.append(Balance(measure, spec.tolerance, spec.hard, weight))
    groups: dict[tuple, list[int]] = {}
    for s, key in enumerate(balance_key):
        if key is not None:
            groups.setdefault(key, []).append(s)
    max_moves = scenario.max_moves
    if scenario.max_moves_share is not None:
        max_moves = int(np.floor(scenario.max_moves_share * int((acc.current_seller >= 0).sum())))
    problem = AssignmentProblem(
        capacity=sel.capacity_h,  # loads and capacity are both hours per week
        indptr=indptr_a,
        seller=seller_a,
        cost=cost,  # type: ignore[arg-type]  # numpy/ortools stubs
        load=load,  # type: ignore[arg-type]  # numpy/ortools stubs
        count=b_count,
        potential=b_pot,
        max_items=sel.max_accounts.astype(np.int64),
        fixed=b_fixed,
        current=b_current,
        stays=stays,
        movable=b_movable,
        balance_groups=tuple(np.array(g, dtype=np.int64) for g in groups.values()),
        balances=tuple(balances),
        cost_weight=scenario.weights.travel,
        move_weight=scenario.weights.move_for(name),
        max_moves=max_moves,
        labels=tuple(b_label),
        seller_labels=tuple(sel.ids),
    )
    return ModelProblem(
        name, rows, problem, np.arange(len(sel), dtype=np.int64), tuple(acc.ids[a] for a in lost), compact,
        scenario.weights.compactness if len(compact) else 0.0,
    )
