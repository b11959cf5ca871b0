"""The entry point of territory design on arrays: construct, search, check.

:func:`design_partition` builds a balanced connected start by cutting random spanning trees,
improves it with the tabu search of :mod:`allocate.solvers.design.search` (boundary moves and
merge-and-split recombinations), and then hands the best partition to the independent checker
(:mod:`allocate.solvers.design.check`). The status says ``feasible`` only when the checker
agrees; ``infeasible`` only with a proof (a unit heavier than a band allows, more components
than territories, more territories than units, or units that the cut vertices of the graph
force into one territory above a band, or whose territory, enumerated case by case, can
never meet the bands: :mod:`allocate.solvers.design.proof`); otherwise
``unknown``. It is never ``optimal``: no lower bound is computed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from allocate.core.status import SolveStatus
from allocate.solvers.design.balance import Bands, deviations
from allocate.solvers.design.check import DesignCheck, check_design
from allocate.solvers.design.construct import tree_cuts
from allocate.solvers.design.graph import DesignGraph
from allocate.solvers.design.proof import band_proof, induced, whole_territories
from allocate.solvers.design.search import SearchStats, TabuSearch, centres_of, dispersion_of

#: Deterministic budget: search iterations per second of time limit.
ITERS_PER_S = 800
#: Cases of the proof's enumeration per second of time limit (for up to 1,000 units; fewer,
#: in proportion, on larger graphs where each case costs more).
PROOF_CASES_PER_S = 80
#: Largest share of the time limit for the proof's enumeration (its cases cost more on big
#: graphs: 2,350 cases took 26 s of a 60 s limit on 2,043 units of a busy machine, leaving the
#: search no iteration).
PROOF_SHARE = 0.2
#: Seconds kept for the independent checker, per squared unit count.
CHECK_S_PER_N2 = 3e-6

#: ``mapper(fn, items) -> [fn(x) for x in items]``, computed anywhere (e.g. a process pool),
#: in the order of ``items``.
Mapper = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]


@dataclass(frozen=True)
class _Start:
    """One independent search: everything a worker process needs."""

    graph: DesignGraph
    dist: NDArray[np.float64]
    weights: NDArray[np.float64]
    bands: Bands
    k: int
    objective: str
    mass: NDArray[np.float64] | None
    current: NDArray[np.int64] | None
    disruption: float
    #: The seed of this start's generator (``seed`` for the first, ``[seed, i]`` after):
    #: it cuts the start and then seeds the search, in the worker.
    seed: int | list[int]
    budget: int
    deadline: float


def _run_start(job: _Start) -> tuple[NDArray[np.int64] | None, SearchStats, float]:
    """Run one search; its best partition, its stats and that partition's score.

    The search is one thread: its matrix products are small (a territory or two of units),
    and BLAS threads only cost there (20x fewer iterations on 2 busy cores), so they are held
    to one, in this process or in a worker of a pool.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _search(job)


def _search(job: _Start) -> tuple[NDArray[np.int64] | None, SearchStats, float]:
    r = np.random.default_rng(job.seed)
    start = tree_cuts(job.graph, job.weights, job.bands.mean, job.bands.tolerance, job.k, r)
    search = TabuSearch(
        job.graph,
        job.dist,
        job.weights,
        job.bands,
        job.k,
        objective=job.objective,
        mass=job.mass,
        current=job.current,
        disruption=job.disruption,
        seed=int(r.integers(1 << 31)),
    )
    found, stats = search.run(start, job.budget, job.deadline)
    return found, stats, float("inf") if found is None else _score(job, found)


def _score(job: _Start, lab: NDArray[np.int64]) -> float:
    """What the search minimises: the objective plus the disruption of moved units."""
    if job.objective == "dispersion":
        value = float(dispersion_of(job.dist, lab, job.k).max())
    else:
        m = np.ones(job.graph.n) if job.mass is None else job.mass
        c = centres_of(job.dist, lab, job.k, m)
        value = float(np.sum(m * job.dist[np.arange(job.graph.n), c[lab]]))
    if job.current is None or not job.disruption:
        return value
    return value + job.disruption * int(np.sum((job.current >= 0) & (lab != job.current)))


