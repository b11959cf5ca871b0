"""From an alignment to dated actions: the bill of actions exploded over the horizon.

Each alignment row (an account, the seller who serves it and, for split models, a product line
or a role) gets the operations of the account's playbook, ``Nomenclature.playbook(stage,
segment)``, that this seller performs:

* whole-account models (geography, size, generalist, hybrid): every operation;
* ``roles``: the operations whose role this row serves. The role of an operation is mapped to
  the account's rows like the roles model builds them (an SDR operation goes to the MRR row
  when the team has no SDR, any role to a generalist row);
* ``value_proposition``: every operation for the row's product line. Visits are done in full by
  each specialist; desk operations (phone, video, e-mail) are split evenly over the lines.

**Recurring operations** (``per_year``) become dated occurrences spread over the horizon: with
``k = per_year / weeks_per_year`` occurrences per working week, the interval is ``7 / k``
calendar days and occurrence ``j`` is due on day ``(phase + j) * interval``, where the phase in
``[0, 1)`` is a fixed function of the account and the operation (so that occurrences of many
accounts spread evenly, and the same inputs always give the same dates). An occurrence may be
done from half an interval before its due date; lateness after it is penalized.

**One-off operations** (``once``) linked by ``after`` form a *chain* (a connected group) that is
kept or dropped whole. A successor starts at least ``max(min_lag_days, 1)`` and at most
``max_lag_days`` calendar days after its predecessor's day (a successor is never on the same
day, except when ``max_lag_days`` is 0, which asks for the same day). ``after`` arcs between a
one-off and a recurring operation carry no meaning and are ignored.

**Value.** An account is worth ``potential * stage_weight[stage]``; its actions in the horizon
share that value in proportion to their minutes, so value per minute ranks accounts.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from allocate.core.instance import Instance
from allocate.core.nomenclature import Operation
from allocate.core.result import Alignment

#: Default weight of an account's potential by stage: opportunities are closest to cash,
#: customers hold the revenue at risk of churn, leads are the cheapest to replace.
STAGE_WEIGHT: Mapping[str, float] = {
    "lead": 0.25,
    "prospect": 0.5,
    "opportunity": 1.0,
    "customer": 0.75,
}

#: Who stands in for a role that no row of the account holds (mirrors the roles model).
ROLE_STAND_IN: Mapping[str, tuple[str, ...]] = {
    "MRR": ("MRR", "SDR", "generalist"),
    "SDR": ("SDR", "MRR", "generalist"),
    "AE": ("AE", "generalist"),
    "CSM": ("CSM", "generalist"),
    "generalist": ("generalist",),
}

_GOLDEN = 0.6180339887498949


@dataclass(frozen=True)
class Lag:
    """``lo <= day[succ] - day[pred] <= hi`` between two actions (``hi`` -1 = no limit)."""

    pred: int
    succ: int
    lo: int
    hi: int


@dataclass(frozen=True)
class Actions:
    """Every dated action of a plan, one entry per action (arrays of equal length).

    ``group[i]`` numbers the all-or-nothing groups: a chain of one-off operations, or a single
    recurring occurrence. ``chain_rank`` orders the actions of a chain (0 = first).
    ``due[i]`` is ``-1`` when the action has no due date.
    """

    seller: NDArray[np.int64]
    account: NDArray[np.int64]
    row: NDArray[np.int64]  # alignment row
    operation: tuple[str, ...]
    channel: tuple[str, ...]
    is_visit: NDArray[np.bool_]
    once: NDArray[np.bool_]
    duration_min: NDArray[np.int64]
    release: NDArray[np.int64]
    due: NDArray[np.int64]
    group: NDArray[np.int64]
    chain_rank: NDArray[np.int64]
    value: NDArray[np.float64]
    lags: tuple[Lag, ...]

    def __len__(self) -> int:
        return len(self.seller)

    @property
    def n_groups(self) -> int:
        """Number of all-or-nothing groups (0 when there are no actions)."""
        return int(self.group.max()) + 1 if len(self.group) else 0


def occurrence_days(per_year: float, weeks_per_year: float, n_days: int, phase: float) -> list[int]:
    """Due days of a recurring operation inside ``[0, n_days)`` (see the module docstring).

    Parameters
    ----------
    per_year
        Occurrences per year.
    weeks_per_year
        Working weeks per year (the nomenclature's).
    n_days
        Calendar days of the horizon.
    phase
        Offset in ``[0, 1)`` of the first occurrence, in intervals.

    Returns
    -------
    list of int
        Due day of each occurrence, ``(phase + j) * 7 * weeks_per_year / per_year`` rounded down.
    """
    interval = 7.0 * weeks_per_year / per_year
    days = []
    j = 0
    while (phase + j) * interval < n_days:
        days.append(int((phase + j) * interval))
        j += 1
    return days


def _phase(account: int, op_id: str) -> float:
    """A fixed, evenly spread phase in [0, 1) per (account, operation)."""
    salt = zlib.crc32(op_id.encode()) / 2**32
    return float(((account + 1) * _GOLDEN + salt) % 1.0)


def _op_rows(alignment: Alignment, instance: Instance) -> dict[int, list[int]]:
    rows: dict[int, list[int]] = defaultdict(list)
    for r, (a, s) in enumerate(zip(alignment.account, alignment.seller, strict=True)):
        if s >= 0:
            rows[int(a)].append(r)
    return rows


def _row_of_operation(op: Operation, rows: list[int], alignment: Alignment) -> int | None:
    """The alignment row that performs ``op`` for one account (roles model)."""
    by_key = {alignment.key[r]: r for r in rows}
    for role in (*ROLE_STAND_IN.get(op.role, (op.role,)), "generalist"):
        if role in by_key:
            return by_key[role]
    return rows[0] if len(rows) == 1 else None


def expand_actions(
    instance: Instance,
    alignment: Alignment,
    n_days: int,
    stage_weight: Mapping[str, float] | None = None,
) -> Actions:
    """The dated :class:`Actions` of ``alignment`` over ``n_days`` calendar days.

    Parameters
    ----------
    instance
        The instance: accounts and nomenclature.
    alignment
        Who serves each account (unserved rows, seller ``-1``, get no actions).
    n_days
        Calendar days of the horizon.
    stage_weight
        Weight of an account's potential by stage (default :data:`STAGE_WEIGHT`).

    Returns
    -------
    Actions
        One entry per action: the chains' one-off operations and the recurring occurrences.
    """
    weights = dict(STAGE_WEIGHT if stage_weight is None else stage_weight)
    nom = instance.nomenclature
    acc = instance.accounts
    cols: dict[str, list] = defaultdict(list)
    lags: list[Lag] = []
    group_count = 0
    account_rows = _op_rows(alignment, instance)
    for a in sorted(account_rows):
        rows = account_rows[a]
        pb = nom.playbook(acc.stage[a], acc.segment[a])
        if pb is None:
            continue
        # which row performs each operation, and with what duration
        work: dict[int, list[tuple[Operation, int]]] = defaultdict(list)
        for op in pb.operations:
            if alignment.key_kind == "role":
                r = _row_of_operation(op, rows, alignment)
                targets = [] if r is None else [r]
            else:
                targets = rows
            share = len(targets) if alignment.key_kind == "product_line" else 1
            for r in targets:
                minutes = op.duration_min if op.is_visit else op.duration_min / max(1, share)
                work[r].append((op, max(1, int(round(minutes)))))
        account_value = float(acc.potential[a]) * float(weights.get(acc.stage[a], 1.0))
        first_index = len(cols["seller"])
        for r in rows:
            ops = work.get(r, [])
            if not ops:
                continue
            once_ids = {op.id for op, _ in ops if op.once}
            # chains: connected groups of one-off operations through 'after'
            parent = {oid: oid for oid in once_ids}

            def find(x: str, parent: dict[str, str] = parent) -> str:
                while parent[x] != x:
                    parent[x] = parent[parent[x]]
                    x = parent[x]
                return x

            for op, _ in ops:
                if op.once:
                    for p in op.after:
                        if p in once_ids:
                            parent[find(p)] = find(op.id)
            chain_group: dict[str, int] = {}
            index_of: dict[str, int] = {}
            rank: dict[str, int] = {}
            for op, minutes in _topological(ops):
                if op.once:
                    root = find(op.id)
                    if root not in chain_group:
                        chain_group[root] = group_count
                        group_count += 1
                    g = chain_group[root]
                    rank[op.id] = max((rank[p] + 1 for p in op.after if p in rank), default=0)
                    index_of[op.id] = len(cols["seller"])
                    _append(cols, alignment, r, a, op, minutes, 0, -1, g, rank[op.id])
                    for p in op.after:
                        if p in index_of:
                            lo, hi = _day_lags(op)
                            lags.append(Lag(index_of[p], index_of[op.id], lo, hi))
                else:
                    assert op.per_year is not None
                    interval = 7.0 * nom.weeks_per_year / op.per_year
                    for due in occurrence_days(
                        op.per_year, nom.weeks_per_year, n_days, _phase(a, op.id)
                    ):
                        release = max(0, int(due - interval / 2))
                        _append(cols, alignment, r, a, op, minutes, release, due, group_count, 0)
                        group_count += 1
        # spread the account's value over its actions by minutes
        k = slice(first_index, len(cols["seller"]))
        minutes_all = np.asarray(cols["duration_min"][k], dtype=np.float64)
        if minutes_all.size:
            cols["value"][k] = list(account_value * minutes_all / minutes_all.sum())
    return Actions(
        seller=np.asarray(cols["seller"], dtype=np.int64),
        account=np.asarray(cols["account"], dtype=np.int64),
        row=np.asarray(cols["row"], dtype=np.int64),
        operation=tuple(cols["operation"]),
        channel=tuple(cols["channel"]),
        is_visit=np.asarray(cols["is_visit"], dtype=bool),
        once=np.asarray(cols["once"], dtype=bool),
        duration_min=np.asarray(cols["duration_min"], dtype=np.int64),
        release=np.asarray(cols["release"], dtype=np.int64),
        due=np.asarray(cols["due"], dtype=np.int64),
        group=np.asarray(cols["group"], dtype=np.int64),
        chain_rank=np.asarray(cols["chain_rank"], dtype=np.int64),
        value=np.asarray(cols["value"], dtype=np.float64),
        lags=tuple(lags),
    )


def _day_lags(op: Operation) -> tuple[int, int]:
    if op.max_lag_days == 0:
        return 0, 0
    lo = max(op.min_lag_days, 1)
    return lo, -1 if op.max_lag_days is None else int(op.max_lag_days)


def _topological(ops: list[tuple[Operation, int]]) -> list[tuple[Operation, int]]:
    """Operations with every one-off operation after its one-off predecessors."""
    done: set[str] = set()
    out: list[tuple[Operation, int]] = []
    pending = list(ops)
    ids = {op.id for op, _ in ops if op.once}
    while pending:
        rest = []
        for op, m in pending:
            if all(p in done or p not in ids for p in op.after) or not op.once:
                out.append((op, m))
                done.add(op.id)
            else:
                rest.append((op, m))
        if len(rest) == len(pending):  # cannot happen: playbooks are validated acyclic
            out.extend(rest)
            break
        pending = rest
    return out


def _append(
    cols: dict[str, list],
    alignment: Alignment,
    r: int,
    a: int,
    op: Operation,
    minutes: int,
    release: int,
    due: int,
    group: int,
    rank: int,
) -> None:
    cols["seller"].append(int(alignment.seller[r]))
    cols["account"].append(a)
    cols["row"].append(r)
    cols["operation"].append(op.id)
    cols["channel"].append(str(op.channel.value))
    cols["is_visit"].append(op.is_visit)
    cols["once"].append(op.once)
    cols["duration_min"].append(minutes)
    cols["release"].append(release)
    cols["due"].append(due)
    cols["group"].append(group)
    cols["chain_rank"].append(rank)
    cols["value"].append(0.0)
