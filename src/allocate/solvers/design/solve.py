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
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from allocate.core.status import SolveStatus
from allocate.solvers.design.balance import Bands, deviations
from allocate.solvers.design.check import DesignCheck, check_design
from allocate.solvers.design.construct import tree_cuts
from allocate.solvers.design.graph import DesignGraph
from allocate.solvers.design.proof import band_proof, induced, whole_territories
from allocate.solvers.design.search import TabuSearch, centres_of

#: Deterministic budget: search iterations per second of time limit.
ITERS_PER_S = 800
#: Cases of the proof's enumeration per second of time limit (for up to 1,000 units; fewer,
#: in proportion, on larger graphs where each case costs more).
PROOF_CASES_PER_S = 80
#: Seconds kept for the independent checker, per squared unit count.
CHECK_S_PER_N2 = 3e-6


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
    why = band_proof(graph, w, bands, k, cases=cases)
    if why:
        return DesignSolution(SolveStatus.INFEASIBLE, reason=why)
    dist = graph.distances()
    rng = np.random.default_rng(seed)
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
        start = tree_cuts(graph, w, bands.mean, bands.tolerance, k, rng)
        search = TabuSearch(
            graph,
            dist,
            w,
            bands,
            k,
            objective=objective,
            mass=mass,
            current=current,
            disruption=disruption,
            seed=int(rng.integers(1 << 31)),
        )
        found, stats = search.run(start, budget, deadline)
        if found is None:
            return DesignSolution(
                SolveStatus.UNKNOWN,
                iterations=stats.iterations,
                stopped_by=stats.stopped_by,
                time_s=time.monotonic() - t0,
                reason="no balanced connected design found within the limits (not a proof)",
            )
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