@dataclass(frozen=True)
class DesignSolution:
    """The outcome of :func:`design_partition`.

    Attributes
    ----------
    status
        ``feasible`` (checked), ``infeasible`` (proven) or ``unknown``.
    labels
        Territory of each unit (``None`` without a feasible design).
    value
        The objective recomputed by the checker (dispersion or median sum), NaN without one.
    centres
        The free centre of each territory (the unit minimising the sum of distances to its
        units), or None.
    check
        The checker's verdict on the returned labels (None without labels).
    iterations, stopped_by, time_s
        What the search did: iterations, ``budget`` or ``wall_clock``, seconds.
    reason
        Why there is no design (proof or limit), empty otherwise.
    """

    status: SolveStatus
    labels: NDArray[np.int64] | None = None
    value: float = float("nan")
    centres: NDArray[np.int64] | None = None
    check: DesignCheck | None = None
    iterations: int = 0
    stopped_by: str = ""
    time_s: float = 0.0
    reason: str = ""
    extra: dict[str, float] = field(default_factory=dict)


def _proof(graph: DesignGraph, weights: NDArray[np.float64], k: int, bands: Bands) -> str:
    if k < 1:
        return "the number of territories must be at least 1"
    if k > graph.n:
        return f"{k} territories for {graph.n} units"
    comps = graph.n_components()
    if comps > k:
        return f"the unit graph has {comps} components, more than {k} territories"
    heavy = weights > bands.mean * (1 + bands.tolerance)
    if heavy.any():
        u, m = np.argwhere(heavy)[0]
        return f"unit {int(u)} alone exceeds the band of measure {int(m)}"
    return ""


