"""Hard rules that a hand edit may break, each found and explained in words.

The editor never refuses an edit: it shows what the edit breaks. The rules are those the
solver enforces (:mod:`allocate.solvers.problem`), read from the same data:

- **over capacity**: a seller's weekly workload above its capacity;
- **too many accounts**: more accounts than the seller's ``max_accounts``;
- **wrong skill**: a row given to a seller who is never a candidate for its eligibility class
  in the model (a CSM on an AE row, a seller without the account's segment or product line);
- **too far**: a one-way trip longer than the seller's ``max_travel_min``;
- **group split**: the sites of one multi-site group (for one team) held by several sellers;
- **non-contiguous**: a seller's units in more than one connected piece (geographic units),
  counted by :class:`allocate.serve.territory.TerritoryPieces`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from allocate.core.instance import Instance
from allocate.organize.items import ModelProblem
from allocate.serve.live import LiveKpis


@dataclass(frozen=True)
class Breach:
    """One broken hard rule.

    Attributes
    ----------
    rule
        ``over_capacity``, ``max_accounts``, ``wrong_skill``, ``too_far``, ``group_split``
        or ``non_contiguous``.
    seller_id
        The seller concerned ("" for a group split).
    account_ids
        The accounts concerned (at most 20 listed).
    message
        The explanation shown to the user.
    """

    rule: str
    seller_id: str
    account_ids: tuple[str, ...]
    message: str

    def key(self) -> tuple[str, str, tuple[str, ...]]:
        """What identifies the breach between two states (to tell new ones from old)."""
        return (self.rule, self.seller_id, self.account_ids if self.rule != "over_capacity" else ())


def eligible_matrix(mp: ModelProblem) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Which sellers the model lets serve each eligibility class.

    A seller counts as eligible for a class when the model offers it as a candidate to at
    least one row of that class (candidates are drawn from the eligible sellers only).

    Parameters
    ----------
    mp
        The organization model.

    Returns
    -------
    class_of_row : numpy.ndarray
        Class index of each row.
    allowed : numpy.ndarray of bool
        ``(classes, sellers)``.
    """
    p, rows = mp.problem, mp.rows
    labels = sorted(set(rows.eligible_class))
    index = {lab: k for k, lab in enumerate(labels)}
    class_of_row = np.array([index[c] for c in rows.eligible_class], dtype=np.int64)
    class_of_bundle = np.zeros(p.n_items, dtype=np.int64)
    class_of_bundle[rows.bundle] = class_of_row
    allowed = np.zeros((len(labels), p.n_sellers), dtype=bool)
    allowed[class_of_bundle[p.item_of], p.seller] = True
    return class_of_row, allowed


def find_breaches(
    instance: Instance,
    mp: ModelProblem,
    live: LiveKpis,
    team_rows: NDArray[np.int64],
    eligibility: tuple[NDArray[np.int64], NDArray[np.bool_]],
    pieces: Mapping[int, int],
    limit: int = 200,
) -> list[Breach]:
    """Every hard rule broken by the alignment in ``live``, for the rows of one team.

    Parameters
    ----------
    instance
        The instance.
    mp
        The organization model of the rows.
    live
        The alignment and its per-seller sums.
    team_rows
        The rows shown (one team); capacity and account limits are checked for every seller
        holding one of them.
    eligibility
        :func:`eligible_matrix` of ``mp``.
    pieces
        Seller -> number of pieces of its territory, for the split ones
        (:meth:`allocate.serve.territory.TerritoryPieces.split`).
    limit
        Most breaches returned.

    Returns
    -------
    list of Breach
        Capacity first, then skills, distance, groups and contiguity.
    """
    acc, sel = instance.accounts, instance.sellers
    rows = mp.rows
    seller = live.seller[team_rows]
    account = rows.account[team_rows]
    out: list[Breach] = []
    team_sellers = np.unique(seller)
    for s in team_sellers.tolist():
        if live.workload[s] > sel.capacity_h[s] + 1e-6:
            out.append(Breach("over_capacity", sel.ids[s], (), (
                f"{sel.names[s]} carries {live.workload[s]:.1f} h/week for a capacity of "
                f"{sel.capacity_h[s]:.1f} h/week (over by {_hours(live.workload[s] - sel.capacity_h[s])})")))
        if sel.max_accounts[s] >= 0 and live.accounts[s] > sel.max_accounts[s]:
            out.append(Breach("max_accounts", sel.ids[s], (), (
                f"{sel.names[s]} holds {live.accounts[s]} accounts, more than the {sel.max_accounts[s]} allowed")))
    class_of_row, allowed = eligibility
    bad = ~allowed[class_of_row[team_rows], seller]
    for s in np.unique(seller[bad]).tolist():
        hit = account[bad & (seller == s)]
        label = rows.eligible_class[int(team_rows[np.flatnonzero(bad & (seller == s))[0]])]
        out.append(Breach("wrong_skill", sel.ids[s], _ids(acc.ids, hit), (
            f"{sel.names[s]} ({sel.role[s]}) may not serve {len(hit)} account(s) of class "
            f"'{label}' under the {mp.name} model")))
    far = live.row_tmin[team_rows] > sel.max_travel_min[seller] + 1e-9
    for s in np.unique(seller[far]).tolist():
        hit = account[far & (seller == s)]
        out.append(Breach("too_far", sel.ids[s], _ids(acc.ids, hit), (
            f"{len(hit)} account(s) lie beyond {sel.names[s]}'s longest trip of "
            f"{sel.max_travel_min[s]:.0f} min")))
    in_group = instance.accounts.group[account] >= 0
    out += _group_splits(instance, account[in_group], seller[in_group])
    for s, n in sorted(pieces.items()):
        out.append(Breach("non_contiguous", sel.ids[s], (), f"{sel.names[s]}'s territory is in {n} separate pieces"))
    return out[:limit]


def _ids(ids: tuple[str, ...], idx: NDArray[np.int64], n: int = 20) -> tuple[str, ...]:
    return tuple(ids[int(a)] for a in np.unique(idx)[:n])


def _group_splits(instance: Instance, account: NDArray[np.int64], seller: NDArray[np.int64]) -> list[Breach]:
    acc = instance.accounts
    g = acc.group[account]
    inside = g >= 0
    if not inside.any():
        return []
    pairs = np.unique(g[inside] * (int(seller.max()) + 1) + seller[inside])
    pair_group, pair_seller = np.divmod(pairs, int(seller.max()) + 1)
    groups, counts = np.unique(pair_group, return_counts=True)
    out = []
    for gi in groups[counts > 1].tolist():
        owners = sorted({instance.sellers.names[int(s)] for s in pair_seller[pair_group == gi]})
        members = account[g == gi]
        out.append(Breach("group_split", "", _ids(acc.ids, members), (
            f"multi-site group {acc.group_ids[gi]} is split between {', '.join(owners)}: "
            "one owner per group")))
    return out


def _hours(h: float) -> str:
    """A small excess written so that it never reads ``0.0 h`` (two decimals, or ``< 0.01 h``)."""
    if h >= 0.05:
        return f"{h:.1f} h"
    return f"{h:.2f} h" if h >= 0.005 else "< 0.01 h"
