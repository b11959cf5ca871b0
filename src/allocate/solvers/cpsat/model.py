"""CP-SAT model of the assignment problem, over all items or over a *free* subset (LNS).

The model is the one written in :mod:`allocate.solvers.problem`. For a large-neighbourhood
step only the free items get variables; the other items are fixed at their current choice and
enter as constants (their loads, potentials and moves).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from allocate.solvers.cpsat.setup import STOP, new_solver
from allocate.solvers.problem import AssignmentProblem
from allocate.solvers.scaling import Scales


@dataclass(frozen=True)
class CpSatOutcome:
    status: int  # cp_model status code
    choice: NDArray[np.int64] | None  # full choice vector (fixed items copied from base)
    objective: float  # scaled back to objective units
    bound: float
    det_time: float
    wall_s: float


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
        fixed_items = np.flatnonzero(~is_free)
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
        moved_fixed = (p.current[fixed_items] >= 0) & (fixed_sellers != p.current[fixed_items])
        self.base_moves = int(p.count[fixed_items][moved_fixed].sum())

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
        self.load_int = scales.loads(p.load[self.entries])
        self.objective_terms: list[tuple[list, list[int]]] = []

        self._assign_once()
        self._capacity()
        self._max_items()
        self._locks()
        self._moves()
        self._balance()
        self._objective()
        self._hint()

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
        self.load_var: dict[int, cp_model.IntVar] = {}
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
        constant = 0
        for i in self.free:
            if p.current[i] < 0:
                continue
            constant += int(p.count[i])
        for k, e in enumerate(self.entries):
            i = self.entry_item[k]
            if p.current[i] >= 0 and p.seller[e] == p.current[i]:
                self.move_terms.append((int(p.count[i]), k))
        self.move_constant = constant  # moves among free items = constant - Σ stays
        if p.max_moves is not None:
            room = p.max_moves - self.base_moves
            stays = sum(c * self.x[k] for c, k in self.move_terms)
            self.model.add(constant - stays <= room)

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
                        self.model.add(k_scale * q <= hi * total)
                        self.model.add(k_scale * q >= lo * total)
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
        """
        if not np.isfinite(bound):
            return
        fixed_cost = (
            float(self.sc.objective(self.p.cost_weight * self.p.cost[self.fixed_choice]).sum())
            if len(self.fixed_choice)
            else 0.0
        )
        offset = self.move_weight_int * (self.move_constant + self.base_moves) + fixed_cost
        scaled = bound * self.sc.obj - offset
        self.model.add(
            self.objective_expr
            >= int(np.ceil(scaled - 1e-6 * max(1.0, abs(scaled)))) - (0 if self.sc.obj == 1 else 1)
        )

    def _hint(self) -> None:
        if self.base is None:
            return
        chosen = set(int(e) for e in self.base[self.free])
        for k, e in enumerate(self.entries):
            self.model.add_hint(self.x[k], int(e) in chosen)

    # -- solving ---------------------------------------------------------------------------
    def solve(
        self,
        time_limit_s: float,
        workers: int,
        seed: int,
        deterministic_time: float | None = None,
        log_search: bool = False,
        on_solution: Callable[[float], None] | None = None,
    ) -> CpSatOutcome:
        """Solve; ``on_solution(objective)`` is called at each improving solution.

        With a ``deterministic_time`` budget, the run is reproducible: ``workers``
        single-threaded CP-SAT searches with seeds ``seed, seed + 1, ...`` run side by side
        (threads; CP-SAT releases the GIL) and the best result wins, ties going to the lowest
        seed. Each single-threaded search is deterministic, so the winner is too. (CP-SAT's
        own interleaved mode is also reproducible, but on these models it proved optimality
        five times slower.) Without a deterministic budget, CP-SAT's parallel portfolio runs.
        """
        from concurrent.futures import ThreadPoolExecutor, wait

        # Searches run in threads and the main thread waits in short slices, so that a
        # Ctrl-C handler gets to run and can stop them (see request_stop).
        portfolio = deterministic_time is not None and workers > 1
        runs = (
            [(1, seed + k, log_search and k == 0) for k in range(workers)]
            if portfolio
            else [(workers, seed, log_search)]
        )
        with ThreadPoolExecutor(max_workers=len(runs)) as pool:
            futures = [
                pool.submit(
                    self._solve_once,
                    time_limit_s,
                    w,
                    sd,
                    deterministic_time,
                    lg,
                    _Progress(on_solution, self.sc.obj, self._offset()) if on_solution else None,
                )
                for w, sd, lg in runs
            ]
            while wait(futures, timeout=0.2).not_done:
                pass
            outs = [f.result() for f in futures]
        if not portfolio:
            return outs[0]
        solved = [o for o in outs if o.choice is not None]
        bound = max(o.bound for o in outs)
        if not solved:
            status = (
                cp_model.INFEASIBLE
                if any(o.status == cp_model.INFEASIBLE for o in outs)
                else outs[0].status
            )
            return CpSatOutcome(
                int(status),
                None,
                float("nan"),
                bound,
                max(o.det_time for o in outs),
                max(o.wall_s for o in outs),
            )
        best = min(solved, key=lambda o: (o.status != cp_model.OPTIMAL, o.objective))
        status = (
            cp_model.OPTIMAL if any(o.status == cp_model.OPTIMAL for o in outs) else best.status
        )
        return CpSatOutcome(
            int(status),
            best.choice,
            best.objective,
            max(bound, min(best.objective, bound))
            if status != cp_model.OPTIMAL
            else best.objective,  # type: ignore[arg-type]  # numpy/ortools stubs
            max(o.det_time for o in outs),
            max(o.wall_s for o in outs),
        )

    def _offset(self) -> float:
        fixed_cost = (
            float(self.sc.objective(self.p.cost_weight * self.p.cost[self.fixed_choice]).sum())
            if len(self.fixed_choice)
            else 0.0
        )
        return (
            self.move_weight_int * (self.move_constant + self.base_moves) + fixed_cost
        ) / self.sc.obj

    def _solve_once(
        self, time_limit_s, workers, seed, deterministic_time, log_search, callback
    ) -> CpSatOutcome:
        solver = new_solver(
            time_limit_s,
            max(1, int(workers)),
            seed,
            None if deterministic_time is None else max(0.01, float(deterministic_time)),
        )
        prm = solver.parameters
        # Presolve loops and symmetry detection cost seconds on these models and find little:
        # candidates are already sparse and the hint is feasible.
        prm.max_presolve_iterations = 1
        prm.symmetry_level = 0
        # Progress logs arrive from inside the search: their callback is
        # where a Ctrl-C (STOP) is honoured when no new solution or bound comes for a while.
        prm.log_search_progress = True
        prm.log_to_stdout = False
        if STOP.is_set():
            prm.max_time_in_seconds = 0.001
        if callback is None:
            callback = _Progress(None, self.sc.obj, 0.0)

        def on_bound(_bound: float) -> None:
            if STOP.is_set():
                solver.stop_search()

        def on_log(line: str) -> None:
            if log_search:
                print(line, flush=True)
            if STOP.is_set():
                solver.stop_search()

        solver.best_bound_callback = on_bound
        solver.log_callback = on_log
        status = solver.solve(self.model, callback)
        choice = None
        objective = float("nan")
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            choice = (
                np.array(self.base, dtype=np.int64, copy=True)
                if self.base is not None
                else np.full(self.p.n_items, -1, dtype=np.int64)
            )
            vals = np.array([solver.boolean_value(v) for v in self.x], dtype=bool)
            choice[self.entry_item[vals]] = self.entries[vals]
            objective = solver.objective_value / self.sc.obj
        offset = self._offset()
        return CpSatOutcome(
            status=int(status),
            choice=choice,
            objective=objective + offset if choice is not None else objective,
            bound=solver.best_objective_bound / self.sc.obj + offset,
            det_time=solver.deterministic_time,
            wall_s=solver.wall_time,
        )


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports each improving objective (in objective units) and honours :data:`STOP`."""

    def __init__(self, fn: Callable[[float], None] | None, scale: float, offset: float) -> None:
        super().__init__()
        self._fn = fn
        self._scale = scale
        self._offset = offset

    def on_solution_callback(self) -> None:
        if self._fn is not None:
            self._fn(self.objective_value / self._scale + self._offset)
        if STOP.is_set():
            self.stop_search()
