"""One editing session: an alignment being changed by hand, with locks, undo/redo and versions.

The session holds the organization model's rows (:class:`~allocate.organize.items.Rows`), the
seller of each row, a lock per row and the :class:`~allocate.serve.live.LiveKpis` of that
alignment. Every change is a :class:`Step` (the rows, their sellers and locks before and
after), so undo and redo replay a step backwards or forwards, and every step applied (undo and
redo too) is written in the session's journal, saved as a version's edits file (see
:mod:`allocate.serve.edits`). ``version`` counts the changes: a client that sends an older
version gets :class:`StaleVersion` (HTTP 409), so two browser tabs never overwrite each
other's edits unknowingly.

A *team* is the key of the rows (a role in the roles model, a product line in the
value-proposition model; one team ``""`` for whole-account models): one team is shown at a
time, so territories never overlap.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from allocate.core.instance import Instance
from allocate.core.result import Alignment
from allocate.core.scenario import Scenario
from allocate.organize.items import ModelProblem
from allocate.serve.edits import note_words, parse_note
from allocate.serve.live import LiveKpis
from allocate.serve.rules import Breach, eligible_matrix, find_breaches
from allocate.serve.territory import TerritoryPieces


class StaleVersion(Exception):
    """The client edited an older state than the server's (HTTP 409)."""


class BadEdit(ValueError):
    """An edit names unknown accounts, sellers or teams (HTTP 400/404)."""


#: Seller-table columns that show their change since the last save.
DELTA_COLUMNS = ("accounts", "workload_h", "utilization", "travel_h", "potential", "moves_in")


@dataclass
class Step:
    """One undoable change: rows with their sellers and locks before and after."""

    kind: str
    rows: NDArray[np.int64]
    seller_before: NDArray[np.int64]
    seller_after: NDArray[np.int64]
    locked_before: NDArray[np.bool_]
    locked_after: NDArray[np.bool_]
    note: str = ""
    at: float = field(default_factory=time.time)


def initial_sellers(instance: Instance, mp: ModelProblem) -> NDArray[np.int64]:
    """Today's alignment in the model's rows: today's seller where the model allows it.

    A row whose account has no seller today, or whose seller is not a candidate of the row's
    bundle (a split model: the CSM row of an account owned by an AE), gets the bundle's
    cheapest candidate.

    Parameters
    ----------
    instance
        The instance (today's sellers).
    mp
        The organization model.

    Returns
    -------
    numpy.ndarray
        Seller index of each row.
    """
    p, rows = mp.problem, mp.rows
    out = np.empty(len(rows), dtype=np.int64)
    for r in range(len(rows)):
        b = int(rows.bundle[r])
        cur = int(instance.accounts.current_seller[rows.account[r]])
        if cur >= 0 and p.candidate_index(b, cur) >= 0:
            out[r] = cur
        else:
            lo, hi = int(p.indptr[b]), int(p.indptr[b + 1])
            out[r] = int(p.seller[lo + int(np.argmin(p.cost[lo:hi]))]) if hi > lo else max(cur, 0)
    return out


def sellers_from_alignment(mp: ModelProblem, alignment: Alignment) -> NDArray[np.int64]:
    """The seller of each row of ``mp`` in ``alignment`` (matched by account and key).

    Parameters
    ----------
    mp
        The organization model.
    alignment
        An alignment of the same model (e.g. read from a run folder).

    Returns
    -------
    numpy.ndarray
        Seller index of each row.

    Raises
    ------
    BadEdit
        When a row of the model is missing from the alignment or has no seller.
    """
    where = {(int(a), k): int(s) for a, k, s in zip(alignment.account, alignment.key, alignment.seller, strict=True)}
    out = np.empty(len(mp.rows), dtype=np.int64)
    for r, (a, k) in enumerate(zip(mp.rows.account.tolist(), mp.rows.key, strict=True)):
        s = where.get((a, k), -1)
        if s < 0:
            raise BadEdit(f"the alignment has no seller for account row {a} {k!r} of the {mp.name} model")
        out[r] = s
    return out


