"""The design workflow over an instance: graph, measures, search, staffing, tables.

:func:`design_territories` is the API behind ``allocate design``. The search runs on the
unit graph (:mod:`allocate.solvers.design`); every design it returns as feasible has been
re-checked by the independent checker (connectivity, bands on the unscaled totals, the
objective recomputed); a design the checker rejects is never reported feasible.

Staffing (optional):

* ``sellers``: the existing sellers are matched to the territories so that the total
  great-circle distance from their bases to the territory centres is least (an assignment
  problem, :func:`scipy.optimize.linear_sum_assignment`; with fewer sellers than territories
  some territories stay vacant, with more some sellers get none);
* ``centres``: a new base is placed at each territory's centre.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from allocate.core.errors import InfeasibleError, InputError
from allocate.core.instance import Instance
from allocate.core.status import SolveStatus
from allocate.design.graph import UnitGraph, build_graph, haversine_km
from allocate.design.measures import node_measures
from allocate.design.verify import HierarchyVerdict, verify_hierarchy
from allocate.io.runfolder import write_design, writing
from allocate.solvers.design.check import check_design
from allocate.solvers.design.hierarchy import nested_partition
from allocate.solvers.design.search import centres_of, dispersion_of
from allocate.solvers.design.solve import (
    CHECK_S_PER_N2,
    DesignSolution,
    Mapper,
    design_partition,
)

OBJECTIVES = ("median", "dispersion")
#: Largest share of the time limit of a hierarchy kept for the checks and tables after it.
NESTED_RESERVE_SHARE = 0.3
STAFFING = ("sellers", "centres")


@dataclass(frozen=True)
class DesignSpec:
    """What to design.

    Attributes
    ----------
    territories
        Number of territories K.
    balance
        Measure -> relative tolerance (hard band ``±tolerance`` around the mean per territory).
    objective
        ``median``: sum over accounts of the shortest-path distance to their territory's
        centre; ``dispersion``: the largest shortest-path distance between two units of one
        territory.
    time_limit_s, seed
        Limits and randomness (same seed and budget: same design).
    disruption
        Cost of each unit moved away from today's territory (its accounts' majority seller),
        in the units of the objective; needs K = the number of sellers.
    staff
        None, ``sellers`` or ``centres``.
    levels
        Territories per level of a hierarchy (e.g. ``(4, 20, 100)``), the last being
        ``territories``; each level connected and balanced around its own mean, each
        territory inside one territory of the level above.
    level_tolerance
        With ``levels``: the tolerance of each level above the finest (coarsest first), for
        every measure; default the bands of ``balance`` at every level.
    level_names
        With ``levels``: the name of each level, coarsest first (default :func:`level_names`).
    starts
        Independent searches (search ``i`` from its own start, seeded by ``(seed, i)``, each
        with the whole iteration budget); the best design wins, ties going to the first.
        The design depends on ``starts`` and ``seed``, not on where the searches run
        (``design_territories(..., mapper=)``).
    """

    territories: int
    balance: Mapping[str, float] = field(default_factory=lambda: {"count": 0.1})
    objective: str = "median"
    time_limit_s: float = 30.0
    seed: int = 0
    disruption: float = 0.0
    staff: str | None = None
    levels: tuple[int, ...] | None = None
    level_tolerance: tuple[float, ...] | None = None
    level_names: tuple[str, ...] | None = None
    starts: int = 1

    def __post_init__(self) -> None:
        if self.starts < 1:
            raise InputError.single(
                "options", f"starts (--workers) must be >= 1, got {self.starts}"
            )
        if self.levels is not None:
            lv = list(self.levels)
            if (
                not lv
                or min(lv) < 1  # before the modulo: a level of 0 is refused, not divided by
                or lv[-1] != self.territories
                or any(b % a for a, b in zip(lv, lv[1:], strict=False))
            ):
                raise InputError.single(
                    "options",
                    f"--levels {','.join(map(str, lv))}: each level a multiple of the one before, the last = territories",
                )
            if self.disruption > 0:
                raise InputError.single("options", "--disruption is not available with --levels")
        if self.level_tolerance is not None:
            n_up = len(self.levels) - 1 if self.levels else 0
            if len(self.level_tolerance) != n_up or n_up == 0:
                raise InputError.single(
                    "options",
                    f"--level-tolerance needs one value per level above the finest ({n_up} with --levels), "
                    f"got {len(self.level_tolerance)}",
                )
            if any(not 0 <= t < 1 for t in self.level_tolerance):
                raise InputError.single(
                    "options",
                    f"--level-tolerance values must be in [0, 1), got {self.level_tolerance}",
                )
        if self.level_names is not None:
            names = [str(n).strip() for n in self.level_names]
            if (
                self.levels is None
                or len(names) != len(self.levels)
                or not all(names)
                or len(set(names)) != len(names)
            ):
                raise InputError.single(
                    "options",
                    f"--levels: one distinct, non-empty name per level, got {list(self.level_names)}",
                )
        if self.territories < 1:
            raise InputError.single(
                "options", f"--territories must be >= 1, got {self.territories}"
            )
        if self.objective not in OBJECTIVES:
            raise InputError.single(
                "options",
                f"--objective must be one of {', '.join(OBJECTIVES)}, got {self.objective!r}",
            )
        if self.staff is not None and self.staff not in STAFFING:
            raise InputError.single(
                "options", f"--staff must be one of {', '.join(STAFFING)}, got {self.staff!r}"
            )
        if not self.balance:
            raise InputError.single("options", "--balance needs at least one measure")
        for name, tol in self.balance.items():
            if not 0 <= tol < 1:
                raise InputError.single(
                    "options", f"tolerance of {name!r} must be in [0, 1), got {tol}"
                )
        if self.disruption < 0 or self.time_limit_s <= 0:
            raise InputError.single("options", "--disruption must be >= 0 and --time-limit > 0")


@dataclass(frozen=True)
class Design:
    """A designed set of territories over an instance.

    Attributes
    ----------
    spec
        What was asked.
    graph
        The unit graph.
    measures
        ``(nodes, measures)`` totals, in ``spec.balance`` order.
    solution
        The solver's checked outcome (status, labels, value, centres, checker verdict).
    seller_of
        Seller index of each territory when staffed with sellers (-1: vacant), else None.
    """

    spec: DesignSpec
    graph: UnitGraph
    measures: NDArray[np.float64]
    solution: DesignSolution
    seller_of: NDArray[np.int64] | None
    instance: Instance = field(repr=False)
    level_labels: list[NDArray[np.int64]] | None = None
    level_checks: list[Any] | None = None
    verdict: HierarchyVerdict | None = None

    @property
    def level_counts(self) -> tuple[int, ...]:
        """Territories per level, coarsest first (one level for a flat design)."""
        return tuple(self.spec.levels) if self.spec.levels else (self.spec.territories,)

    @property
    def level_bands(self) -> list[list[float]]:
        """The tolerance of each measure at each level, coarsest first."""
        return level_bands(self.spec)

    @property
    def level_names(self) -> list[str]:
        """Name of each level, coarsest first (see :func:`level_names`)."""
        return names_of(self.spec)

    @property
    def status(self) -> SolveStatus:
        """Feasible (checked), infeasible (proven) or unknown."""
        return self.solution.status

    def units_frame(self) -> pd.DataFrame | None:
        """One row per node: id, territory, whether it is its territory's centre."""
        lab = self.solution.labels
        if lab is None:
            return None
        centres = set() if self.solution.centres is None else set(self.solution.centres.tolist())
        key = "unit_id" if self.graph.kind == "unit" else "account_id"
        df = pd.DataFrame(
            {
                key: list(self.graph.ids),
                "territory": lab,
                "is_centre": [i in centres for i in range(len(lab))],
            }
        )
        for j, lv in enumerate((self.level_labels or [])[:-1]):
            df[f"level_{j + 1}"] = lv
        return df

    def accounts_frame(self) -> pd.DataFrame | None:
        """One row per account: id, its unit (if any), territory and seller when staffed."""
        lab = self.solution.labels
        if lab is None:
            return None
        acc = self.instance.accounts
        ter = lab[self.graph.account_node]
        df = pd.DataFrame({"account_id": list(acc.ids)})
        if self.graph.kind == "unit":
            df["unit_id"] = [self.graph.ids[u] for u in self.graph.account_node]
        df["territory"] = ter
        if self.seller_of is not None:
            ids = self.instance.sellers.ids
            df["seller_id"] = ["" if self.seller_of[t] < 0 else ids[self.seller_of[t]] for t in ter]
        return df

    def territories_frame(self) -> pd.DataFrame | None:
        """One row per territory: size, totals and deviations, compactness, centre, staff."""
        sol = self.solution
        if sol.labels is None or sol.centres is None:
            return None
        k, lab = self.spec.territories, sol.labels
        dist = self.graph.graph.distances()
        disp = dispersion_of(dist, lab, k)
        acc_count = np.bincount(lab[self.graph.account_node], minlength=k)
        mean = self.measures.sum(axis=0) / k
        rows = []
        for t in range(k):
            m = lab == t
            c = int(sol.centres[t])
            row: dict[str, Any] = {
                "territory": t,
                "nodes": int(m.sum()),
                "accounts": int(acc_count[t]),
            }
            for j, name in enumerate(self.spec.balance):
                tot = float(self.measures[m, j].sum())
                row[f"{name}_total"] = round(tot, 6)
                row[f"{name}_dev_pct"] = (
                    round(100 * (tot - mean[j]) / mean[j], 4) if mean[j] > 0 else 0.0
                )
            row["dispersion"] = round(float(disp[t]), 6)
            row["centre"] = self.graph.ids[c]
            row["centre_lat"], row["centre_lon"] = (
                float(self.graph.lat[c]),
                float(self.graph.lon[c]),
            )
            if self.seller_of is not None:
                s = int(self.seller_of[t])
                sel = self.instance.sellers
                row["seller_id"] = "" if s < 0 else sel.ids[s]
                row["seller_to_centre_km"] = (
                    None
                    if s < 0
                    else round(
                        float(
                            haversine_km(
                                sel.lat[s], sel.lon[s], self.graph.lat[c], self.graph.lon[c]
                            )
                        ),
                        3,
                    )
                )
            rows.append(row)
        return pd.DataFrame(rows)

    def levels_frame(self) -> pd.DataFrame | None:
        """One row per territory of every level of a hierarchy (None without one).

        Columns: ``level`` (1 = coarsest), ``level_name`` (region, district, territory),
        ``territories`` (count at that level), ``territory``, ``parent`` (its territory one
        level up, -1 at the top), ``children`` (its territories one level down, 0 at the
        bottom), ``nodes``, ``accounts``, each measure's total and deviation from that level's
        mean (%), ``connected`` (by the independent check, :mod:`allocate.design.verify`) and
        the dispersion (largest shortest-path distance between two of its units).
        """
        if not self.level_labels or self.solution.labels is None:
            return None
        dist = self.graph.graph.distances()
        rows: list[dict[str, Any]] = []
        for j, (k, lab) in enumerate(zip(self.spec.levels or (), self.level_labels, strict=True)):
            mean = self.measures.sum(axis=0) / k
            acc_count = np.bincount(lab[self.graph.account_node], minlength=k)
            disp = dispersion_of(dist, lab, k)
            up = self.level_labels[j - 1] if j > 0 else None
            down = self.level_labels[j + 1] if j + 1 < len(self.level_labels) else None
            seen = self.verdict.levels[j] if self.verdict is not None else None
            for t in range(k):
                m = lab == t
                row: dict[str, Any] = {
                    "level": j + 1,
                    "level_name": self.level_names[j],
                    "territories": k,
                    "territory": t,
                    "parent": -1 if up is None else int(up[np.argmax(m)]),
                    "children": 0 if down is None else len(np.unique(down[m])),
                    "nodes": int(m.sum()),
                    "accounts": int(acc_count[t]),
                }
                for i, name in enumerate(self.spec.balance):
                    tot = float(self.measures[m, i].sum())
                    row[f"{name}_total"] = round(tot, 6)
                    row[f"{name}_dev_pct"] = (
                        round(100 * (tot - mean[i]) / mean[i], 4) if mean[i] > 0 else 0.0
                    )
                row["connected"] = "" if seen is None else ("yes" if seen.connected[t] else "no")
                row["dispersion"] = round(float(disp[t]), 6)
                rows.append(row)
        return pd.DataFrame(rows)

    def write(self, out: Path) -> list[Path]:
        """Write the design folder (the tables that exist, then the summary, last).

        Parameters
        ----------
        out
            The folder (created); ``allocate map``/``report`` and
            :func:`allocate.io.runfolder.read_design` read it back.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        # one unit: a reader sees the earlier design or this one, and no file of an earlier
        # design (its levels) is left beside this one
        with writing(out) as tmp:
            written = write_design(
                tmp,
                self.summary(),
                self.units_frame(),
                self.accounts_frame(),
                self.territories_frame(),
                self.levels_frame(),
            )
        return [Path(out) / p.name for p in written]

    def summary(self) -> dict[str, Any]:
        """The content of the design summary file."""
        sol, spec = self.solution, self.spec
        chk = sol.check
        return {
            "status": str(sol.status),
            "reason": sol.reason,
            "objective": spec.objective,
            "value": sol.value,
            "territories": spec.territories,
            "balance": dict(spec.balance),
            "nodes": self.graph.kind,
            "n_nodes": len(self.graph.ids),
            "n_edges": len(self.graph.graph.u),
            "bridges": self.graph.bridges,
            "checker": None
            if chk is None
            else {
                "feasible": chk.feasible,
                "connected": chk.connected,
                "max_dev_pct": 100 * chk.max_dev,
                "dispersion": chk.dispersion,
                "median": chk.median,
                "problems": chk.problems,
            },
            "levels": None
            if self.level_checks is None
            else [
                {
                    "territories": k,
                    "feasible": c.feasible,
                    "connected": c.connected,
                    "max_dev_pct": 100 * c.max_dev,
                }
                for k, c in zip(spec.levels or (), self.level_checks, strict=False)
                if c is not None
            ],
            "check": None
            if self.verdict is None
            else {
                "feasible": self.verdict.feasible,
                "problems": self.verdict.problems[:20],
                "levels": [
                    {
                        "name": name,
                        "territories": v.territories,
                        "connected": sum(v.connected),
                        "max_dev_pct": 100 * v.max_dev,
                        "ok": v.ok,
                    }
                    for name, v in zip(self.level_names, self.verdict.levels, strict=True)
                ],
            },
            "instance_dir": self.instance.source_dir,
            "level_counts": list(self.level_counts),
            "level_bands": [dict(zip(spec.balance, b, strict=True)) for b in self.level_bands],
            "level_names": self.level_names,
            "staff": spec.staff,
            "disruption": spec.disruption,
            "time_limit_s": spec.time_limit_s,
            "seed": spec.seed,
            "starts": spec.starts,
            "iterations": sol.iterations,
            "stopped_by": sol.stopped_by,
            "wall_s": sol.time_s,
            "deterministic": sol.stopped_by == "budget",
        }


def _current_labels(instance: Instance, g: UnitGraph, k: int) -> NDArray[np.int64]:
    """Today's territory of each node: the seller of most of its accounts (-1: none)."""
    if len(instance.sellers) != k:
        raise InputError.single(
            "options",
            f"--disruption compares with today's sellers: needs --territories {len(instance.sellers)} (the number of sellers)",
        )
    n = len(g.ids)
    votes = np.zeros((n, k), dtype=np.int64)
    cur = np.asarray(instance.accounts.current_seller, dtype=np.int64)
    ok = cur >= 0
    np.add.at(votes, (g.account_node[ok], cur[ok]), 1)
    out = np.argmax(votes, axis=1).astype(np.int64)
    out[votes.sum(axis=1) == 0] = -1
    return out


