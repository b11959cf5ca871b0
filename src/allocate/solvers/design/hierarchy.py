"""Nested territory design: regions > districts > territories, each level connected and balanced.

Level ``j`` has ``levels[j]`` territories; each must be a multiple of the level above, and
every territory of level ``j`` is cut out of one territory of level ``j - 1`` (so it never
straddles two of them). Each level's bands are centred on the mean of the whole level
(``total / levels[j]``), whatever its parent's own deviation.

A parent at the edge of its band leaves its children no room: if a region is 10 % above the
mean, its districts average 10 % above theirs, so with ±10 % every one of them must sit exactly
on the upper edge. So every level above the last is first designed within
:data:`PARENT_BAND_SHARE` of the tolerance (still checked against the full band); when that
fails, it is designed again with the full band. The time is split evenly over the levels, and
within a level over its parents. Each level's partition of the whole graph is re-checked by the
independent checker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from allocate.core.status import SolveStatus
from allocate.solvers.design.check import DesignCheck, check_design
from allocate.solvers.design.graph import DesignGraph
from allocate.solvers.design.solve import design_partition

#: Share of the tolerance that a level above the last is first designed within (room for its
#: children, see the module docstring).
PARENT_BAND_SHARE = 0.3


@dataclass(frozen=True)
class NestedDesign:
    """The outcome of :func:`nested_partition`.

    Attributes
    ----------
    status
        ``feasible`` when every level passed the checker, ``infeasible`` when the top level
        (designed over the whole graph) was proven infeasible, else ``unknown``.
    labels
        The territory of each unit at each level (``None`` where a level failed).
    checks
        The checker's verdict on each level that has labels.
    reason
        Why a level has no design.
    """

    status: SolveStatus
    labels: list[NDArray[np.int64] | None]
    checks: list[DesignCheck | None]
    reason: str = ""


def nested_partition(
    graph: DesignGraph,
    weights: NDArray[np.float64],
    levels: list[int],
    tolerance: float | NDArray[np.float64],
    objective: str = "dispersion",
    time_limit_s: float = 60.0,
    seed: int = 0,
    mass: NDArray[np.float64] | None = None,
) -> NestedDesign:
    """Nested partitions of ``graph``, one per level.

    Parameters
    ----------
    graph, weights, objective, seed, mass
        As for :func:`~allocate.solvers.design.solve.design_partition`.
    levels
        Territories per level, increasing, each a multiple of the one before.
    tolerance
        Relative tolerance of each measure (or one for all), the same at every level.
    time_limit_s
        Wall-clock limit of the whole.

    Returns
    -------
    NestedDesign
        The labels of every level and the checker's verdicts.

    Raises
    ------
    ValueError
        Levels that do not nest.
    """
    if (
        not levels
        or any(b % a for a, b in zip(levels, levels[1:], strict=False))
        or any(x < 1 for x in levels)
    ):
        raise ValueError(f"levels {levels} must be >= 1, each a multiple of the one before")
    w = np.asarray(weights, dtype=np.float64).reshape(graph.n, -1)
    tol = np.broadcast_to(np.asarray(tolerance, dtype=np.float64), (w.shape[1],)).copy()
    edges = list(zip(graph.u.tolist(), graph.v.tolist(), graph.length.tolist(), strict=True))
    t_end = time.monotonic() + time_limit_s
    parent = np.zeros(graph.n, dtype=np.int64)
    out: list[NDArray[np.int64] | None] = []
    checks: list[DesignCheck | None] = []
    prev_k = 1
    for j, k in enumerate(levels):
        per = k // prev_k
        mean = w.sum(axis=0) / k
        lab = np.full(graph.n, -1, dtype=np.int64)
        share = max(0.1, (t_end - time.monotonic()) / (len(levels) - j))
        last = j == len(levels) - 1
        for p in range(prev_k):
            nodes = np.flatnonzero(parent == p)
            local = np.full(graph.n, -1, dtype=np.int64)
            local[nodes] = np.arange(len(nodes))
            keep = (local[graph.u] >= 0) & (local[graph.v] >= 0)
            sub = DesignGraph(
                n=len(nodes),
                u=local[graph.u[keep]],
                v=local[graph.v[keep]],
                length=graph.length[keep],
            )

            budget = share / prev_k
            # (band, seconds) tried in turn: tight first above the last level, then the full band
            tries = (
                [(tol, budget)]
                if last
                else [(tol * PARENT_BAND_SHARE, budget / 2), (tol, budget / 2)]
            )
            for band, seconds in tries:
                sol = design_partition(
                    sub,
                    w[nodes],
                    per,
                    band,
                    objective,
                    seconds,
                    seed + 1000 * j + p,
                    mass=None if mass is None else mass[nodes],
                    mean=mean,
                )
                if sol.labels is not None:
                    break
            if sol.labels is None:
                out.append(None)
                checks.append(None)
                # only the top level is designed over the whole graph: inside a parent, a proof
                # holds for that parent, not for every hierarchy
                status = (
                    SolveStatus.INFEASIBLE
                    if sol.status == SolveStatus.INFEASIBLE and j == 0
                    else SolveStatus.UNKNOWN
                )
                return NestedDesign(
                    status,
                    out,
                    checks,
                    f"level {j + 1} ({k})"
                    + (f", inside territory {p} of the level above" if j else "")
                    + f": {sol.reason}",
                )
            lab[nodes] = p * per + sol.labels
        verdict = check_design(
            graph.n, edges, w.tolist(), tol.tolist(), k, lab.tolist(), objective=False
        )
        out.append(lab)
        checks.append(verdict)
        if not verdict.feasible:
            return NestedDesign(
                SolveStatus.UNKNOWN,
                out,
                checks,
                f"level {j + 1}: the checker rejected it: {verdict.problems[0]}",
            )
        parent, prev_k = lab, k
    return NestedDesign(SolveStatus.FEASIBLE, out, checks)
