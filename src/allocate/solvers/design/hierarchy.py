"""Nested territory design: regions > districts > territories, each level connected and balanced.

Two ways, tried in this order by default (``strategy="auto"``):

* **bottom-up** (:func:`_bottom_up`): the finest level is designed alone, with most of the time
  (:data:`FINEST_SHARE`), by the single-level search; then its territories are grouped into
  districts, and districts into regions, by the same search on the small graph of the level
  below (a node per territory, an edge where two touch, the length the shortest-path distance
  between their centres) with one measure, 1 per node, at tolerance 0: every parent holds
  exactly ``levels[j + 1] / levels[j]`` children. Nesting and connectivity then hold by
  construction, and so do the bands: ``c`` children each within ``±τ`` of the level mean ``m``
  sum to within ``±τ`` of ``c·m``, the mean of the level above;
* **top-down** (below), with the time left when bottom-up found nothing.

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
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from allocate.core.status import SolveStatus
from allocate.solvers.design.check import DesignCheck, check_design
from allocate.solvers.design.graph import DesignGraph
from allocate.solvers.design.solve import Mapper, design_partition

#: Share of the tolerance that a level above the last is first designed within (room for its
#: children, see the module docstring).
PARENT_BAND_SHARE = 0.3
#: Share of the time limit that bottom-up gives the finest level (the groupings get the rest).
FINEST_SHARE = 0.8
#: Seconds left below which top-down is not tried after bottom-up.
MIN_RETRY_S = 1.0
STRATEGIES = ("auto", "bottom_up", "top_down")


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
    strategy: str = "auto",
    level_tolerance: Sequence[float | NDArray[np.float64]] | None = None,
    starts: int = 1,
    mapper: Mapper | None = None,
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
    strategy
        ``auto`` (bottom-up, then top-down with the time left), ``bottom_up`` or ``top_down``.
    level_tolerance
        The tolerance of each level, coarsest first (one for all measures, or one per
        measure); default ``tolerance`` at every level.
    starts, mapper
        Independent searches of every partition and where they run, as for
        :func:`~allocate.solvers.design.solve.design_partition`.

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
    if level_tolerance is not None and len(level_tolerance) != len(levels):
        raise ValueError(f"{len(level_tolerance)} level tolerances for {len(levels)} levels")
    tols = [
        np.broadcast_to(np.asarray(t, dtype=np.float64), (w.shape[1],)).copy()
        for t in (level_tolerance if level_tolerance is not None else [tol] * len(levels))
    ]
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    edges = list(zip(graph.u.tolist(), graph.v.tolist(), graph.length.tolist(), strict=True))
    t_end = time.monotonic() + time_limit_s
    first = None
    if strategy != "top_down" and len(levels) > 1:
        first = _bottom_up(
            graph, w, levels, tols, objective, time_limit_s, seed, mass, edges, starts, mapper
        )
        if first.status == SolveStatus.FEASIBLE or strategy == "bottom_up":
            return first
        if t_end - time.monotonic() < MIN_RETRY_S:
            return replace(first, reason="bottom-up: " + first.reason)
    res = _top_down(graph, w, levels, tols, objective, t_end, seed, mass, edges, starts, mapper)
    if first is not None and res.status != SolveStatus.FEASIBLE:
        return replace(res, reason=f"bottom-up: {first.reason}; top-down: {res.reason}")
    return res


def _top_down(
    graph: DesignGraph,
    w: NDArray[np.float64],
    levels: list[int],
    tols: list[NDArray[np.float64]],
    objective: str,
    t_end: float,
    seed: int,
    mass: NDArray[np.float64] | None,
    edges: list[tuple[int, int, float]],
    starts: int = 1,
    mapper: Mapper | None = None,
) -> NestedDesign:
    """Regions over the whole graph, then the districts of each region, and so on."""
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
                [(tols[j], budget)]
                if last
                else [(tols[j] * PARENT_BAND_SHARE, budget / 2), (tols[j], budget / 2)]
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
                    starts=starts,
                    mapper=mapper,
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
        out.append(lab)
        rejected = _check_level(graph.n, edges, w, tols[j], k, lab, j, checks)
        if rejected:
            return NestedDesign(SolveStatus.UNKNOWN, out, checks, rejected)
        parent, prev_k = lab, k
    return NestedDesign(SolveStatus.FEASIBLE, out, checks)


def _bottom_up(
    graph: DesignGraph,
    w: NDArray[np.float64],
    levels: list[int],
    tols: list[NDArray[np.float64]],
    objective: str,
    time_limit_s: float,
    seed: int,
    mass: NDArray[np.float64] | None,
    edges: list[tuple[int, int, float]],
    starts: int = 1,
    mapper: Mapper | None = None,
) -> NestedDesign:
    """The finest level alone, then each level above as exact groups of the one below."""
    from scipy.sparse.csgraph import dijkstra

    t0 = time.monotonic()
    t_end = t0 + time_limit_s
    m = np.ones(graph.n) if mass is None else np.asarray(mass, dtype=np.float64)
    k = levels[-1]
    sol = design_partition(
        graph,
        w,
        k,
        tols[-1],
        objective,
        FINEST_SHARE * time_limit_s,
        seed,
        mass=mass,
        starts=starts,
        mapper=mapper,
    )
    if sol.labels is None:
        return NestedDesign(
            SolveStatus.UNKNOWN,
            [None] * len(levels),
            [None] * len(levels),
            f"level {len(levels)} ({k}): {sol.reason}",
        )
    out: list[NDArray[np.int64] | None] = [sol.labels]
    csr = graph.csr()
    # the unit that stands for each territory of the level being grouped: the finest level's
    # median centres, then, one level up, the centre of each parent's heaviest child
    centres = np.asarray(sol.centres, dtype=np.int64)
    for j in range(len(levels) - 2, -1, -1):
        cur = out[0]
        assert cur is not None
        k_up, k_low = levels[j], levels[j + 1]
        if k_up == k_low:
            out.insert(0, cur.copy())
            continue
        if k_up == 1:
            out.insert(0, np.zeros(graph.n, dtype=np.int64))
            centres = centres[:1]
            continue
        a, b = cur[graph.u], cur[graph.v]
        cross = a != b
        pairs = sorted(
            {
                (min(x, y), max(x, y))
                for x, y in zip(a[cross].tolist(), b[cross].tolist(), strict=True)
            }
        )
        dist = dijkstra(csr, directed=False, indices=centres)
        coarse = DesignGraph(
            n=k_low,
            u=np.array([p[0] for p in pairs], dtype=np.int64),
            v=np.array([p[1] for p in pairs], dtype=np.int64),
            length=np.array([max(1e-3, float(dist[p[0], centres[p[1]]])) for p in pairs]),
        )
        seconds = max(0.1, (t_end - time.monotonic()) / (j + 1))
        # 1 per child at tolerance 0 (exact shares), and the measures within this level's band
        # (implied when it is no narrower than the band of the level below)
        totals = np.zeros((k_low, w.shape[1]))
        np.add.at(totals, cur, w)
        up = design_partition(
            coarse,
            np.hstack([np.ones((k_low, 1)), totals]),
            k_up,
            np.concatenate([[0.0], tols[j]]),
            objective,
            seconds,
            seed + 1000 * (j + 1),
            mass=np.bincount(cur, weights=m, minlength=k_low).astype(np.float64),
            starts=starts,
            mapper=mapper,
        )
        if up.labels is None:
            none: list[NDArray[np.int64] | None] = [None] * (j + 1)
            return NestedDesign(
                SolveStatus.UNKNOWN,
                none + out,
                [None] * len(levels),
                f"level {j + 1} ({k_up}): no grouping of the {k_low} territories below, "
                f"{k_low // k_up} each: {up.reason}",
            )
        weight_low = np.bincount(cur, weights=m, minlength=k_low)
        heaviest = np.full(k_up, -1, dtype=np.int64)
        for c in np.argsort(-weight_low, kind="stable").tolist():
            if heaviest[up.labels[c]] < 0:
                heaviest[up.labels[c]] = c
        centres = centres[heaviest]
        out.insert(0, up.labels[cur])
    out = _renumber([x for x in out if x is not None], levels)
    checks: list[DesignCheck | None] = []
    for j, (k_j, lab) in enumerate(zip(levels, out, strict=True)):
        assert lab is not None
        rejected = _check_level(graph.n, edges, w, tols[j], k_j, lab, j, checks)
        if rejected:
            return NestedDesign(SolveStatus.UNKNOWN, out, checks, rejected)
    return NestedDesign(SolveStatus.FEASIBLE, out, checks)


def _check_level(
    n: int,
    edges: list[tuple[int, int, float]],
    w: NDArray[np.float64],
    band: NDArray[np.float64],
    k: int,
    lab: NDArray[np.int64],
    j: int,
    checks: list[DesignCheck | None],
) -> str:
    """Check level ``j`` whole (appended to ``checks``); why it is rejected, or ``""``."""
    verdict = check_design(n, edges, w.tolist(), band.tolist(), k, lab.tolist(), objective=False)
    checks.append(verdict)
    return (
        "" if verdict.feasible else f"level {j + 1}: the checker rejected it: {verdict.problems[0]}"
    )


def _renumber(labels: list[NDArray[np.int64]], levels: list[int]) -> list[NDArray[np.int64] | None]:
    """Number the territories of each level parent by parent (as top-down does): the children
    of parent ``p`` are ``p * per .. p * per + per - 1``, in the order of their old numbers."""
    out: list[NDArray[np.int64] | None] = [labels[0]]
    for j in range(1, len(levels)):
        up, low = out[j - 1], labels[j]
        assert up is not None
        parent_of = np.zeros(levels[j], dtype=np.int64)
        parent_of[low] = up
        order = np.lexsort((np.arange(levels[j]), parent_of))  # by parent, then old number
        new = np.empty(levels[j], dtype=np.int64)
        new[order] = np.arange(levels[j])
        out.append(new[low])
    return out
