"""What-ifs on the sales force: instance transforms (pure functions ``Instance -> Instance``).

Used by ``allocate batch`` and by the sizing report: :func:`add_sellers` ("+1 seller":
duplicate the most loaded seller at its own base), :func:`add_leads` ("+20 % leads": duplicate
a share of the lead accounts at nearby towns, with new ids), :func:`scale_capacity`, and
:func:`role_view` (the instance as one role sees it).
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from allocate.core.errors import InputError
from allocate.core.instance import Accounts, Instance, Sellers, TravelMatrix
from allocate.core.nomenclature import Nomenclature, Playbook
from allocate.core.travel import nearest_sellers
from allocate.core.workload import account_workload, travel_minutes, workload_hours

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- instance transforms


def current_load(instance: Instance) -> NDArray[np.float64]:
    """Weekly workload of every seller under today's alignment (travel included).

    Accounts without a current seller are given to their nearest seller, so the figure covers
    the whole workload.

    Parameters
    ----------
    instance
        Accounts (with today's owners), sellers and nomenclature.

    Returns
    -------
    numpy.ndarray
        Hours per week of every seller.
    """
    acc, sel = instance.accounts, instance.sellers
    wl = account_workload(instance)
    owner = acc.current_seller.copy()
    if (owner < 0).any():
        idx, _ = nearest_sellers(acc.lat, acc.lon, sel.lat, sel.lon, 1)
        owner = np.where(owner >= 0, owner, idx[:, 0])
    tmin = travel_minutes(instance, owner, np.arange(len(acc)))
    hours = workload_hours(wl.total_desk_h, wl.total_visits, tmin)
    return np.bincount(owner, weights=hours, minlength=len(sel)).astype(np.float64)


def add_sellers(instance: Instance, count: int = 1) -> Instance:
    """Add ``count`` sellers, each a copy of one of the most loaded sellers, at the same base.

    The most loaded seller is the one with the highest utilization (workload ÷ capacity) under
    today's alignment; with ``count > 1`` the next most loaded ones are copied in turn. The new
    sellers keep role, capacity and skills, and get the id ``<id>+<n>``.

    Parameters
    ----------
    instance
        The instance.
    count
        Sellers to add (``>= 0``).

    Returns
    -------
    Instance
        The instance with the new sellers last (``instance`` itself when ``count`` is 0).
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

    Parameters
    ----------
    instance
        The instance.
    share
        New leads as a share of today's leads (``>= 0``).
    seed
        Seed of the draws of the copied leads and of their sites.
    near
        Nearest accounts among which a new lead's site is drawn.

    Returns
    -------
    Instance
        The instance with the new leads last (``instance`` itself when none is added).
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
    """Multiply every seller's weekly capacity by ``factor``.

    Parameters
    ----------
    instance
        The instance.
    factor
        Positive multiplier.

    Returns
    -------
    Instance
        The instance with scaled capacities (``instance`` itself when ``factor`` is 1).
    """
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

    Parameters
    ----------
    nomenclature
        The full nomenclature.
    role
        The role kept.

    Returns
    -------
    Nomenclature
        The role's operations only.

    Raises
    ------
    InputError
        If no operation is performed by ``role``.
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
    """The instance as seen by one role: its operations only, and its sellers (if any).

    Parameters
    ----------
    instance
        The instance.
    role
        The role, or ``None`` for the whole team.

    Returns
    -------
    Instance
        The role's nomenclature and sellers (the whole team when nobody has the role), with
        no current owner, no lock and no travel matrix (the role's team is re-aligned).
    """
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