class Session:
    """The alignment being edited (see the module docstring).

    Parameters
    ----------
    instance
        The instance.
    scenario
        The scenario (the model and the knobs of re-optimization).
    mp
        The organization model of ``scenario.model`` on ``instance``.
    sellers
        Seller of each row of ``mp`` at the start (a saved version or today's).
    source
        Label of where that alignment came from (a run folder, or ``today``).
    history
        The journal of that version (its edits file's lines): kept at the head of this
        session's journal, and its last lock state of each row applied.
    """

    def __init__(self, instance: Instance, scenario: Scenario, mp: ModelProblem,
                 sellers: NDArray[np.int64], source: str, history: list[dict[str, Any]] | None = None) -> None:
        self.lock = threading.RLock()
        self.instance = instance
        self.scenario = scenario
        self.mp = mp
        self.rows = mp.rows
        self.eligibility = eligible_matrix(mp)
        self.teams: tuple[str, ...] = tuple(dict.fromkeys(sorted(set(mp.rows.key))))
        n_acc = len(instance.accounts)
        self.row_of: dict[str, NDArray[np.int64]] = {}
        self.team_rows: dict[str, NDArray[np.int64]] = {}
        keys = np.array(mp.rows.key, dtype=object)
        for t in self.teams:
            rr = np.flatnonzero(keys == t)
            self.team_rows[t] = rr
            where = np.full(n_acc, -1, dtype=np.int64)
            where[mp.rows.account[rr]] = rr
            self.row_of[t] = where
        acc = instance.accounts
        # unit of each row for the territory pieces; multi-site groups are left out
        self._piece_unit = np.where(acc.group[mp.rows.account] >= 0, -1, acc.unit[mp.rows.account])
        self.account_pos = instance.account_index()
        self.seller_pos = instance.seller_index()
        self.version = 0
        self._breach_cache: dict[tuple[int, str], list[Breach]] = {}
        self._team_may: dict[str, NDArray[np.bool_]] = {}
        self._open(sellers, source, history)

    # -- opening, reset ---------------------------------------------------------------
    def _open(self, sellers: NDArray[np.int64], source: str, history: list[dict[str, Any]] | None = None) -> None:
        self.source = source
        self.opened_from = source
        self.base = np.array(sellers, dtype=np.int64)
        self.live = LiveKpis(self.instance, self.rows, self.base)
        self.pieces: dict[str, TerritoryPieces] = {}
        units = self.instance.units
        if units is not None:
            for t, rr in self.team_rows.items():
                self.pieces[t] = TerritoryPieces(units.neighbours, self._piece_unit[rr], self.base[rr])
        self.base_locked = np.asarray(self.instance.accounts.locked)[self.rows.account].copy()
        self.history = list(history or [])
        self._replay_locks(self.history)
        self.locked = self.base_locked.copy()
        self.journal: list[tuple[Step, bool, NDArray[np.int64], NDArray[np.bool_], float]] = []
        self.undo_stack: list[Step] = []
        self.redo_stack: list[Step] = []
        self.version += 1
        self.mark_saved()

    def _replay_locks(self, history: list[dict[str, Any]]) -> None:
        """Each row's last lock state in ``history`` (lines naming unknown accounts are skipped)."""
        for rec in history:
            a = self.account_pos.get(str(rec.get("account_id", "")))
            key, locked = parse_note(str(rec.get("note", "")))
            if a is None or locked is None:
                continue
            for t, where in self.row_of.items():
                if key is None or key == t:
                    r = int(where[a])
                    if r >= 0:
                        self.base_locked[r] = locked

    def reopen(self, sellers: NDArray[np.int64], source: str, history: list[dict[str, Any]] | None = None) -> None:
        """Start over from another alignment (a saved version); undo and redo are cleared.

        Parameters
        ----------
        sellers
            Seller of each row.
        source
            Where it comes from.
        history
            Its journal (see :class:`Session`).
        """
        with self.lock:
            self._open(sellers, source, history)

    def mark_saved(self) -> None:
        """Take the current indicators as the reference of "change since the last save"."""
        self.saved_sellers = {r["seller_id"]: r for r in self.live.seller_table()}
        self.saved_totals = self.totals()
        self.saved_breaches = {b.key() for t in self.teams for b in self.breaches(t)}

    # -- reading ----------------------------------------------------------------------
    def team(self, team: str | None) -> str:
        """The team named ``team`` (the first one when ``None``).

        Raises
        ------
        BadEdit
            For an unknown team.
        """
        if team is None:
            return self.teams[0]
        if team not in self.team_rows:
            raise BadEdit(f"unknown team {team!r}; teams: {', '.join(self.teams) or '(one team)'}")
        return team

    def team_sellers(self, team: str) -> NDArray[np.int64]:
        """Sellers who may serve the team's rows, or hold some: the team's sellers."""
        if team not in self._team_may:
            class_of_row, allowed = self.eligibility
            rows = self.team_rows[team]
            self._team_may[team] = np.asarray(allowed[np.unique(class_of_row[rows])].any(axis=0), dtype=bool)
        may = self._team_may[team].copy()
        if len(self.teams) == 1:  # every row is the team's: its holders are the busy sellers
            may |= self.live.items > 0
        else:
            may[np.unique(self.live.seller[self.team_rows[team]])] = True
        return np.flatnonzero(may)

    def breaches(self, team: str) -> list[Breach]:
        """The hard rules broken in ``team`` (see :mod:`allocate.serve.rules`), once per version."""
        key = (self.version, team)
        if key not in self._breach_cache:
            self._breach_cache = {k: v for k, v in self._breach_cache.items() if k[0] == self.version}
            pieces = self.pieces[team].split() if team in self.pieces else {}
            self._breach_cache[key] = find_breaches(
                self.instance, self.mp, self.live, self.team_rows[team], self.eligibility, pieces
            )
        return self._breach_cache[key]

    def totals(self) -> dict[str, Any]:
        """Scalar totals shown in the panel (all teams)."""
        t = self.live.totals()
        split = sum(1 for team in self.teams for b in self.breaches(team) if b.rule == "non_contiguous")
        return {
            "total_workload_h": t["total_workload_h"],
            "total_travel_h": t["total_travel_h"],
            "workload_cv": t["workload"]["cv"],
            "workload_max_min": t["workload"]["max_min_ratio"],
            "utilization_cv": t["utilization"]["cv"],
            "potential_cv": t["potential"]["cv"],
            "overloaded_sellers": t["overloaded_sellers"],
            "moves": t["moves"],
            "moves_share": t["moves_share"],
            "sellers_used": t["sellers_used"],
            "split_territories": split,
            "locked_items": int(self.locked.sum()),
            "edited_items": int((self.live.seller != self.base).sum()),
        }

    def state(self, team: str | None = None, changes: NDArray[np.int64] | None = None) -> dict[str, Any]:
        """The JSON state of ``team``: version, sellers with KPIs, totals, breaches.

        Parameters
        ----------
        team
            The team shown (default: the first).
        changes
            Rows changed by the request, listed as ``changes`` so the page repaints only them.

        Returns
        -------
        dict
            ``{version, team, teams, model, source, sellers, totals, totals_delta, breaches,
            can_undo, can_redo, changes}``.
        """
        with self.lock:
            team = self.team(team)
            table = self.live.seller_table()
            sellers = []
            for s in self.team_sellers(team).tolist():
                rec = table[s]
                before = self.saved_sellers.get(rec["seller_id"], rec)
                rec["delta"] = {k: rec[k] - before[k] for k in DELTA_COLUMNS}
                rec["lat"] = float(self.instance.sellers.lat[s])
                rec["lon"] = float(self.instance.sellers.lon[s])
                sellers.append(rec)
            totals = self.totals()
            delta = {k: _diff(v, self.saved_totals.get(k)) for k, v in totals.items()}
            breaches = [
                {"rule": b.rule, "seller_id": b.seller_id, "account_ids": list(b.account_ids),
                 "message": b.message, "new": b.key() not in self.saved_breaches}
                for b in self.breaches(team)
            ]
            out: dict[str, Any] = {
                "version": self.version,
                "team": team,
                "teams": list(self.teams),
                "model": self.mp.name,
                "source": self.source,
                "sellers": sellers,
                "totals": totals,
                "totals_delta": delta,
                "breaches": breaches,
                "can_undo": bool(self.undo_stack),
                "can_redo": bool(self.redo_stack),
            }
            if changes is not None:
                out["changes"] = self.rows_json(changes, team)
            return out

    def rows_json(self, r: NDArray[np.int64], team: str) -> list[dict[str, Any]]:
        """Account id, seller id and lock of rows ``r`` that belong to ``team``."""
        keys = self.rows.key
        acc, sel = self.instance.accounts, self.instance.sellers
        return [
            {"account_id": acc.ids[self.rows.account[x]], "seller_id": sel.ids[self.live.seller[x]],
             "locked": bool(self.locked[x])}
            for x in np.unique(r).tolist() if keys[x] == team
        ]

    def alignment(self) -> Alignment:
        """The alignment being edited."""
        return Alignment(self.mp.name, self.rows.account, self.live.seller.copy(), self.rows.key, self.rows.key_kind)

    # -- editing ----------------------------------------------------------------------
    def check_version(self, version: int | None) -> None:
        """Raise :class:`StaleVersion` when ``version`` is not the current one."""
        if version is not None and version != self.version:
            raise StaleVersion(
                f"version {version} is stale: the state is at version {self.version}; reload it and redo the edit"
            )

    def rows_for(self, account_ids: list[str], team: str) -> NDArray[np.int64]:
        """The rows of ``team`` of the accounts named (accounts without such a row are skipped).

        Raises
        ------
        BadEdit
            When an id is unknown (the first few are named).
        """
        unknown = [a for a in account_ids if a not in self.account_pos]
        if unknown:
            shown = ", ".join(repr(a) for a in unknown[:5])
            raise BadEdit(f"unknown account id(s): {shown}" + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""))
        if not account_ids:
            raise BadEdit("no account given")
        idx = np.array([self.account_pos[a] for a in account_ids], dtype=np.int64)
        r = self.row_of[team][idx]
        if not (r >= 0).any():
            raise BadEdit(f"none of these accounts is served by team {team!r} in the {self.mp.name} model")
        return np.unique(r[r >= 0])

    def seller_index(self, seller_id: str) -> int:
        """Index of ``seller_id`` (:class:`BadEdit` when unknown)."""
        if seller_id not in self.seller_pos:
            raise BadEdit(f"unknown seller id {seller_id!r}")
        return self.seller_pos[seller_id]

    def assign(self, account_ids: list[str], seller_id: str, version: int | None,
               team: str | None = None, lock: bool = True, note: str = "assign") -> NDArray[np.int64]:
        """Give the accounts' rows of ``team`` to ``seller_id`` (locked by default).

        Returns
        -------
        numpy.ndarray
            The rows changed.
        """
        with self.lock:
            self.check_version(version)
            t = self.team(team)
            s = self.seller_index(seller_id)
            r = self.rows_for(account_ids, t)
            after = np.full(len(r), s, dtype=np.int64)
            locked_after = np.ones(len(r), dtype=bool) if lock else self.locked[r].copy()
            self._do(Step("assign", r, self.live.seller[r].copy(), after, self.locked[r].copy(), locked_after, note))
            return r

    def set_locks(self, account_ids: list[str], locked: bool, version: int | None,
                  team: str | None = None) -> NDArray[np.int64]:
        """Lock or unlock the accounts' rows of ``team``; returns the rows."""
        with self.lock:
            self.check_version(version)
            t = self.team(team)
            r = self.rows_for(account_ids, t)
            s = self.live.seller[r].copy()
            self._do(Step("lock", r, s, s, self.locked[r].copy(), np.full(len(r), locked), "lock" if locked else "unlock"))
            return r

    def apply_sellers(self, rows: NDArray[np.int64], sellers: NDArray[np.int64], note: str) -> NDArray[np.int64]:
        """Give ``rows`` to ``sellers`` without locking them (an accepted proposal)."""
        with self.lock:
            r = np.asarray(rows, dtype=np.int64)
            self._do(Step("accept", r, self.live.seller[r].copy(), np.asarray(sellers, dtype=np.int64),
                          self.locked[r].copy(), self.locked[r].copy(), note))
            return r

    def reset(self, version: int | None) -> NDArray[np.int64]:
        """Back to the alignment and locks that were opened (an undoable step)."""
        with self.lock:
            self.check_version(version)
            r = np.flatnonzero((self.live.seller != self.base) | (self.locked != self.base_locked))
            self._do(Step("reset", r, self.live.seller[r].copy(), self.base[r].copy(),
                          self.locked[r].copy(), self.base_locked[r].copy(), "reset"))
            return r

    def undo(self, version: int | None = None) -> NDArray[np.int64]:
        """Take back the last step (:class:`BadEdit` when there is none)."""
        with self.lock:
            self.check_version(version)
            if not self.undo_stack:
                raise BadEdit("nothing to undo")
            step = self.undo_stack.pop()
            self._apply(step, forward=False)
            self.redo_stack.append(step)
            return step.rows

    def redo(self, version: int | None = None) -> NDArray[np.int64]:
        """Replay the last undone step (:class:`BadEdit` when there is none)."""
        with self.lock:
            self.check_version(version)
            if not self.redo_stack:
                raise BadEdit("nothing to redo")
            step = self.redo_stack.pop()
            self._apply(step, forward=True)
            self.undo_stack.append(step)
            return step.rows

    def _do(self, step: Step) -> None:
        self._apply(step, forward=True)
        self.undo_stack.append(step)
        self.redo_stack.clear()

    def _apply(self, step: Step, forward: bool) -> None:
        sellers = step.seller_after if forward else step.seller_before
        locks = step.locked_after if forward else step.locked_before
        old = self.live.seller[step.rows].copy()
        old_locks = self.locked[step.rows].copy()
        for t, pieces in self.pieces.items():
            mine = np.array([self.rows.key[r] == t for r in step.rows.tolist()], dtype=bool)
            if mine.any():
                rr = step.rows[mine]
                pieces.move(self._piece_unit[rr], old[mine], np.asarray(sellers)[mine])
        self.live.move(step.rows, sellers)
        self.locked[step.rows] = locks
        self.journal.append((step, forward, old, old_locks, time.time()))
        self.version += 1

    def edit_records(self) -> list[dict[str, Any]]:
        """The journal: the opened version's lines, then one line per row changed by each step.

        Returns
        -------
        list of dict
            ``account_id, from_seller, to_seller, at, note`` (``at`` in UTC ISO 8601; the
            note names the team of a split model, the action and the row's lock after it,
            see :func:`allocate.serve.edits.note_words`). A row whose seller and lock a step
            left as they were gets no line.
        """
        acc, sel, rows = self.instance.accounts, self.instance.sellers, self.rows
        out = [dict(rec) for rec in self.history]
        for step, forward, old, old_locks, at in self.journal:
            new = step.seller_after if forward else step.seller_before
            locks = step.locked_after if forward else step.locked_before
            action = step.note if forward else "undo " + step.note
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
            for k in np.flatnonzero((old != new) | (old_locks != locks)).tolist():
                r = int(step.rows[k])
                out.append({
                    "account_id": acc.ids[rows.account[r]],
                    "from_seller": sel.ids[old[k]],
                    "to_seller": sel.ids[new[k]],
                    "at": stamp,
                    "note": note_words(rows.key_kind, rows.key[r], action, bool(locks[k])),
                })
        return out


def _diff(now: Any, before: Any) -> float | None:
    if isinstance(now, (int, float)) and isinstance(before, (int, float)):
        d = float(now) - float(before)
        return d if np.isfinite(d) else None
    return None