def _staff(
    instance: Instance, g: UnitGraph, centres: NDArray[np.int64], k: int
) -> NDArray[np.int64]:
    from scipy.optimize import linear_sum_assignment

    sel = instance.sellers
    out = np.full(k, -1, dtype=np.int64)
    if len(sel) == 0:
        return out
    cost = haversine_km(
        np.asarray(sel.lat)[:, None],
        np.asarray(sel.lon)[:, None],
        g.lat[centres][None, :],
        g.lon[centres][None, :],
    )
    rows, cols = linear_sum_assignment(cost)
    out[cols] = rows
    return out


def design_territories(
    instance: Instance,
    spec: DesignSpec,
    adjacency: list[tuple[int, int, float | None]] | None = None,
    columns: Mapping[str, NDArray[np.float64]] | None = None,
    mapper: Mapper | None = None,
) -> Design:
    """Design ``spec.territories`` territories over ``instance``.

    Parameters
    ----------
    instance
        The instance (units optional).
    spec
        What to design.
    adjacency
        Edges between node positions (unit ids order, or account order without units), with
        optional distances; None for the polygons (or the nearest accounts).
    columns
        Extra numeric measures per account, by name (e.g. a column of the accounts table).
    mapper
        Where the ``spec.starts`` independent searches run (e.g.
        ``allocate.schedule.parallel.pool_map(2)``, one process each); in turn in this
        process by default. It changes where they run, never the design.

    Returns
    -------
    Design
        The design; ``status`` is ``feasible`` only when the independent checker agreed.

    Raises
    ------
    InfeasibleError
        Proven infeasible (e.g. one unit alone heavier than a band allows).
    InputError
        Bad options or measures.
    """
    g = build_graph(instance, adjacency)
    names = list(spec.balance)
    w = node_measures(instance, g.account_node, len(g.ids), names, columns)
    tol = np.array([spec.balance[m] for m in names], dtype=np.float64)
    k = spec.territories
    current = _current_labels(instance, g, k) if spec.disruption > 0 else None
    mass = np.bincount(g.account_node, minlength=len(g.ids)).astype(np.float64)
    level_labels = level_checks = None
    if spec.levels is not None and len(spec.levels) > 1:
        sol, level_labels, level_checks = _nested(g, w, tol, mass, spec, mapper)
    else:
        sol = design_partition(
            g.graph,
            w,
            k,
            tol,
            spec.objective,
            spec.time_limit_s,
            spec.seed,
            mass=mass,
            current=current,
            disruption=spec.disruption,
            starts=spec.starts,
            mapper=mapper,
        )
    if sol.status == SolveStatus.INFEASIBLE:
        raise InfeasibleError(f"no design of {k} territories: {sol.reason}")
    verdict = None
    if sol.labels is not None:
        counts = list(spec.levels) if spec.levels else [k]
        labs = level_labels if level_labels else [sol.labels]
        verdict = verify_hierarchy(
            len(g.ids),
            list(zip(g.graph.u.tolist(), g.graph.v.tolist(), strict=True)),
            w.tolist(),
            tol.tolist(),
            counts,
            [lab.tolist() for lab in labs],
            names_of(spec),
            level_bands(spec),
        )
        if not verdict.feasible and sol.status == SolveStatus.FEASIBLE:
            # the tables are still written, so that the breach can be seen
            sol = replace(
                sol,
                status=SolveStatus.UNKNOWN,
                reason="the hierarchy check rejected the design: "
                + "; ".join(verdict.problems[:3]),
            )
    seller_of = None
    if spec.staff == "sellers" and sol.centres is not None:
        seller_of = (
            np.arange(k, dtype=np.int64)
            if current is not None
            else _staff(instance, g, sol.centres, k)
        )
    return Design(
        spec=spec,
        graph=g,
        measures=w,
        solution=sol,
        seller_of=seller_of,
        instance=instance,
        level_labels=level_labels,
        level_checks=level_checks,
        verdict=verdict,
    )


