"""Check a schedule against every rule of its problem, independently of the CP-SAT model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from allocate.schedule.engine.problem import ScheduleProblem


def check_schedule(
    problem: ScheduleProblem,
    starts: Sequence[int] | np.ndarray,
    present: Sequence[bool] | np.ndarray,
) -> list[str]:
    """Every rule a schedule breaks, as readable messages (empty list = valid).

    Checks presence of mandatory tasks and whole chains, the horizon, releases and deadlines,
    windows and forbidden intervals, precedences with their lags, and resource capacity net of
    downtimes at every time unit. Independent of the CP-SAT model, for tests and audits.

    Parameters
    ----------
    problem
        The problem the schedule claims to solve.
    starts
        Start of each task (ignored where ``present`` is ``False``).
    present
        Whether each task is scheduled.

    Returns
    -------
    list of str
        One message per broken rule; empty when the schedule is valid.
    """
    p = problem
    s = np.asarray(starts, dtype=np.int64)
    x = np.asarray(present, dtype=bool)
    d = p.durations
    errors: list[str] = []
    for i, t in enumerate(p.tasks):
        if not x[i]:
            if not t.optional:
                errors.append(f"mandatory task {i} is not scheduled")
            continue
        e = s[i] + d[i]
        if s[i] < t.release or e > p.horizon or (t.deadline is not None and e > t.deadline):
            errors.append(f"task {i} [{s[i]}, {e}) outside release/deadline/horizon")
        if t.windows and not any(a <= s[i] and e <= b for a, b in t.windows):
            errors.append(f"task {i} [{s[i]}, {e}) fits no allowed window")
        for a, b in t.forbidden:
            if b > a and (s[i] < b and a < e if d[i] > 0 else a <= s[i] < b):
                errors.append(f"task {i} [{s[i]}, {e}) meets forbidden [{a}, {b})")
    for k, chain in enumerate(p.chains):
        if 0 < int(x[list(chain)].sum()) < len(chain):
            errors.append(f"chain {k} is half-scheduled")
    for prec in p.precedences:
        i, j = prec.pred, prec.succ
        if x[j] and not x[i]:
            errors.append(f"task {j} scheduled without its predecessor {i}")
        if x[i] and x[j]:
            gap = s[j] - (s[i] + d[i])
            if gap < prec.min_lag or (prec.max_lag is not None and gap > prec.max_lag):
                errors.append(
                    f"precedence {i} -> {j}: lag {gap} not in [{prec.min_lag}, {prec.max_lag}]"
                )
    if p.resources and x.any():
        end = int(max(p.horizon, (s + d)[x].max()))
        for r, res in enumerate(p.resources):
            load = np.zeros(end + 1, dtype=np.int64)
            for dt in res.downtimes:
                load[max(dt.start, 0) : min(dt.end, end)] += (
                    res.capacity if dt.amount is None else dt.amount
                )
            busy = np.zeros(end + 1, dtype=np.int64)
            for u in np.flatnonzero(x & (p.demands[:, r] > 0)):
                busy[s[u] : s[u] + d[u]] += p.demands[u, r]
            over = np.flatnonzero(
                (busy > 0) & (busy + np.minimum(load, res.capacity) > res.capacity)
            )
            if over.size:
                errors.append(f"resource {r} over capacity at t={int(over[0])} ({over.size} units)")
            for bud in res.budgets:
                inside = x & (s >= bud.start) & (s < bud.end) & (d > 0)
                used = int(p.demands[inside, r].sum())
                if used > bud.amount:
                    errors.append(
                        f"resource {r} budget [{bud.start}, {bud.end}) used {used} > {bud.amount}"
                    )
    return errors
