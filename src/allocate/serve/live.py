"""Per-seller indicators kept up to date edit by edit, instead of recomputed from scratch.

:func:`allocate.analysis.kpi.alignment_kpis` recomputes every indicator of an alignment; an
editor that moves 100 accounts out of 100,000 cannot wait for that. :class:`LiveKpis` holds
the same sums per seller (workload, travel, potential, items, distinct accounts, accounts
moved in) and, per row, what the row adds to them; moving rows subtracts their old share and
adds the new one. Each row's hours come from :func:`allocate.core.workload.travel_minutes` and
:func:`allocate.core.workload.workload_hours` (THE formula), with the desk hours and visits of
the model's rows, exactly as the full recompute does; the spreads use
:func:`allocate.analysis.kpi.spread`. ``tests/serve/test_live.py`` checks both agree on random
edit sequences.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from allocate.analysis.kpi import sellers_needed, spread
from allocate.core.instance import Instance
from allocate.core.workload import travel_minutes, visit_travel_h, workload_hours
from allocate.organize.items import Rows


class LiveKpis:
    """Per-seller sums of an alignment of ``rows``, updated by :meth:`move`.

    Parameters
    ----------
    instance
        The instance (sellers, accounts, travel).
    rows
        The organization model's rows (account, desk hours and visits of each).
    seller
        Seller index of each row (``>= 0``).
    """

    def __init__(self, instance: Instance, rows: Rows, seller: NDArray[np.int64]) -> None:
        self.instance = instance
        self.rows = rows
        acc, sel = instance.accounts, instance.sellers
        self.m = len(sel)
        self.seller = np.array(seller, dtype=np.int64)
        per_account = np.bincount(rows.account, minlength=len(acc))
        self.row_potential = acc.potential[rows.account] / per_account[rows.account]
        self.today = acc.current_seller
        self.row_travel = np.zeros(len(rows))
        self.row_work = np.zeros(len(rows))
        self.row_tmin = np.zeros(len(rows))
        self._price(np.arange(len(rows)))
        self.workload = np.bincount(self.seller, weights=self.row_work, minlength=self.m)
        self.travel = np.bincount(self.seller, weights=self.row_travel, minlength=self.m)
        self.potential = np.bincount(self.seller, weights=self.row_potential, minlength=self.m)
        self.items = np.bincount(self.seller, minlength=self.m).astype(np.int64)
        # distinct (account, seller) pairs: how many rows of account a seller s holds
        self.pairs: Counter[tuple[int, int]] = Counter(
            zip(rows.account.tolist(), self.seller.tolist(), strict=True)
        )
        self.accounts = np.zeros(self.m, dtype=np.int64)
        self.moves_in = np.zeros(self.m, dtype=np.int64)
        for (a, s) in self.pairs:
            self.accounts[s] += 1
            if self._moved(a, s):
                self.moves_in[s] += 1
        self.moved_rows = np.zeros(len(acc), dtype=np.int64)
        np.add.at(self.moved_rows, rows.account, self._moved_rows(np.arange(len(rows))).astype(np.int64))

    def _moved(self, a: int, s: int) -> bool:
        cur = int(self.today[a])
        return cur >= 0 and cur != s

    def _moved_rows(self, r: NDArray[np.int64]) -> NDArray[np.bool_]:
        cur = self.today[self.rows.account[r]]
        return (cur >= 0) & (cur != self.seller[r])

    def _price(self, r: NDArray[np.int64]) -> None:
        """Travel minutes, travel hours and workload of rows ``r`` under their current seller."""
        tmin = travel_minutes(self.instance, self.seller[r], self.rows.account[r])
        self.row_tmin[r] = tmin
        self.row_travel[r] = visit_travel_h(self.rows.visits[r], tmin)
        self.row_work[r] = workload_hours(self.rows.desk_h[r], self.rows.visits[r], tmin)

    def move(self, r: NDArray[np.int64], to: NDArray[np.int64]) -> None:
        """Give rows ``r`` to sellers ``to`` (one each), updating every sum.

        Parameters
        ----------
        r
            Distinct row indices.
        to
            The new seller of each row.
        """
        r = np.asarray(r, dtype=np.int64)
        to = np.asarray(to, dtype=np.int64)
        change = self.seller[r] != to
        r, to = r[change], to[change]
        if len(r) == 0:
            return
        old = self.seller[r]
        m = self.m
        self.workload -= np.bincount(old, weights=self.row_work[r], minlength=m)
        self.travel -= np.bincount(old, weights=self.row_travel[r], minlength=m)
        self.potential -= np.bincount(old, weights=self.row_potential[r], minlength=m)
        self.items -= np.bincount(old, minlength=m)
        np.subtract.at(self.moved_rows, self.rows.account[r], self._moved_rows(r).astype(np.int64))
        for a, s in zip(self.rows.account[r].tolist(), old.tolist(), strict=True):
            self.pairs[(a, s)] -= 1
            if self.pairs[(a, s)] == 0:
                del self.pairs[(a, s)]
                self.accounts[s] -= 1
                self.moves_in[s] -= self._moved(a, s)
        self.seller[r] = to
        self._price(r)
        self.workload += np.bincount(to, weights=self.row_work[r], minlength=m)
        self.travel += np.bincount(to, weights=self.row_travel[r], minlength=m)
        self.potential += np.bincount(to, weights=self.row_potential[r], minlength=m)
        self.items += np.bincount(to, minlength=m)
        np.add.at(self.moved_rows, self.rows.account[r], self._moved_rows(r).astype(np.int64))
        for a, s in zip(self.rows.account[r].tolist(), to.tolist(), strict=True):
            self.pairs[(a, s)] += 1
            if self.pairs[(a, s)] == 1:
                self.accounts[s] += 1
                self.moves_in[s] += self._moved(a, s)

    def seller_table(self) -> list[dict[str, Any]]:
        """One record per seller, with the columns of the full KPI table.

        Returns
        -------
        list of dict
            ``seller_id, name, role, accounts, items, workload_h, capacity_h, utilization,
            travel_h, potential, moves_in`` (unrounded).
        """
        sel = self.instance.sellers
        util = self.workload / sel.capacity_h
        return [
            {
                "seller_id": sel.ids[s],
                "name": sel.names[s],
                "role": sel.role[s],
                "accounts": int(self.accounts[s]),
                "items": int(self.items[s]),
                "workload_h": float(self.workload[s]),
                "capacity_h": float(sel.capacity_h[s]),
                "utilization": float(util[s]),
                "travel_h": float(self.travel[s]),
                "potential": float(self.potential[s]),
                "moves_in": int(self.moves_in[s]),
            }
            for s in range(self.m)
        ]

    def totals(self) -> dict[str, Any]:
        """The global indicators that do not need the model's objective.

        Returns
        -------
        dict
            The keys of the full recompute's totals that depend only on the sums above:
            ``total_workload_h, total_travel_h, workload, utilization, potential`` (spreads
            over sellers holding accounts), ``overloaded_sellers, moves, moves_share,
            sellers_used, sellers_needed``.
        """
        sel, acc = self.instance.sellers, self.instance.accounts
        active = self.accounts > 0
        moved = int((self.moved_rows > 0).sum())
        total = float(self.workload.sum())
        return {
            "sellers_used": int(active.sum()),
            "total_workload_h": total,
            "total_capacity_h": float(sel.capacity_h.sum()),
            "total_travel_h": float(self.travel.sum()),
            "workload": spread(self.workload[active]),
            "utilization": spread((self.workload / sel.capacity_h)[active]),
            "potential": spread(self.potential[active]),
            "overloaded_sellers": int((self.workload > sel.capacity_h + 1e-6).sum()),
            "moves": moved,
            "moves_share": moved / max(1, int((acc.current_seller >= 0).sum())),
            "sellers_needed": sellers_needed(total, sel.capacity_h),
        }