def _in_turn(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    return [fn(x) for x in items]


def design_partition(
    graph: DesignGraph,
    weights: NDArray[np.float64],
    k: int,
    tolerance: float | NDArray[np.float64],
    objective: str = "dispersion",
    time_limit_s: float = 60.0,
    seed: int = 0,
    max_iters: int | None = None,
    mass: NDArray[np.float64] | None = None,
    current: NDArray[np.int64] | None = None,
    disruption: float = 0.0,
    mean: NDArray[np.float64] | None = None,
    starts: int = 1,
    mapper: Mapper | None = None,
) -> DesignSolution:
    """Partition the units of ``graph`` into ``k`` connected, balanced, compact territories.

    Parameters
    ----------
    graph
        The unit graph (connected).
    weights
        Measures of each unit (units x measures); each territory's total of each measure
        must lie within ``±tolerance`` of the mean (total / k).
    k
        Number of territories.
    tolerance
        Relative tolerance, one for all measures or one per measure.
    objective
        ``"dispersion"`` or ``"median"`` (see :mod:`allocate.solvers.design.search`).
    time_limit_s
        Wall-clock limit (a safety net; the search stops first on its deterministic budget
        on an idle machine).
    seed
        Random seed: the same seed and budget give the same design.
    max_iters
        Deterministic budget (iterations); default ``ITERS_PER_S x time_limit_s``.
    mass
        Weight of each unit in the median objective.
    current, disruption
        Today's territory of each unit (-1: none) and the cost per unit moved away from it.
    mean
        The centre of each band (default: total / k); a level of a hierarchy passes the mean
        of the whole level, so that the bands stay those of the whole map.
    starts
        Independent searches (each from its own start and seed, each with the whole
        budget); the best design wins, ties going to the first. Start 0 is the search of
        ``starts=1``. Run side by side by ``mapper`` (e.g. a process pool with one process
        per core), so that the result does not depend on where they run.
    mapper
        Where the searches run; in turn in this process by default.

    Returns
    -------
    DesignSolution
        The design and its checked values.
    """
    t0 = time.monotonic()
    limit = max(0.1, float(time_limit_s))
    # the checker runs after the search, inside the limit: keep it its share
    deadline = t0 + 0.95 * limit - min(0.25 * limit, CHECK_S_PER_N2 * graph.n**2)
    w = np.asarray(weights, dtype=np.float64).reshape(graph.n, -1)
    bands = Bands.of(w, k, tolerance)
    if mean is not None:
        bands = Bands(mean=np.asarray(mean, dtype=np.float64), tolerance=bands.tolerance)
    why = _proof(graph, w, k, bands)
    if why:
        return DesignSolution(SolveStatus.INFEASIBLE, reason=why)
    if graph.n_components() > 1:
        return DesignSolution(
            SolveStatus.UNKNOWN,
            reason="the unit graph is not connected (give an adjacency joining its parts)",
        )
    cases = int(PROOF_CASES_PER_S * limit * min(1.0, 1000 / max(graph.n, 1)))
    why = band_proof(graph, w, bands, k, cases=cases, deadline=t0 + PROOF_SHARE * limit)
    if why:
        return DesignSolution(SolveStatus.INFEASIBLE, reason=why)
    dist = graph.distances()
    budget = int(max_iters if max_iters is not None else ITERS_PER_S * time_limit_s)
    fixed = whole_territories(graph, w, bands, k) if k > 2 and current is None else []
    if fixed:
        # every design has these groups as territories: design the rest with k - len(fixed)
        keep = np.ones(graph.n, dtype=bool)
        for f in fixed:
            keep[f] = False
        sub, idx = induced(graph, keep)
        rest = design_partition(
            sub,
            w[idx],
            k - len(fixed),
            bands.tolerance,
            objective,
            max(0.1, deadline - time.monotonic()),
            seed,
            budget,
            None if mass is None else np.asarray(mass, dtype=np.float64)[idx],
            mean=bands.mean,
            starts=starts,
            mapper=mapper,
        )
        note = f"{len(fixed)} groups of units must be whole territories; in the rest: "
        if rest.labels is None:
            return replace(rest, reason=note + rest.reason, time_s=time.monotonic() - t0)
        labels = np.empty(graph.n, dtype=np.int64)
        for i, f in enumerate(fixed):
            labels[f] = i
        labels[idx] = rest.labels + len(fixed)
        iters, stopped = rest.iterations, rest.stopped_by
    elif k == 1:
        labels = np.zeros(graph.n, dtype=np.int64)
        iters, stopped = 0, "budget"
    else:
        # each start is cut where its search runs (a start of many territories takes a while)
        jobs = [
            _Start(
                graph, dist, w, bands, k, objective, mass, current, disruption,
                seed if i == 0 else [seed, i], budget, deadline,
            )  # fmt: skip
            for i in range(max(1, int(starts)))
        ]
        runs = (mapper or _in_turn)(_run_start, jobs)
        best = min(range(len(runs)), key=lambda i: (runs[i][2], i))
        found, stats, _ = runs[best]
        if found is None:
            return DesignSolution(
                SolveStatus.UNKNOWN,
                iterations=stats.iterations,
                stopped_by=stats.stopped_by,
                time_s=time.monotonic() - t0,
                reason="no balanced connected design found within the limits (not a proof)",
            )
        if len(runs) > 1 and any(r[1].stopped_by == "wall_clock" for r in runs):
            stats = replace(stats, stopped_by="wall_clock")
        labels = found
        iters, stopped = stats.iterations, stats.stopped_by
    elapsed = time.monotonic() - t0
    edges = list(zip(graph.u.tolist(), graph.v.tolist(), graph.length.tolist(), strict=True))
    verdict = check_design(
        graph.n,
        edges,
        w.tolist(),
        bands.tolerance.tolist(),
        k,
        labels.tolist(),
        mass=None if mass is None else mass.tolist(),
        mean=None if mean is None else bands.mean.tolist(),
    )
    if not verdict.feasible:
        return DesignSolution(
            SolveStatus.UNKNOWN,
            check=verdict,
            iterations=iters,
            stopped_by=stopped,
            time_s=elapsed,
            reason="the checker rejected the design: " + "; ".join(verdict.problems[:3]),
        )
    value = verdict.dispersion if objective == "dispersion" else verdict.median
    m = np.ones(graph.n) if mass is None else np.asarray(mass, dtype=np.float64)
    return DesignSolution(
        SolveStatus.FEASIBLE,
        labels,
        value,
        centres_of(dist, labels, k, m),
        verdict,
        iters,
        stopped,
        elapsed,
        extra={"max_dev_pct": 100 * verdict.max_dev},
    )


__all__ = ["DesignSolution", "deviations", "design_partition"]