def level_bands(spec: DesignSpec) -> list[list[float]]:
    """The tolerance of each measure (``spec.balance`` order) at each level, coarsest first."""
    base = [float(spec.balance[m]) for m in spec.balance]
    n = len(spec.levels) if spec.levels else 1
    upper = list(spec.level_tolerance or ())
    return [[float(t)] * len(base) for t in upper] + [base] * (n - len(upper))


def names_of(spec: DesignSpec) -> list[str]:
    """The names of the levels of ``spec``: its own, else :func:`level_names`."""
    if spec.level_names is not None:
        return [str(n).strip() for n in spec.level_names]
    return level_names(len(spec.levels) if spec.levels else 1)


def level_names(n: int) -> list[str]:
    """Names of ``n`` nested levels, coarsest first: ``region, district, ..., territory``.

    One level is ``territory``; two are ``region, territory``; three ``region, district,
    territory``; deeper ones add ``level 3``, ``level 4``... between districts and territories.
    """
    if n <= 1:
        return ["territory"]
    upper = ["region", "district"] + [f"level {j + 1}" for j in range(2, n - 1)]
    return upper[: n - 1] + ["territory"]


def _nested(
    g: UnitGraph,
    w: NDArray[np.float64],
    tol: NDArray[np.float64],
    mass: NDArray[np.float64],
    spec: DesignSpec,
    mapper: Mapper | None = None,
):  # type: ignore[no-untyped-def]
    """The hierarchy: nested levels, then the finest level as the design, checked again whole."""
    t0 = time.monotonic()
    levels = list(spec.levels or ())
    # the whole-design check below (plain Python, quadratic in the units) runs inside the limit
    reserve = min(NESTED_RESERVE_SHARE * spec.time_limit_s, CHECK_S_PER_N2 * g.graph.n**2)
    res = nested_partition(
        g.graph,
        w,
        levels,
        tol,
        spec.objective,
        spec.time_limit_s - reserve,
        spec.seed,
        mass=mass,
        level_tolerance=[np.asarray(b) for b in level_bands(spec)],
        starts=spec.starts,
        mapper=mapper,
    )
    elapsed = time.monotonic() - t0
    if res.status != SolveStatus.FEASIBLE:
        return (
            DesignSolution(res.status, time_s=elapsed, reason=res.reason),
            None,
            res.checks,
        )
    lab = res.labels[-1]
    assert lab is not None
    edges = list(zip(g.graph.u.tolist(), g.graph.v.tolist(), g.graph.length.tolist(), strict=True))
    verdict = check_design(
        g.graph.n, edges, w.tolist(), tol.tolist(), levels[-1], lab.tolist(), mass=mass.tolist()
    )
    value = verdict.dispersion if spec.objective == "dispersion" else verdict.median
    centres = centres_of(g.graph.distances(), lab, levels[-1], mass)
    sol = DesignSolution(SolveStatus.FEASIBLE, lab, value, centres, verdict, 0, "", elapsed)
    return sol, [x for x in res.labels if x is not None], res.checks
