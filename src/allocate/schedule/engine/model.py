"""The CP-SAT model of a :class:`~allocate.schedule.engine.problem.ScheduleProblem`.

Variables, one private method per family of constraints (each says why it is there), the
objective and the warm start; :mod:`allocate.schedule.engine.solve` runs it.
"""

from __future__ import annotations

import logging

import numpy as np
from ortools.sat.python import cp_model
from ortools.util.python import sorted_interval_list

from allocate.schedule.engine.bounds import energy_delays, makespan_lower_bound
from allocate.schedule.engine.problem import Resource, ScheduleProblem

logger = logging.getLogger(__name__)


class SchedulingModel:
    r"""CP-SAT model of a :class:`ScheduleProblem`.

    Notation: tasks :math:`i` with duration :math:`p_i`, demand :math:`q_{ir}` on resource
    :math:`r` of capacity :math:`Q_r`; precedences :math:`(i, j, \ell^-_{ij}, \ell^+_{ij})`.

    Variables: start :math:`S_i` (integer, domain cut by release, deadline, windows and forbidden
    intervals), presence :math:`x_i \in \{0,1\}` (1 for mandatory tasks; one shared literal per
    chain), and the optional interval :math:`[S_i, S_i + p_i)` present iff :math:`x_i`.

    .. math::

        & x_i x_j = 1 \Rightarrow S_i + p_i + \ell^-_{ij} \le S_j \le S_i + p_i + \ell^+_{ij}
            && \text{(precedence and lags)} \\
        & x_j \le x_i && \text{(a successor needs its predecessor)} \\
        & \sum_{i : x_i = 1,\ S_i \le t < S_i + p_i} q_{ir} + u_r(t) \le Q_r \quad \forall r, t
            && \text{(cumulative; } u_r \text{ = downtimes)} \\
        & x_i = x_k \quad \forall i, k \text{ in the same chain}

    Objective ``"makespan"``: :math:`\min C`, :math:`C \ge S_i + p_i`. Objective ``"value"``:

    .. math::

        \max \sum_i v_i x_i - \sum_i w_i x_i (S_i - h_i) - \sum_i c_i \max(0, S_i + p_i - d_i)

    with :math:`h_i` the earliest start (release pushed by the predecessors), :math:`w_i` the
    start weight, :math:`c_i` the lateness weight and :math:`d_i` the due date, the last two terms
    counted only for scheduled tasks.

    Redundant pieces: start domains cut by heads and tails (critical path), a makespan lower
    bound (critical path, energy), an upper bound and a hint from the serial schedule-generation
    scheme (:mod:`allocate.schedule.engine.sgs`), no-overlap constraints on groups of tasks that
    pairwise cannot run together, and minimum delays between a task and its transitive
    successors implied by the energy of the work forced between them
    (:func:`~allocate.schedule.engine.bounds.energy_delays`).

    Parameters
    ----------
    problem
        The data; times in the caller's integer unit.
    hint
        Start of each task (``-1`` = left out) given to CP-SAT as a warm start.
    makespan_ub
        Upper bound on the makespan (e.g. a heuristic's), which cuts the start domains.
    """

    def __init__(
        self,
        problem: ScheduleProblem,
        hint: np.ndarray | None = None,
        makespan_ub: int | None = None,
    ) -> None:
        self.problem = problem
        self.model = cp_model.CpModel()
        self.infeasible_reasons: list[str] = []
        # (task, first start, last start, literal) of each budget span (-1: outside them all)
        self.budget_lits: list[tuple[int, int, int, cp_model.IntVar]] = []
        self._makespan_ub = (
            problem.horizon if makespan_ub is None else min(makespan_ub, problem.horizon)
        )
        self._build_presence()
        self._build_tasks()
        self._add_precedences()
        self._add_resources()
        self._add_disjunctive_cliques()
        self._add_energy_delays()
        self._set_objective()
        if hint is not None:
            self._add_hint(hint)

    # -- variables ---------------------------------------------------------------------------
    def _build_presence(self) -> None:
        """One literal per chain, so that a chain is kept or dropped whole."""
        p = self.problem
        chain_lits = [self.model.new_bool_var(f"chain{k}") for k in range(len(p.chains))]
        self.chain_lits = chain_lits
        self.presence: list[cp_model.IntVar | int] = []
        for i, t in enumerate(p.tasks):
            k = p.chain_of[i]
            if not t.optional:
                self.presence.append(1)
            elif k >= 0:
                self.presence.append(chain_lits[k])
            else:
                self.presence.append(self.model.new_bool_var(f"x{i}"))

    def start_domain(self, i: int) -> sorted_interval_list.Domain:
        """Starts allowed for task ``i``: release/head, deadline/tail, windows, forbidden.

        Parameters
        ----------
        i
            Index of the task.

        Returns
        -------
        Domain
            The allowed start times (empty when the task cannot be scheduled).
        """
        p, t = self.problem, self.problem.tasks[i]
        d = t.duration
        hi = min(p.horizon, t.deadline if t.deadline is not None else p.horizon)
        hi -= d
        if p.objective == "makespan":
            hi = min(hi, self._makespan_ub - int(p.tails[i]))
        else:
            hi = min(hi, p.horizon - int(p.tails[i]))
        dom = sorted_interval_list.Domain(int(p.heads[i]), hi)
        if t.windows:
            allowed = [[a, b - d] for a, b in t.windows if b - a >= d]
            dom = dom.intersection_with(sorted_interval_list.Domain.from_intervals(allowed))
        if t.forbidden:
            # [s, s+d) meets [a, b) iff a - d < s < b; a point task may not start in [a, b).
            banned = [[a - d + 1 if d > 0 else a, b - 1] for a, b in t.forbidden if b > a]
            banned = [iv for iv in banned if iv[0] <= iv[1]]
            if banned:
                dom = dom.intersection_with(
                    sorted_interval_list.Domain.from_intervals(banned).complement()
                )
        return dom

    def _build_tasks(self) -> None:
        """Start variables on their cut domains and one (optional) interval per task."""
        p, m = self.problem, self.model
        self.starts: list[cp_model.IntVar] = []
        self.intervals: list[cp_model.IntervalVar] = []
        for i, t in enumerate(p.tasks):
            dom = self.start_domain(i)
            if dom.is_empty():
                if t.optional:
                    logger.debug("task %d (%s) has no feasible start: left out", i, t.name)
                    m.add(self.presence[i] == 0)
                else:
                    self.infeasible_reasons.append(
                        f"task {i} ({t.name!r}) has no start in its release/deadline/calendar"
                    )
                dom = sorted_interval_list.Domain(0, max(0, p.horizon - t.duration))
            s = m.new_int_var_from_domain(dom, f"S{i}")
            self.starts.append(s)
            if t.optional:
                iv = m.new_optional_fixed_size_interval_var(
                    s, t.duration, self.presence[i], f"I{i}"
                )
            else:
                iv = m.new_fixed_size_interval_var(s, t.duration, f"I{i}")
            self.intervals.append(iv)

    # -- constraints -------------------------------------------------------------------------
    def _add_precedences(self) -> None:
        """Finish-to-start lags between scheduled tasks; a successor needs its predecessor."""
        p, m = self.problem, self.model
        for prec in p.precedences:
            i, j = prec.pred, prec.succ
            xi, xj = self.presence[i], self.presence[j]
            both = list({id(v): v for v in (xi, xj) if not isinstance(v, int)}.values())
            if not isinstance(xi, int) and xi is not xj:
                if isinstance(xj, int):
                    m.add(xi == 1)  # a mandatory successor forces its predecessor
                else:
                    m.add_implication(xj, xi)
            end_i = self.starts[i] + p.durations[i]
            m.add(self.starts[j] >= end_i + prec.min_lag).only_enforce_if(both)
            if prec.max_lag is not None:
                m.add(self.starts[j] <= end_i + prec.max_lag).only_enforce_if(both)

    def _add_resources(self) -> None:
        """Renewable capacity: cumulative (no-overlap when unary), downtimes as fixed intervals."""
        p, m = self.problem, self.model
        for r, res in enumerate(p.resources):
            users = [i for i in range(p.n_tasks) if p.demands[i, r] > 0 and p.durations[i] > 0]
            for i in users:
                if p.demands[i, r] > res.capacity:
                    if p.tasks[i].optional:
                        m.add(self.presence[i] == 0)
                    else:
                        self.infeasible_reasons.append(
                            f"task {i} ({p.tasks[i].name!r}) needs {p.demands[i, r]} of "
                            f"resource {r} ({res.name!r}) whose capacity is {res.capacity}"
                        )
            fixed = [
                (dt.start, dt.end - dt.start, res.capacity if dt.amount is None else dt.amount)
                for dt in res.downtimes
                if dt.end > dt.start
            ]
            if not users:
                continue
            unary = res.capacity == 1
            ivs = [self.intervals[i] for i in users]
            dem = [int(p.demands[i, r]) for i in users]
            for k, (s, d, q) in enumerate(fixed):
                ivs.append(m.new_fixed_size_interval_var(s, d, f"down{r}_{k}"))
                dem.append(min(q, res.capacity))
            if unary:
                m.add_no_overlap(ivs)
            else:
                m.add_cumulative(ivs, dem, res.capacity)
            if res.budgets:
                self._add_budgets(r, res, users)

    def _add_budgets(self, r: int, res: Resource, users: list[int]) -> None:
        """A literal per task and budget its start may fall in; demands summed per budget."""
        p, m = self.problem, self.model
        spans = [(b.start, b.end - 1) for b in res.budgets]
        outside = sorted_interval_list.Domain.from_intervals(spans).complement()
        members: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in res.budgets]
        for i in users:
            dom = self.start_domain(i)
            if dom.is_empty():
                dom = sorted_interval_list.Domain(0, max(0, p.horizon - int(p.durations[i])))
            lits: list[cp_model.IntVar] = []
            for k, (a, b) in enumerate(spans):
                if dom.intersection_with(sorted_interval_list.Domain(a, b)).is_empty():
                    continue
                lit = m.new_bool_var(f"B{r}_{k}_{i}")
                m.add_linear_constraint(self.starts[i], a, b).only_enforce_if(lit)
                members[k].append((i, lit))
                self.budget_lits.append((i, a, b, lit))
                lits.append(lit)
            if not dom.intersection_with(outside).is_empty():
                lit = m.new_bool_var(f"B{r}_out_{i}")
                m.add_linear_expression_in_domain(self.starts[i], outside).only_enforce_if(lit)
                self.budget_lits.append((i, -1, -1, lit))
                lits.append(lit)
            m.add(sum(lits) == self.presence[i])
        for k, budget in enumerate(res.budgets):
            if members[k]:
                m.add(sum(int(p.demands[i, r]) * lit for i, lit in members[k]) <= budget.amount)

    def _add_disjunctive_cliques(self) -> None:
        """Tasks that pairwise exceed a capacity cannot overlap: a no-overlap tightens the LP."""
        p = self.problem
        if len(p.resources) < 1 or p.n_tasks < 3:
            return
        dem, cap = p.demands, p.capacities
        # incompatible[i, j]: some resource cannot hold both at once.
        incompatible = ((dem[:, None, :] + dem[None, :, :]) > cap[None, None, :]).any(axis=2)
        active = (p.durations > 0) & (dem > 0).any(axis=1)
        incompatible &= active[:, None] & active[None, :]
        np.fill_diagonal(incompatible, False)
        # A greedy clique from each task, by decreasing duration; keep the distinct ones.
        order = np.argsort(-p.durations * incompatible.sum(axis=1), kind="stable")
        cliques: set[tuple[int, ...]] = set()
        for seed in order[: min(len(order), 10)]:
            if not active[seed]:
                continue
            clique = [int(seed)]
            for j in order:
                if j != seed and all(incompatible[j, k] for k in clique):
                    clique.append(int(j))
            if len(clique) >= 3:
                cliques.add(tuple(sorted(clique)))
        for members in cliques:
            self.model.add_no_overlap([self.intervals[i] for i in members])

    def _add_energy_delays(self) -> None:
        """Work forced between two tasks must fit between them: a redundant minimum delay."""
        p = self.problem
        for i, j, delay in energy_delays(p):
            xi, xj = self.presence[i], self.presence[j]
            lits = [v for v in (xi, xj) if not isinstance(v, int)]
            self.model.add(self.starts[j] >= self.starts[i] + delay).only_enforce_if(lits)

    def _set_objective(self) -> None:
        """Makespan, or value kept minus start-delay and lateness penalties."""
        p, m = self.problem, self.model
        if p.objective == "makespan":
            lb = makespan_lower_bound(p)
            self.makespan = m.new_int_var(lb, max(lb, self._makespan_ub), "makespan")
            has_succ = {prec.pred for prec in p.precedences if prec.min_lag >= 0}
            for i in range(p.n_tasks):
                if i not in has_succ:  # others end before a successor does
                    m.add(self.makespan >= self.starts[i] + p.durations[i])
            m.minimize(self.makespan)
            return
        terms: list[cp_model.LinearExprT] = []
        for i, t in enumerate(p.tasks):
            x = self.presence[i]
            terms.append(t.value * x)
            if t.start_weight > 0:
                delay = m.new_int_var(0, p.horizon, f"delay{i}")
                h = int(p.heads[i])
                lits = [] if isinstance(x, int) else [x]
                m.add(delay == self.starts[i] - h).only_enforce_if(lits)
                if lits:
                    m.add(delay == 0).only_enforce_if(~x)  # type: ignore[operator]
                terms.append(-t.start_weight * delay)
            if t.lateness_weight > 0 and t.due is not None:
                late = m.new_int_var(0, p.horizon, f"late{i}")
                lits = [] if isinstance(x, int) else [x]
                m.add(late >= self.starts[i] + t.duration - t.due).only_enforce_if(lits)
                terms.append(-t.lateness_weight * late)
        m.maximize(sum(terms))

    def _add_hint(self, starts: np.ndarray) -> None:
        """Warm start from a heuristic schedule (``-1`` = leave the task out)."""
        hinted: set[int] = set()  # tasks of a chain share one literal, hint it once
        for i, s in enumerate(starts):
            if s >= 0:
                self.model.add_hint(self.starts[i], int(s))
            x = self.presence[i]
            if not isinstance(x, int) and x.index not in hinted:
                hinted.add(x.index)
                self.model.add_hint(x, bool(s >= 0))
        inside: dict[int, bool] = {}
        for i, a, b, lit in self.budget_lits:
            if a >= 0:
                hit = bool(a <= starts[i] <= b)
                inside[i] = inside.get(i, False) or hit
                self.model.add_hint(lit, hit)
        for i, a, _, lit in self.budget_lits:
            if a < 0:
                self.model.add_hint(lit, bool(starts[i] >= 0 and not inside.get(i, False)))
