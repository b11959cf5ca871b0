"""An independent check of a (nested) territory design, from its labels alone.

Run at the end of every design (:func:`allocate.design.design_territories`) on the labels
that the units table of the design folder holds, and in the tests. It shares no code with the
search nor with the solver's own checker (:mod:`allocate.solvers.design.check`): plain Python over the
edge list, connectivity by union-find (the solver's checker walks a breadth-first search),
totals summed with :func:`math.fsum` from the raw (never scaled) measure of each node.

The rules, for every level ``j`` of ``k_j`` territories (coarsest first):

* **labels**: every node has a territory in ``0..k_j - 1`` and every territory has a node;
* **connected**: the nodes of each territory form one component of the graph they induce;
* **balanced**: the total of each measure lies within the level's ``±tolerance`` of the
  level's mean (the grand total / ``k_j``);
* **nested**: all the nodes of a territory of level ``j`` share one territory of level
  ``j - 1`` (a territory never straddles two districts, a district two regions).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

#: Slack on a band edge (relative): totals on the edge itself are inside.
BAND_EPS = 1e-9


@dataclass(frozen=True)
class LevelVerdict:
    """What the check found at one level.

    Attributes
    ----------
    territories
        Number of territories ``k`` of the level.
    connected
        Per territory, whether its nodes form one connected piece.
    deviation
        Per territory, per measure: ``(total - mean) / mean`` (a share, signed; 0 when the
        mean is 0 and so is the total).
    parent
        Per territory, its territory one level up (-1 at the top, or when it straddles two).
    children
        Per territory, how many territories of the level below it holds (0 at the bottom).
    max_dev
        Largest ``|deviation|`` of the level.
    problems
        One line per broken rule at this level.
    """

    territories: int
    connected: list[bool]
    deviation: list[list[float]]
    parent: list[int]
    children: list[int]
    max_dev: float
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no rule is broken at this level."""
        return not self.problems


@dataclass(frozen=True)
class HierarchyVerdict:
    """The check of every level; ``feasible`` when no rule is broken anywhere."""

    levels: list[LevelVerdict]

    @property
    def feasible(self) -> bool:
        """True when every level passed."""
        return all(v.ok for v in self.levels)

    @property
    def problems(self) -> list[str]:
        """Every broken rule, coarsest level first."""
        return [p for v in self.levels for p in v.problems]


class _Components:
    """Union-find over ``0..n-1`` (path halving, union by size)."""

    def __init__(self, n: int) -> None:
        self.up = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        while self.up[x] != x:
            self.up[x] = self.up[self.up[x]]
            x = self.up[x]
        return x

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.up[rb] = ra
        self.size[ra] += self.size[rb]


def _level(
    n: int,
    edges: Sequence[tuple[int, int]],
    measures: Sequence[Sequence[float]],
    tolerance: Sequence[float],
    k: int,
    labels: Sequence[object],
    above: Sequence[object] | None,
    name: str,
) -> tuple[LevelVerdict, list[int | None]]:
    problems: list[str] = []
    lab: list[int | None] = []
    for i, t in enumerate(labels):
        if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < k:
            problems.append(f"{name}: node {i} has territory {t!r}, not in 0..{k - 1}")
            lab.append(None)
        else:
            lab.append(t)
    if len(lab) != n:
        problems.append(f"{name}: {len(lab)} labels for {n} nodes")
        lab = (lab + [None] * n)[:n]
    members: list[list[int]] = [[] for _ in range(k)]
    for i, t in enumerate(lab):
        if t is not None:
            members[t].append(i)
    comp = _Components(n)
    for a, b in edges:
        if lab[a] is not None and lab[a] == lab[b]:
            comp.join(a, b)
    connected = []
    for t, mem in enumerate(members):
        if not mem:
            problems.append(f"{name}: territory {t} is empty")
            connected.append(False)
            continue
        pieces = len({comp.find(i) for i in mem})
        connected.append(pieces == 1)
        if pieces != 1:
            problems.append(f"{name}: territory {t} is in {pieces} pieces")
    n_meas = len(tolerance)
    deviation = [[0.0] * n_meas for _ in range(k)]
    max_dev = 0.0
    for m in range(n_meas):
        mean = math.fsum(float(measures[i][m]) for i in range(n)) / k
        for t, mem in enumerate(members):
            total = math.fsum(float(measures[i][m]) for i in mem)
            dev = (total - mean) / mean if mean > 0 else (0.0 if total == 0 else math.inf)
            deviation[t][m] = dev
            max_dev = max(max_dev, abs(dev))
            if abs(dev) > tolerance[m] + BAND_EPS:
                problems.append(
                    f"{name}: territory {t}, measure {m} is {100 * dev:+.3f}% from the mean "
                    f"(band ±{100 * tolerance[m]:g}%)"
                )
    parent = [-1] * k
    if above is not None:
        for t, mem in enumerate(members):
            ups = {above[i] for i in mem}
            if len(ups) == 1:
                only = next(iter(ups))
                parent[t] = only if isinstance(only, int) else -1
            elif len(ups) > 1:
                shown = ", ".join(str(u) for u in sorted(ups, key=str)[:4])
                problems.append(f"{name}: territory {t} straddles {len(ups)} parents ({shown})")
    verdict = LevelVerdict(k, connected, deviation, parent, [0] * k, max_dev, problems)
    return verdict, lab


def verify_hierarchy(
    n: int,
    edges: Sequence[tuple[int, int]],
    measures: Sequence[Sequence[float]],
    tolerance: Sequence[float],
    levels: Sequence[int],
    labels: Sequence[Sequence[object]],
    names: Sequence[str] | None = None,
    level_tolerance: Sequence[Sequence[float]] | None = None,
) -> HierarchyVerdict:
    """Check the labels of every level of a design.

    Parameters
    ----------
    n
        Number of nodes (units, or accounts without units).
    edges
        The adjacency, as pairs of node positions.
    measures
        Per node, the raw value of each balanced measure.
    tolerance
        Relative band of each measure (the same at every level).
    levels
        Territories per level, coarsest first (one entry for a flat design).
    labels
        Per level, the territory of each node.
    names
        Name of each level in the messages (default ``level 1``, ``level 2``, ...).
    level_tolerance
        Per level, the band of each measure, replacing ``tolerance`` (a band per level).

    Returns
    -------
    HierarchyVerdict
        Per level: connectivity, deviations, parents, children and the broken rules.
    """
    if len(labels) != len(levels):
        raise ValueError(f"{len(labels)} label lists for {len(levels)} levels")
    names = list(names) if names is not None else [f"level {j + 1}" for j in range(len(levels))]
    out: list[LevelVerdict] = []
    above: list[int | None] | None = None
    for j, (k, lab) in enumerate(zip(levels, labels, strict=True)):
        band = list(tolerance) if level_tolerance is None else list(level_tolerance[j])
        verdict, clean = _level(n, edges, measures, band, int(k), list(lab), above, names[j])
        if out:
            kids = [0] * out[-1].territories
            for p in verdict.parent:
                if p >= 0:
                    kids[p] += 1
            prev = out[-1]
            out[-1] = LevelVerdict(
                prev.territories,
                prev.connected,
                prev.deviation,
                prev.parent,
                kids,
                prev.max_dev,
                prev.problems,
            )
        out.append(verdict)
        above = clean
    return HierarchyVerdict(out)
