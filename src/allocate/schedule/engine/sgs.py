"""Serial schedule-generation scheme (SGS) with priority rules and forward-backward improvement.

A fast constructive heuristic for the ``"makespan"`` objective, used to warm-start CP-SAT and to
give it an upper bound. The serial SGS takes the tasks one at a time, each time the eligible task
(all predecessors placed) with the best priority, and starts it at the earliest time that
respects its predecessors' lags, its calendar and the remaining resource profile.
Kolisch & Hartmann (1999) survey the rules; forward-backward improvement (also called double
justification, Valls et al. 2005) shifts every task right and then left again, which often
shortens the schedule.

Times are integers in the caller's unit (see :mod:`allocate.schedule.engine`). A schedule that
breaks a maximum lag is discarded: the SGS only honours minimum lags while it builds.
"""

from __future__ import annotations

import numpy as np

from allocate.schedule.engine.bounds import transitive_successors
from allocate.schedule.engine.problem import ScheduleProblem
from allocate.schedule.engine.stop import WorkLimit


class _Arrays:
    """The parts of a problem the SGS reads, as plain arrays and lists."""

    def __init__(self, problem: ScheduleProblem) -> None:
        p = problem
        self.n = p.n_tasks
        self.dur = p.durations
        self.dem = p.demands
        span = int(p.horizon + (self.dur.max() if self.n else 0) + 1)
        self.span = span
        avail = np.repeat(p.capacities[:, None], span, axis=1).astype(np.int64)
        for r, res in enumerate(p.resources):
            for dt in res.downtimes:
                avail[r, max(dt.start, 0) : min(dt.end, span)] -= (
                    res.capacity if dt.amount is None else dt.amount
                )
        avail = np.maximum(avail, 0)
        # A budget is one more row: what is left of it, repeated over its span, checked at the
        # start of a task only (see ``problem.Budget``).
        self.budget_rows: list[tuple[int, int, np.ndarray, np.ndarray]] = []
        rows = [avail]
        for r, res in enumerate(p.resources):
            if not res.budgets:
                continue
            left = np.full(span, np.iinfo(np.int64).max // 4, dtype=np.int64)
            first = np.full(span, -1, dtype=np.int64)
            end = np.full(span, -1, dtype=np.int64)
            for bud in res.budgets:
                a, e = max(bud.start, 0), min(bud.end, span)
                left[a:e], first[a:e], end[a:e] = bud.amount, bud.start, bud.end
            self.budget_rows.append((len(p.resources) + len(rows) - 1, r, first, end))
            rows.append(left[None, :])
        self.avail = np.vstack(rows)
        self.preds = [[(q.pred, q.min_lag) for q in arcs] for arcs in p.predecessors]
        self.succs = [[(q.succ, q.min_lag) for q in arcs] for arcs in p.successors]
        self.release = np.array([t.release for t in p.tasks], dtype=np.int64)
        # Allowed start times, only for tasks whose calendar cuts more than the horizon.
        self.allowed: dict[int, np.ndarray] = {}
        same: dict[tuple[object, ...], np.ndarray] = {}  # tasks often share their calendar
        for i, t in enumerate(p.tasks):
            if t.windows or t.forbidden or t.deadline is not None:
                key = (t.duration, t.deadline, t.windows, t.forbidden)
                if key in same:
                    self.allowed[i] = same[key]
                    continue
                ok = np.zeros(span, dtype=bool)
                last = min(p.horizon, t.deadline if t.deadline is not None else p.horizon)
                ok[: max(0, last - t.duration + 1)] = True
                if t.windows:
                    win = np.zeros(span, dtype=bool)
                    for a, b in t.windows:
                        if b - a >= t.duration:
                            win[max(a, 0) : max(0, b - t.duration + 1)] = True
                    ok &= win
                for a, b in t.forbidden:
                    if b > a:
                        lo = a - t.duration + 1 if t.duration > 0 else a
                        ok[max(lo, 0) : max(b, 0)] = False
                self.allowed[i] = same[key] = np.flatnonzero(ok)
        self.last_start = p.horizon - self.dur
        self.max_lags = [
            (prec.pred, prec.succ, prec.max_lag)
            for prec in p.precedences
            if prec.max_lag is not None
        ]
        self.plain = not (
            self.allowed or any(r.downtimes or r.budgets for r in p.resources) or self.release.any()
        )


def _earliest_fit(
    a: _Arrays, avail: np.ndarray, i: int, t: int, backward: bool = False
) -> int | None:
    """Earliest start ``>= t`` of task ``i`` that fits its calendar and the free capacity.

    Forward, every start from ``t`` to the task's last one is checked at once (one pass of
    array operations instead of a walk from one conflict to the next, which on a full
    calendar took one step per day).
    """
    if backward or t < 0:
        return _earliest_fit_walk(a, avail, i, t, backward)
    d = int(a.dur[i])
    hi = min(int(a.last_start[i]), a.span - d)
    if t > hi:
        return None
    allowed = a.allowed.get(i)
    if allowed is None:
        ok = np.ones(hi - t + 1, dtype=bool)
    else:
        ok = np.zeros(hi - t + 1, dtype=bool)
        ok[allowed[(allowed >= t) & (allowed <= hi)] - t] = True
    if d > 0:
        rs = np.flatnonzero(a.dem[i] > 0)
        if rs.size:
            fits = (avail[rs, t : hi + d] >= a.dem[i, rs, None]).all(axis=0)
            if d == 1:
                ok &= fits
            else:
                bad = np.concatenate(([0], np.cumsum(~fits)))
                ok &= (bad[d:] - bad[:-d]) == 0
        for row, r, _first, _end in a.budget_rows:
            ok &= avail[row, t : hi + 1] >= a.dem[i, r]
    k = int(np.argmax(ok))
    return t + k if ok[k] else None


def _earliest_fit_walk(
    a: _Arrays, avail: np.ndarray, i: int, t: int, backward: bool = False
) -> int | None:
    """:func:`_earliest_fit` by jumps from one conflict to the next (backward passes)."""
    d = int(a.dur[i])
    rs = np.flatnonzero(a.dem[i] > 0) if d > 0 else np.empty(0, dtype=np.int64)
    allowed = None if backward else a.allowed.get(i)
    while True:
        if allowed is not None:
            pos = int(np.searchsorted(allowed, t))
            if pos == allowed.size:
                return None
            t = int(allowed[pos])
        if (t > a.last_start[i] and not backward) or t + d > a.span:
            return None
        if rs.size:
            bad = np.flatnonzero((avail[rs, t : t + d] < a.dem[i, rs, None]).any(axis=0))
            if bad.size:
                t += int(bad[-1]) + 1
                continue
        if not backward and d > 0:
            over = [e for row, r, first, e in a.budget_rows if avail[row, t] < a.dem[i, r]]
            if over:
                t = int(max(over[0][t], t + 1))  # the next budget (or time) may have room
                continue
        return t


def _book(a: _Arrays, avail: np.ndarray, i: int, t: int) -> None:
    d = int(a.dur[i])
    if d > 0:
        m = a.dem.shape[1]
        avail[:m, t : t + d] -= a.dem[i][:, None]
        for row, r, first, end in a.budget_rows:
            if first[t] >= 0:
                avail[row, first[t] : end[t]] -= a.dem[i, r]


def _serial(a: _Arrays, priority: np.ndarray, backward: bool = False) -> np.ndarray | None:
    """Serial SGS in priority order (lower first); ``backward`` uses the reversed arcs."""
    preds = a.succs if backward else a.preds
    succs = a.preds if backward else a.succs
    n = a.n
    avail = a.avail.copy()
    start = np.full(n, -1, dtype=np.int64)
    missing = np.array([len(preds[i]) for i in range(n)], dtype=np.int64)
    eligible = [i for i in range(n) if missing[i] == 0]
    while eligible:
        k = min(range(len(eligible)), key=lambda e: (priority[eligible[e]], eligible[e]))
        i = eligible.pop(k)
        t = 0 if backward else int(a.release[i])
        for j, lag in preds[i]:
            t = max(t, int(start[j] + a.dur[j] + lag))
        found = _earliest_fit(a, avail, i, t, backward)
        if found is None:
            return None
        start[i] = found
        _book(a, avail, i, found)
        for j, _ in succs[i]:
            missing[j] -= 1
            if missing[j] == 0:
                eligible.append(j)
    if (start < 0).any():
        return None
    return start


def _feasible_max_lags(a: _Arrays, start: np.ndarray) -> bool:
    return all(start[j] - start[i] - a.dur[i] <= lag for i, j, lag in a.max_lags)


def _improve(a: _Arrays, start: np.ndarray) -> np.ndarray:
    """Forward-backward improvement: right-justify, then left-justify (plain problems only)."""
    best = start
    best_ms = int((start + a.dur).max())
    for _ in range(3):
        end = best + a.dur
        back = _serial(a, -end.astype(np.float64), backward=True)
        if back is None:
            break
        # In reversed time task i runs over [back_i, back_i + d_i); its mirrored finish is
        # T - back_i, so the left pass takes tasks by increasing mirrored start.
        fwd = _serial(a, -(back + a.dur).astype(np.float64))
        if fwd is None:
            break
        ms = int((fwd + a.dur).max())
        if ms >= best_ms:
            break
        best, best_ms = fwd, ms
    return best


def priority_rules(problem: ScheduleProblem) -> dict[str, np.ndarray]:
    """Classic priority values (lower = earlier): LFT, LST, MTS, GRPW, SPT.

    LFT and LST come from the critical-path tails; MTS counts all (transitive) successors;
    GRPW adds the durations of the immediate successors.

    Parameters
    ----------
    problem
        The problem.

    Returns
    -------
    dict of str to numpy.ndarray
        Each rule's priority of every task.
    """
    p = problem
    dur = p.durations.astype(np.float64)
    tails = p.tails.astype(np.float64)
    succs = [[q.succ for q in arcs] for arcs in p.successors]
    mts = transitive_successors(p).sum(axis=1).astype(np.float64)
    grpw = dur + np.array([dur[s].sum() if s else 0.0 for s in succs])
    return {
        "LFT": -(tails - dur),  # latest finish = T - (tail - d)
        "LST": -tails,
        "MTS": -mts,
        "GRPW": -grpw,
        "SPT": dur,
    }


def best_serial_schedule(
    problem: ScheduleProblem, seed: int = 0, samples: int | None = None
) -> np.ndarray | None:
    """Best start vector found by the serial SGS, or ``None`` if every attempt failed.

    Runs each priority rule of :func:`priority_rules`, then ``samples`` randomly perturbed LFT
    orders (default: about 20 000 task placements in all), each followed by forward-backward
    improvement when the problem has no calendars or releases. Deterministic for a given seed.
    Only the ``"makespan"`` objective (all tasks mandatory) is supported.

    Parameters
    ----------
    problem
        The problem (all tasks mandatory).
    seed
        Seed of the perturbations.
    samples
        Number of perturbed LFT orders (default: about 20 000 task placements in all).

    Returns
    -------
    numpy.ndarray or None
        Start of each task in the shortest schedule found.
    """
    p = problem
    if p.n_tasks == 0 or any(t.optional for t in p.tasks):
        return None
    a = _Arrays(p)
    rng = np.random.default_rng(seed)
    rules = priority_rules(p)
    if samples is None:
        samples = max(0, min(60, 20_000 // max(1, p.n_tasks)))
    candidates = list(rules.values())
    scale = float(max(1, p.durations.sum()))
    for _ in range(samples):
        noise = rng.random(p.n_tasks) * 0.2 * scale
        candidates.append(rules["LFT"] + noise)
    best: np.ndarray | None = None
    best_ms = None
    for prio in candidates:
        s = _serial(a, prio)
        if s is None:
            continue
        if a.plain:
            s = _improve(a, s)
        if not _feasible_max_lags(a, s):
            continue
        ms = int((s + a.dur).max())
        if best_ms is None or ms < best_ms:
            best, best_ms = s, ms
    return best


def greedy_value_schedule(
    problem: ScheduleProblem, limit: WorkLimit | None = None, units_per_task: int = 1
) -> np.ndarray | None:
    """Greedy schedule for the ``"value"`` objective (``-1`` = task left out), or ``None``.

    Mandatory tasks are placed first, in precedence order, each at its earliest feasible start;
    then each chain (or lone optional task) by decreasing value per unit of work, all its tasks
    at their earliest feasible starts. A chain that does not fit (calendar, capacity, maximum
    lag, missing predecessor) is left out whole.

    Parameters
    ----------
    problem
        The problem.
    limit
        Optional budget, ``units_per_task`` units per optional task offered: once it is
        reached, the chains not yet offered are left out with start ``-2`` (not tried).
        Mandatory tasks are always placed.
    units_per_task
        Units charged to ``limit`` per task.

    Returns
    -------
    numpy.ndarray or None
        Start of each task (``-1`` = left out, ``-2`` = not tried); ``None`` if a mandatory
        task does not fit.
    """
    p = problem
    a = _Arrays(p)
    avail = a.avail.copy()
    start = np.full(p.n_tasks, -1, dtype=np.int64)
    rank = {t: k for k, t in enumerate(p.topological_order)}
    max_lag_into = [
        [(q.pred, q.max_lag) for q in arcs if q.max_lag is not None] for arcs in p.predecessors
    ]

    def place(group: list[int], trial: np.ndarray) -> bool:
        for i in sorted(group, key=rank.__getitem__):
            t = int(a.release[i])
            for j, lag in a.preds[i]:
                if start[j] < 0:
                    return False  # a successor needs its predecessor
                t = max(t, int(start[j] + a.dur[j] + lag))
            found = _earliest_fit(a, trial, i, t)
            if found is None:
                return False
            if any(found > start[j] + a.dur[j] + lag for j, lag in max_lag_into[i]):
                return False
            start[i] = found
            _book(a, trial, i, found)
        return True

    mandatory = [i for i, t in enumerate(p.tasks) if not t.optional]
    if mandatory and not place(mandatory, avail):
        return None
    groups = [list(c) for c in p.chains]
    groups += [[i] for i, t in enumerate(p.tasks) if t.optional and p.chain_of[i] < 0]

    def density(g: list[int]) -> float:
        work = float(sum(int(a.dur[i]) * max(1, int(a.dem[i].sum())) for i in g))
        return -sum(p.tasks[i].value for i in g) / max(1.0, work)

    for g in sorted(groups, key=lambda g: (density(g), min(rank[i] for i in g))):
        if limit is not None and limit.charge(units_per_task * len(g)):
            start[g] = -2
            continue
        trial = avail.copy()
        if place(g, trial):
            avail = trial
        else:
            start[g] = -1
    return start
