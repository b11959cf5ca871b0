"""Bounds of the scheduling engine, computed from the data alone.

A lower bound on the makespan (critical path and energy), which lets the search stop as soon
as a heuristic reaches it, and minimum delays between a task and its transitive successors
implied by the work forced between them, which the model adds as redundant constraints.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from allocate.schedule.engine.problem import ScheduleProblem


def makespan_lower_bound(problem: ScheduleProblem) -> int:
    """Critical path and per-resource energy bound on the makespan of all mandatory tasks.

    Parameters
    ----------
    problem
        The problem.

    Returns
    -------
    int
        No schedule of the mandatory tasks ends before this time (0 when there are none).
    """
    mandatory = np.array([not t.optional for t in problem.tasks], dtype=bool)
    if not mandatory.any():
        return 0
    lb = int((problem.heads + problem.tails)[mandatory].max())
    for r, cap in enumerate(problem.capacities):
        energy = int((problem.durations * problem.demands[:, r])[mandatory].sum())
        if energy > 0 and cap > 0:
            lb = max(lb, math.ceil(energy / cap))
    return lb


def energy_delays(problem: ScheduleProblem, max_tasks: int = 400) -> list[tuple[int, int, int]]:
    """Minimum delays ``start[j] - start[i]`` implied by the work forced between them.

    For ``j`` a transitive successor of ``i``, every mandatory task ``k`` with
    ``i < k < j`` in the precedence order runs inside ``[end_i, start_j)``, so that
    ``start_j - start_i >= p_i + max_r ceil(sum_k q_kr p_k / Q_r)``. Only delays longer
    than the longest path from ``i`` to ``j`` are returned (others add nothing). Needs
    non-negative minimum lags; skipped above ``max_tasks`` tasks (quadratic memory).

    Parameters
    ----------
    problem
        The problem.
    max_tasks
        Largest problem for which the delays are computed.

    Returns
    -------
    list of tuple
        ``(i, j, delay)``: ``start[j] - start[i] >= delay`` whenever both are scheduled.
    """
    n = len(problem.tasks)
    if n > max_tasks or n < 3 or not problem.resources:
        return []
    if any(prec.min_lag < 0 for prec in problem.precedences):
        return []
    reach = transitive_successors(problem)
    mandatory = np.array([not t.optional for t in problem.tasks], dtype=bool)
    cap = problem.capacities.astype(np.float64)
    energy = (problem.durations[:, None] * problem.demands).astype(np.float64)  # (n, R)
    energy[~mandatory] = 0.0
    usable = cap > 0
    # longest[i, j]: longest path from start_i to start_j through the precedences.
    longest = np.full((n, n), -1, dtype=np.int64)
    succs = problem.successors
    order = problem.topological_order
    for i in order:
        row = longest[i]
        row[i] = 0
        for k in order:
            if row[k] < 0:
                continue
            for prec in succs[k]:
                cand = row[k] + problem.durations[k] + prec.min_lag
                if cand > row[prec.succ]:
                    row[prec.succ] = cand
    out: list[tuple[int, int, int]] = []
    for i in range(n):
        js = np.flatnonzero(reach[i])
        if js.size == 0:
            continue
        # between[j, k]: k succeeds i and precedes j.
        between = reach[i][None, :] & reach[:, js].T
        work = between.astype(np.float64) @ energy  # (len(js), R)
        need = np.ceil(work[:, usable] / cap[usable] - 1e-9).max(axis=1) if usable.any() else 0
        delay = problem.durations[i] + np.asarray(need, dtype=np.int64)
        for j, dl in zip(js, delay, strict=True):
            if dl > longest[i, j]:
                out.append((i, int(j), int(dl)))
    return out


def transitive_successors(problem: ScheduleProblem) -> NDArray[np.bool_]:
    """Which tasks follow which through the precedences, transitively.

    Parameters
    ----------
    problem
        The problem.

    Returns
    -------
    numpy.ndarray
        ``reach[i, j]``: task ``j`` is a transitive successor of task ``i``.
    """
    n = len(problem.tasks)
    reach = np.zeros((n, n), dtype=bool)
    for i in reversed(problem.topological_order):
        for j in (prec.succ for prec in problem.successors[i]):
            reach[i, j] = True
            reach[i] |= reach[j]
    return reach
