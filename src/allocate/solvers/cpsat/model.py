"""CP-SAT model of the assignment problem, over all items or over a *free* subset (LNS).

The model is the one written in :mod:`allocate.solvers.problem`. For a large-neighbourhood
step only the free items get variables; the other items are fixed at their current choice and
enter as constants (their loads, potentials and moves). This module builds the model;
:func:`allocate.solvers.cpsat.solve.solve_model` solves it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from allocate.solvers.problem import AssignmentProblem
from allocate.solvers.scaling import Scales


class AssignmentModel:
    """Builds the CP-SAT model: variables, one method per constraint family, objective.

    Parameters
    ----------
    problem
        The assignment problem.
    scales
        Integer scaling (see :mod:`allocate.solvers.scaling`).
    free
        Items that get decision variables; ``None`` means every item.
    base
        The current choice of every item (candidate entry index); required when ``free`` is
        a strict subset, and used as the solution hint.
    sellers
        When given, free items may only go to these sellers (or stay where they are): an LNS
        neighbourhood then touches no capacity outside its own sellers, so neighbourhoods
        with disjoint sellers can be solved side by side and combined.
    """

    def __init__(
        self,
        problem: AssignmentProblem,
        scales: Scales,
        free: NDArray[np.int64] | None = None,
        base: NDArray[np.int64] | None = None,
        sellers: NDArray[np.int64] | None = None,
    ) -> None:
        p = problem
        self.p = p
        self.sc = scales
        self.model = cp_model.CpModel()
        self.free = np.arange(p.n_items) if free is None else np.asarray(free, dtype=np.int64)
        self.base = base
        is_free = np.zeros(p.n_items, dtype=bool)
        is_free[self.free] = True
        self.is_free = is_free
        if base is None and not is_free.all():
            raise ValueError("a base choice is required when some items are fixed")
        self._constants()
        self._variables(sellers)

        self._assign_once()
        self._capacity()
        self._max_items()
        self._locks()
        self._moves()
        self._balance()
        self._objective()
        self._hint()

    # -- constants and variables -----------------------------------------------------------
    def _constants(self) -> None:
        """Per-seller load, count, potential and moves of the fixed items: constants here."""
        p, scales, base = self.p, self.sc, self.base
        fixed_items = np.flatnonzero(~self.is_free)
        fixed_choice = base[fixed_items] if base is not None else np.zeros(0, dtype=np.int64)
        self.fixed_choice = fixed_choice
        fixed_sellers = p.seller[fixed_choice]
        m = p.n_sellers
        # constants contributed by fixed items, per seller
        self.base_load = np.bincount(
            fixed_sellers, weights=scales.loads(p.load[fixed_choice]), minlength=m
        ).astype(np.int64)
        self.base_count = np.bincount(
            fixed_sellers, weights=p.count[fixed_items], minlength=m
        ).astype(np.int64)
        pot_int = np.rint(p.potential * scales.potential).astype(np.int64)
        self.pot_int = pot_int
        self.base_pot = np.bincount(
            fixed_sellers, weights=pot_int[fixed_items], minlength=m
        ).astype(np.int64)
        self.base_items = np.bincount(fixed_sellers, minlength=m).astype(np.int64)
        self.base_moves = int(p.movable[fixed_items].sum() - p.stays[fixed_choice].sum())

    def _variables(self, sellers: NDArray[np.int64] | None) -> None:
        """x[k]: the free item of candidate entry k goes to the entry's seller."""
        p, base = self.p, self.base
        # candidate entries of free items
        starts, ends = p.indptr[self.free], p.indptr[self.free + 1]
        self.entries = (
            np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
            if len(self.free)
            else np.zeros(0, dtype=np.int64)
        )
        self.entry_item = np.repeat(self.free, ends - starts)
        if sellers is not None and len(self.entries):
            keep = np.isin(p.seller[self.entries], sellers)
            if base is not None:
                keep |= self.entries == base[self.entry_item]
            self.entries, self.entry_item = self.entries[keep], self.entry_item[keep]
        self.x = [self.model.new_bool_var(f"x{e}") for e in self.entries]
        self.load_int = self.sc.loads(p.load[self.entries])

    # -- constraint families ---------------------------------------------------------------
    def _assign_once(self) -> None:
        """Every item goes to exactly one of its candidate sellers."""
        firsts = (
            np.r_[True, self.entry_item[1:] != self.entry_item[:-1]] if len(self.entries) else []
        )
        bounds: list[int] = [int(k) for k in np.flatnonzero(firsts)]
        bounds = list(bounds) + [len(self.entries)]
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            self.model.add_exactly_one(self.x[a:b])

    def _by_seller(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for k, e in enumerate(self.entries):
            out.setdefault(int(self.p.seller[e]), []).append(k)
        return out

    def _capacity(self) -> None:
        """Workload (travel included) stays within each seller's capacity."""
        cap = self.sc.capacities(self.p.capacity)
        self.seller_entries = self._by_seller()
        for s, ks in self.seller_entries.items():
            room = int(cap[s] - self.base_load[s])
            expr = sum(int(self.load_int[k]) * self.x[k] for k in ks)
            if room < 0:
                self.model.add_bool_or([])  # fixed items already overload: infeasible neighbourhood
                continue
            self.model.add(expr <= room)

    def _max_items(self) -> None:
        """At most ``max_accounts`` accounts per seller."""
        for s, ks in self.seller_entries.items():
            if self.p.max_items[s] >= 0:
                room = int(self.p.max_items[s] - self.base_count[s])
                expr = sum(int(self.p.count[self.entry_item[k]]) * self.x[k] for k in ks)
                self.model.add(expr <= max(room, -1))

    def _locks(self) -> None:
        """Locked accounts stay with their current seller."""
        for k, e in enumerate(self.entries):
            i = self.entry_item[k]
            if self.p.fixed[i] >= 0 and self.p.seller[e] != self.p.fixed[i]:
                self.model.add(self.x[k] == 0)

    def _moves(self) -> None:
        """Count accounts moved away from today's seller; cap them when asked."""
        p = self.p
        self.move_terms: list[tuple[int, int]] = []  # (coef, x index) for 'stays' literals
        constant = int(p.movable[self.free].sum())
        stays = p.stays[self.entries]
        for k in np.flatnonzero(stays > 0):
            self.move_terms.append((int(stays[k]), int(k)))
        self.move_constant = constant  # moves among free items = constant - Σ stays
        if p.max_moves is not None:
            room = p.max_moves - self.base_moves
            kept = sum(c * self.x[k] for c, k in self.move_terms)
            self.model.add(constant - kept <= room)

    def _seller_measure(
        self, measure: str
    ) -> tuple[dict[int, cp_model.LinearExprT], NDArray[np.int64]]:
        if measure == "load":
            coef, base = self.load_int, self.base_load
        elif measure == "potential":
            coef, base = self.pot_int[self.entry_item], self.base_pot
        else:
            coef, base = self.p.count[self.entry_item], self.base_count
        return {
            s: sum(int(coef[k]) * self.x[k] for k in ks) for s, ks in self.seller_entries.items()
        }, base

    def _balance(self) -> None:
        """Each seller's workload, potential and count within ±τ of its group's weighted mean."""
        p = self.p
        self.balance_slacks: list[tuple[cp_model.IntVar, int]] = []
        #: True when a hard band had to be tightened to absorb rounding: CP-SAT's
        #: "infeasible" is then no proof for the real data (see :meth:`_hard_band`)
        self.hard_tightened = False
        k_scale = 10_000
        for b in p.balances:
            expr, base = self._seller_measure(b.measure)
            hinted = self._hint_measure(b.measure)
            for g in p.balance_groups:
                if len(g) < 2:
                    continue
                total_hi = int(sum(int(base[s]) for s in g))
                total_ub = total_hi + self._measure_ub(b.measure, g)
                total = self.model.new_int_var(0, max(total_ub, 0), f"tot_{b.measure}")
                self.model.add(total == total_hi + sum(expr.get(int(s), 0) for s in g))
                t_val = int(hinted[g].sum()) if hinted is not None else None
                if t_val is not None:
                    self.model.add_hint(total, t_val)
                cap = p.capacity[g]
                share = cap / cap.sum()
                for s, kappa in zip(g, share, strict=True):
                    q = int(base[s]) + expr.get(int(s), 0)
                    hi = int(round(k_scale * (1 + b.tolerance) * kappa))
                    lo = int(round(k_scale * (1 - b.tolerance) * kappa))
                    if b.hard:
                        self._hard_band(b, g, s, q, total, total_ub)
                    else:
                        # slacks are in scaled measure units: k*q - hi*T <= k*over
                        over = self.model.new_int_var(0, max(total_ub, 1), "over")
                        under = self.model.new_int_var(0, max(total_ub, 1), "under")
                        self.model.add(k_scale * q - hi * total <= k_scale * over)  # type: ignore[operator]  # numpy/ortools stubs
                        self.model.add(lo * total - k_scale * q <= k_scale * under)  # type: ignore[operator]  # numpy/ortools stubs
                        unit = self._measure_unit(b.measure)
                        coef = max(1, int(round(self.sc.obj * b.weight / unit)))
                        self.balance_slacks.append((over, coef))
                        self.balance_slacks.append((under, coef))
                        if hinted is not None and t_val is not None:
                            qv = int(hinted[s])
                            self.model.add_hint(
                                over, max(0, -((hi * t_val - k_scale * qv) // k_scale))
                            )
                            self.model.add_hint(
                                under, max(0, -((k_scale * qv - lo * t_val) // k_scale))
                            )

    def _hard_band(self, b, g, s, q, total, total_ub: int) -> None:
        """A hard band, exact in integers, tightened only by the rounding of the data.

        With ``r = (1 ± τ) C_s / Σ_G C`` as a fraction ``num / den`` (capacities and τ are
        decimals, so it is exact), ``q_s <= r T`` becomes ``den × q_s <= num × T``: no
        rounding of the band itself. The measure's integers may still differ from the real
        values by ``d`` units per item (loads rounded up to the load scale, potentials to the
        potential scale; ``d = 0`` for counts and for data that the scale represents
        exactly). Then the band is tightened by ``d`` per item of the seller and per item of
        the problem in the total, so that every solution meets the band on the real values
        (checked again by :mod:`allocate.align.check`); such a model's infeasibility is no
        longer a proof (:attr:`hard_tightened`). When the fractions are too large for 64-bit
        products, ``r`` is rounded inwards to a millionth instead.
        """
        from fractions import Fraction

        p = self.p
        d = self._measure_error(b.measure)
        cap = [Fraction(repr(float(c))) for c in p.capacity[g]]
        share = Fraction(repr(float(p.capacity[s]))) / sum(cap)
        tau = Fraction(repr(float(b.tolerance)))
        n_s = sum(self.x[k] for k in self.seller_entries.get(int(s), [])) + int(self.base_items[s])
        slack_t = d * p.n_items
        for sign in (1, -1):
            r = (1 + sign * tau) * share
            if r <= 0 and sign < 0:
                continue  # a lower band at or below zero binds nothing
            num, den = r.numerator, r.denominator
            if max(num, den) * max(total_ub + slack_t, 1) > 2**61:
                k = 10**6
                num = (r * k).__floor__() if sign > 0 else (r * k).__ceil__()
                den = k
                self.hard_tightened = True
            if sign > 0:
                self.model.add(den * (q + d * n_s) <= num * (total - slack_t))
            else:
                self.model.add(den * (q - d * n_s) >= num * (total + slack_t))
        if d:
            self.hard_tightened = True

    def _measure_error(self, measure: str) -> int:
        """Most units by which one item's integer measure may differ from its real value."""
        if measure == "load":
            return 0 if self.sc.load == 1 else 1
        if measure == "potential":
            return 0 if self.sc.potential_exact else 1
        return 0

    def _hint_measure(self, measure: str) -> NDArray[np.int64] | None:
        """Per-seller value of a measure (scaled integers) under the base choice, for hints."""
        if self.base is None:
            return None
        p = self.p
        s_of = p.seller[self.base]
        if measure == "load":
            w = self.sc.loads(p.load[self.base])
        elif measure == "potential":
            w = self.pot_int
        else:
            w = p.count
        return np.bincount(s_of, weights=w, minlength=p.n_sellers).astype(np.int64)

    def _measure_unit(self, measure: str) -> float:
        return {"load": self.sc.load, "potential": self.sc.potential, "count": 1.0}[measure]

    def _measure_ub(self, measure: str, g: NDArray[np.int64]) -> int:
        members = set(int(s) for s in g)
        ks = [k for s in members for k in self.seller_entries.get(s, [])]
        if measure == "load":
            return int(sum(int(self.load_int[k]) for k in ks))
        if measure == "potential":
            return int(sum(int(self.pot_int[self.entry_item[k]]) for k in ks))
        return int(sum(int(self.p.count[self.entry_item[k]]) for k in ks))

    def _objective(self) -> None:
        """Weighted travel (or assignment cost), imbalance and moves."""
        p = self.p
        cost_int = self.sc.objective(p.cost_weight * p.cost[self.entries])
        terms = [int(c) * self.x[k] for k, c in enumerate(cost_int) if c]
        mw = self.sc.objective(p.move_weight)  # type: ignore[arg-type]  # numpy/ortools stubs
        if mw:
            terms += [-int(mw) * c * self.x[k] for c, k in self.move_terms]
        terms += [coef * v for v, coef in self.balance_slacks]
        self.move_weight_int = int(mw)
        self.objective_expr = sum(terms)
        self.model.minimize(self.objective_expr)

    def add_lower_bound(self, bound: float) -> None:
        """Tell CP-SAT a proven lower bound (e.g. the LP's), so it can stop when it reaches it.

        The scaled objective is an integer, so ``ceil`` of the scaled bound is still valid
        (a unit of slack absorbs floating-point error).

        Parameters
        ----------
        bound
            A lower bound of the assignment problem's objective (objective units); an
            infinite one adds nothing.

        Returns
        -------
        None
        """
        if not np.isfinite(bound):
            return
        scaled = bound * self.sc.obj - self._scaled_offset()
        self.model.add(
            self.objective_expr
            >= int(np.ceil(scaled - 1e-6 * max(1.0, abs(scaled)))) - (0 if self.sc.obj == 1 else 1)
        )

    def _scaled_offset(self) -> float:
        """The objective's constant part (fixed items' cost, moves' constant), scaled."""
        fixed_cost = (
            float(self.sc.objective(self.p.cost_weight * self.p.cost[self.fixed_choice]).sum())
            if len(self.fixed_choice)
            else 0.0
        )
        return self.move_weight_int * (self.move_constant + self.base_moves) + fixed_cost

    def offset(self) -> float:
        """The objective's constant part in objective units: CP-SAT's objective plus this is
        the assignment problem's objective.

        Returns
        -------
        float
            The offset.
        """
        return self._scaled_offset() / self.sc.obj

    # -- solution hint ---------------------------------------------------------------------
    def _hint(self) -> None:
        """Hint the base choice, when there is one (a feasible start speeds CP-SAT up)."""
        if self.base is None:
            return
        chosen = set(int(e) for e in self.base[self.free])
        for k, e in enumerate(self.entries):
            self.model.add_hint(self.x[k], int(e) in chosen)
