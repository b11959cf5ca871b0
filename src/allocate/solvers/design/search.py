"""Tabu search on boundary moves for a balanced, connected, compact partition.

A *move* takes a unit from its territory to an adjacent territory. A move is allowed only if
the territory it leaves stays connected and non-empty (the territory it joins is adjacent,
so it stays connected too): every partition the search visits is connected, and the balance
bands are the only hard rule it may break on the way (a penalty ``lam x`` amount outside the
bands, with ``lam`` raised while the search stays outside and lowered while inside).

Two compactness objectives:

* ``dispersion``: the largest shortest-path distance (in the whole graph) between two units of
  one territory, maximised over the territories. The search works on the decision version:
  at a target ``T`` every pair of units of one territory at distance ``>= T`` is a *conflict*;
  a balanced partition without conflicts is a new best, and the target drops to its value.
  Conflicts that last are weighed more (breakout): every :data:`WEIGHT_PERIOD` iterations
  each pair in conflict weighs one more, so that a pair no single move separates becomes
  worth breaking a band or a few other pairs for; the weights go back to 1 at a new target.
* ``median``: the sum over units of ``mass x distance`` to the centre of their territory, the
  centre being the unit of the territory that minimises that sum (a free centre).

When a descent of targets stalls, a new one starts from the best design with the territory of
largest dispersion and a few around it cut again (a ruin-and-recreate restart; the best design
is kept). An optional disruption term costs ``disruption`` per unit outside its territory of
today.
The search is deterministic for a seed: it stops after ``max_iters`` iterations, or earlier at
the wall-clock ``deadline`` (a safety net; :class:`SearchStats` says which).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.design.balance import Bands
from allocate.solvers.design.construct import tree_cuts
from allocate.solvers.design.graph import DesignGraph, cut_vertices
from allocate.solvers.design.repair import repair_balance
from allocate.solvers.design.split import best_split

#: Penalty per unit of amount outside the bands (a share of the mean) at the start.
LAM0 = 200.0
LAM_MIN, LAM_MAX = 5.0, 1e4
#: Iterations between two updates of the penalty weight.
LAM_PERIOD = 50
#: Iterations between two improving recombination attempts (0: only when stalled).
RECOM_EVERY = 25
#: Iterations without a better penalised score before a perturbation (a recombination).
STALL = 150
#: Share of the recombinations made on three territories while a band is broken.
TRIO_SHARE = 0.3
#: Spanning trees per cut of a three-territory recombination.
TRIO_TREES = 8
#: Best moves checked for connectivity per iteration.
SELECT_CHECKS = 40
#: Iterations without any balanced partition before a new start.
RESTART_ITERS = 2500
RESTART_PER_UNIT = 25
#: Best swaps checked for connectivity per swap repair.
SWAP_CHECKS = 30
#: Iterations without a better design before the same target is sought from a new start
#: (0: never).
RESTART_IDLE = 1500
#: Iterations of a descent (a sequence of ever lower targets) without a lower target before
#: a new descent (0: never). The new one starts with no target, as the first, from the best
#: design with a few territories cut again (:data:`RUIN`): a search stuck at a tight target
#: rarely gets below it by restarts at that target, and a descent from a whole new partition
#: needs most of a minute to get back to the level of the best (DTDP planar instances).
#: 3,000 rather than 6,000: one search on a fixed budget (12 k or 20 k iterations, so the same
#: on any load) on 3 DTDP instances and 3 variants of dtdp_variants.py: 2 lower, 1 higher,
#: 3 equal, mean -1.1 %; a search stopped by the clock at 10-20 k iterations gets more descents.
DESCENT_IDLE = 3000
#: Territories re-cut from random spanning trees when a new descent starts from the best
#: design (0: a new descent starts from a whole new partition).
RUIN = 4
#: Every how many stalls the search goes back to the best partition before perturbing.
RESTORE_EVERY = 4
#: Ejection-chain repair (:mod:`allocate.solvers.design.repair`) of a conflict-free
#: partition outside its bands: iterations per call, and iterations between two calls.
REPAIR_ITERS = 10
REPAIR_GAP = 300
#: Conflict weighting (breakout): every ``WEIGHT_PERIOD`` iterations with conflicts, each
#: pair in conflict weighs ``WEIGHT_STEP`` more (up to ``WEIGHT_MAX``); the weights go back
#: to 1 at every new target. 0: no weighting. Measured on 25 CPU-seconds per search (so the
#: same on any load): 5 DTDP instances x 2 seeds, mean gap 4.75 % -> 3.36 % (every instance's
#: best of the two seeds lower or equal); 5 variants of dtdp_variants.py (seed 1), mean -1.6 %.
#: A stronger setting (every 25 iterations, up to 50) was lower on the 4 planar variants but
#: 259 -> 283 on the Center726 variant.
WEIGHT_PERIOD = 50
WEIGHT_STEP = 1.0
WEIGHT_MAX = 20.0


@dataclass(frozen=True)
class SearchStats:
    """What a search did.

    Attributes
    ----------
    iterations
        Iterations run.
    stopped_by
        ``"budget"`` (deterministic) or ``"wall_clock"``.
    improvements
        Number of new best partitions found.
    """

    iterations: int
    stopped_by: str
    improvements: int
    #: Iteration of the last new best partition (0: none).
    last_improved: int = 0


@dataclass
class _State:
    lab: NDArray[np.int64]
    tot: NDArray[np.float64]  # (k, m) totals per territory
    size: NDArray[np.int64]
    ex: NDArray[np.float64]  # (k,) amount outside the bands per territory


def _connected_without(nbrs: list[list[int]], lab: NDArray[np.int64], a: int, t: int) -> bool:
    """True when territory ``t`` minus unit ``a`` is connected (``a`` in ``t``, size >= 2)."""
    inner = [b for b in nbrs[a] if lab[b] == t]
    if len(inner) <= 1:
        return True
    want = set(inner)
    start = inner[0]
    want.discard(start)
    seen = {a, start}
    stack = [start]
    while stack:
        x = stack.pop()
        for y in nbrs[x]:
            if y not in seen and lab[y] == t:
                if y in want:
                    want.discard(y)
                    if not want:
                        return True
                seen.add(y)
                stack.append(y)
    return False


def _cut_units(nbrs: list[list[int]], members: NDArray[np.int64], lab: list[int], t: int):  # type: ignore[no-untyped-def]
    """The cut vertices of territory ``t`` (its units ``members``, labels ``lab``): the units
    whose removal disconnects it, as a set; ``None`` when ``t`` is not connected.

    One depth-first search (Tarjan's low points), iterative: a unit ``a`` of a connected
    territory of two or more units can leave it without disconnecting it exactly when it is
    not in this set, so one search answers every move out of ``t`` until ``t`` changes.
    """
    cuts, reached = cut_vertices(nbrs, int(members[0]), lab, t)
    return cuts if reached == len(members) else None


def _whole(nbrs: list[list[int]], lab: NDArray[np.int64], t: int, start: int) -> bool:
    """True when territory ``t`` (which holds ``start``) is connected."""
    size = int(np.sum(lab == t))
    seen = {start}
    stack = [start]
    while stack:
        x = stack.pop()
        for y in nbrs[x]:
            if y not in seen and lab[y] == t:
                seen.add(y)
                stack.append(y)
    return len(seen) == size


def dispersion_of(dist: NDArray[np.float64], lab: NDArray[np.int64], k: int) -> NDArray[np.float64]:
    """The dispersion (largest distance between two units) of each territory."""
    out = np.zeros(k)
    for t in range(k):
        m = np.flatnonzero(lab == t)
        if len(m) > 1:
            out[t] = dist[np.ix_(m, m)].max()
    return out


def centres_of(
    dist: NDArray[np.float64], lab: NDArray[np.int64], k: int, mass: NDArray[np.float64]
) -> NDArray[np.int64]:
    """The free centre of each territory: its unit minimising ``sum mass x distance``."""
    out = np.zeros(k, dtype=np.int64)
    for t in range(k):
        m = np.flatnonzero(lab == t)
        cost = mass[m] @ dist[np.ix_(m, m)]
        out[t] = m[int(np.argmin(cost))]
    return out


class TabuSearch:
    """The search; build it, then :meth:`run` from a connected start.

    Parameters
    ----------
    graph
        The unit graph (connected).
    dist
        Its all-pairs shortest-path distances.
    weights
        Measures of each unit (units x measures).
    bands
        The balance bands.
    k
        Number of territories.
    objective
        ``"dispersion"`` or ``"median"``.
    mass
        Weight of each unit in the ``median`` objective (ones by default).
    current, disruption
        Today's territory of each unit (``-1`` for none) and the cost of each unit moved
        away from it (in units of the objective); ``None`` / 0 for none.
    seed
        Random seed (tie-breaks, tabu tenures, perturbations).
    """

    def __init__(
        self,
        graph: DesignGraph,
        dist: NDArray[np.float64],
        weights: NDArray[np.float64],
        bands: Bands,
        k: int,
        objective: str = "dispersion",
        mass: NDArray[np.float64] | None = None,
        current: NDArray[np.int64] | None = None,
        disruption: float = 0.0,
        seed: int = 0,
    ) -> None:
        if objective not in ("dispersion", "median"):
            raise ValueError(f"unknown objective {objective!r}")
        self.graph, self.dist, self.k = graph, dist, k
        self.w = np.asarray(weights, dtype=np.float64).reshape(graph.n, -1)
        self.bands = bands
        self.objective = objective
        self.mass = np.ones(graph.n) if mass is None else np.asarray(mass, dtype=np.float64)
        self.current = current
        self.disruption = float(disruption) if current is not None else 0.0
        self.rng = np.random.default_rng(seed)
        self.nbrs = graph.neighbours
        self.src = np.concatenate([graph.u, graph.v])
        self.dst = np.concatenate([graph.v, graph.u])
        finite = dist[np.isfinite(dist) & (dist > 0)]
        #: Scale of the median objective: one average distance costs 1.
        self.unit = float(finite.mean()) if len(finite) else 1.0
        #: Cut vertices of each territory, with the units they were found for (a cache).
        self._cuts: dict[int, tuple[bytes, set[int] | None]] = {}

    # -- state -----------------------------------------------------------------------------
    def _state(self, lab: NDArray[np.int64]) -> _State:
        tot = np.zeros((self.k, self.w.shape[1]))
        np.add.at(tot, lab, self.w)
        size = np.bincount(lab, minlength=self.k).astype(np.int64)
        return _State(lab=lab.copy(), tot=tot, size=size, ex=self.bands.excess(tot))

    def _fresh_state(self, k: int) -> _State:
        """A new balanced start: ``k`` parts cut from a random spanning tree."""
        return self._state(
            tree_cuts(self.graph, self.w, self.bands.mean, self.bands.tolerance, k, self.rng)
        )

    def _ruined(self, lab: NDArray[np.int64], disp: NDArray[np.float64]) -> _State:
        """``lab`` with a territory of largest dispersion and :data:`RUIN` - 1 territories
        around it (grown one neighbour at a time, at random) cut again from random spanning
        trees: a new start near a good design, in another basin."""
        top = np.flatnonzero(disp >= disp.max() - 1e-9)
        region = [int(top[self.rng.integers(len(top))])]
        while len(region) < min(RUIN, self.k):
            inside = np.isin(lab[self.src], region)
            around = np.unique(lab[self.dst][inside & ~np.isin(lab[self.dst], region)])
            if len(around) == 0:
                break
            region.append(int(around[self.rng.integers(len(around))]))
        region.sort()
        members = np.flatnonzero(np.isin(lab, region))
        new = tree_cuts(
            self.graph,
            self.w,
            self.bands.mean,
            self.bands.tolerance,
            len(region),
            self.rng,
            TRIO_TREES,
            members,
        )
        out = lab.copy()
        out[members] = np.array(region)[new]
        return self._state(out)

    def _moved(self, lab: NDArray[np.int64]) -> int:
        if self.current is None:
            return 0
        return int(np.sum((self.current >= 0) & (lab != self.current)))

    def value(self, lab: NDArray[np.int64]) -> float:
        """The compactness value of a partition (no disruption term)."""
        if self.objective == "dispersion":
            return float(dispersion_of(self.dist, lab, self.k).max())
        c = centres_of(self.dist, lab, self.k, self.mass)
        return float(np.sum(self.mass * self.dist[np.arange(self.graph.n), c[lab]]))

    def score(self, lab: NDArray[np.int64]) -> float:
        """What the search minimises among balanced partitions: value + disruption x moved."""
        return self.value(lab) + self.disruption * self._moved(lab)

    # -- moves ------------------------------------------------------------------------------
    def _candidates(
        self, st: _State
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        la, lb = st.lab[self.src], st.lab[self.dst]
        mask = la != lb
        return self.src[mask], la[mask], lb[mask]

    def _apply(self, st: _State, a: int, t: int) -> int:
        s = int(st.lab[a])
        st.lab[a] = t
        st.tot[s] -= self.w[a]
        st.tot[t] += self.w[a]
        st.size[s] -= 1
        st.size[t] += 1
        both = [s, t]
        st.ex[both] = self.bands.excess(st.tot[both])
        return s

    def _random_moves(self, st: _State, count: int, on_move) -> None:  # type: ignore[no-untyped-def]
        for _ in range(count):
            a, s, t = self._candidates(st)
            if len(a) == 0:
                return
            for j in self.rng.permutation(len(a))[:20]:
                aj, sj, tj = int(a[j]), int(s[j]), int(t[j])
                if st.size[sj] > 1 and _connected_without(self.nbrs, st.lab, aj, sj):
                    self._apply(st, aj, tj)
                    on_move(aj, sj, tj)
                    break

    # -- the search -------------------------------------------------------------------------
    def run(
        self, start: NDArray[np.int64], max_iters: int, deadline: float, stall: int = STALL
    ) -> tuple[NDArray[np.int64] | None, SearchStats]:
        """Search from the connected partition ``start``.

        Parameters
        ----------
        start
            A partition whose every territory is non-empty and connected.
        max_iters
            The deterministic budget (iterations).
        deadline
            ``time.monotonic()`` value past which the search stops (safety net).
        stall
            Iterations without a better penalised score before a perturbation.

        Returns
        -------
        tuple
            The best balanced partition found (``None`` if none) and the stats.
        """
        if self.objective == "dispersion":
            return self._run_dispersion(start, max_iters, deadline, stall)
        return self._run_median(start, max_iters, deadline, stall)

    def _select(self, st: _State, delta: NDArray[np.float64], a, s, t, tabu_until, it, aspire):  # type: ignore[no-untyped-def]
        """The best allowed move: not tabu (or aspired), keeps ``s`` connected and non-empty."""
        noise = self.rng.random(len(delta)) * 1e-7
        ok = (tabu_until[a, t] <= it) | aspire
        ok &= st.size[s] > 1
        idx = np.flatnonzero(ok)
        if len(idx) == 0:
            return -1
        val = delta[idx] + noise[idx]
        if len(idx) > SELECT_CHECKS:
            # only the best few are checked: their order, not the whole one
            top = np.argpartition(val, SELECT_CHECKS - 1)[:SELECT_CHECKS]
            idx, val = idx[top], val[top]
        order = idx[np.argsort(val, kind="stable")]
        labels: list[int] | None = None
        cuts: dict[int, set[int] | None] = {}  # of the territories met in this call
        for j in order.tolist():
            aj, sj = int(a[j]), int(s[j])
            if sj not in cuts:
                members = np.flatnonzero(st.lab == sj)
                key = members.tobytes()
                hit = self._cuts.get(sj)
                if hit is None or hit[0] != key:
                    if labels is None:
                        labels = st.lab.tolist()
                    hit = (key, _cut_units(self.nbrs, members, labels, sj))
                    self._cuts[sj] = hit
                cuts[sj] = hit[1]
            cut = cuts[sj]
            if cut is None:
                if _connected_without(self.nbrs, st.lab, aj, sj):
                    return j
            elif aj not in cut:
                return j
        return -1

    def _pair(self, st: _State, bad: NDArray[np.float64]) -> tuple[int, int] | None:
        """Two adjacent territories, drawn with a probability that grows with what a split
        may gain: their load difference while some band is broken, else ``bad`` (e.g. the
        conflicts of each territory)."""
        la, lb = st.lab[self.src], st.lab[self.dst]
        m = la < lb
        if not m.any():
            return None
        code = np.unique(la[m] * self.k + lb[m])
        x, y = code // self.k, code % self.k
        if st.ex.sum() > 0:
            dev = (st.tot / self.bands.scale - 1.0).mean(axis=1)
            w = np.abs(dev[x] - dev[y]) + 10.0 * (st.ex[x] + st.ex[y]) + 0.01
        else:
            w = bad[x] + bad[y] + 0.05 * (bad.max() + 1.0)
        i = int(self.rng.choice(len(code), p=w / w.sum()))
        return int(x[i]), int(y[i])

    def _recombine(
        self, st: _State, x: int, y: int, lam: float, matrix, kind: str, only_better: bool
    ) -> bool:  # type: ignore[no-untyped-def]
        """Merge territories ``x`` and ``y`` and split them again along a random spanning tree.

        ``matrix`` is the cost matrix of the whole graph (see :func:`best_split`); the split
        is applied when ``only_better`` is false or when it lowers the pair's score.
        """
        members = np.flatnonzero((st.lab == x) | (st.lab == y))
        loc = matrix[np.ix_(members, members)]
        found = best_split(
            members, self.graph.u, self.graph.v, self.w, self.bands, lam, loc, kind, self.rng
        )
        if found is None:
            return False
        val, a, b = found
        if only_better:
            inx = st.lab[members] == x
            if kind == "pairs":
                cost = 0.5 * (loc[np.ix_(inx, inx)].sum() + loc[np.ix_(~inx, ~inx)].sum())
            else:
                cost = (
                    loc[np.ix_(inx, inx)].sum(axis=0).min()
                    + loc[np.ix_(~inx, ~inx)].sum(axis=0).min()
                )
            old = lam * float(st.ex[x] + st.ex[y]) + float(cost)
            if val >= old - 1e-9:
                return False
        if np.sum(st.lab[a] == x) + np.sum(st.lab[b] == y) < np.sum(st.lab[a] == y) + np.sum(
            st.lab[b] == x
        ):
            a, b = b, a
        st.lab[a] = x
        st.lab[b] = y
        for t in (x, y):
            m = st.lab == t
            st.tot[t] = self.w[m].sum(axis=0)
            st.size[t] = int(m.sum())
            st.ex[t] = self.bands.excess(st.tot[t])
        return True

    def _swap_repair(self, st: _State, x: int) -> bool:
        """Exchange one boundary unit of ``x`` with one of a neighbour, when that lowers the
        amount outside the bands and both territories stay connected.

        Swaps keep the sizes and shift the mix of the measures: what single moves cannot do
        on sparse graphs where most boundary units are cut vertices.
        """
        la, lb = st.lab[self.src], st.lab[self.dst]
        cand: list[tuple[float, int, int, int]] = []
        for y in np.unique(lb[(la == x) & (lb != x)]).tolist():
            ax = np.unique(self.src[(la == x) & (lb == y)])  # units of x touching y
            by = np.unique(self.src[(la == y) & (lb == x)])  # units of y touching x
            if len(ax) == 0 or len(by) == 0:
                continue
            dw = self.w[by][None, :, :] - self.w[ax][:, None, :]  # x gains b, loses a
            new = self.bands.excess(st.tot[x] + dw) + self.bands.excess(st.tot[y] - dw)
            gain = float(st.ex[x] + st.ex[y]) - new
            ii, jj = np.nonzero(gain > 1e-12)
            for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
                cand.append((-float(gain[i, j]), int(ax[i]), int(by[j]), int(y)))
        cand.sort()
        for _, a, b, y in cand[:SWAP_CHECKS]:
            lab = st.lab
            lab[a], lab[b] = y, x
            ok = _whole(self.nbrs, lab, x, b) and _whole(self.nbrs, lab, y, a)
            lab[a], lab[b] = x, y
            if ok:
                self._apply(st, a, y)
                self._apply(st, b, x)
                return True
        return False

    def _recombine3(self, st: _State, x: int, lam: float, part_cost) -> bool:  # type: ignore[no-untyped-def]
        """Merge ``x``, a neighbour and a neighbour of both, and cut them again into three.

        Used while some band is broken: a territory enclosed by one neighbour can only be
        balanced if load flows through a third territory. Applied when it lowers the
        penalised score of the three.
        """
        la, lb = st.lab[self.src], st.lab[self.dst]
        ys = np.unique(lb[(la == x) & (lb != x)])
        if len(ys) == 0:
            return False
        y = int(ys[self.rng.integers(len(ys))])
        both = (la == x) | (la == y)
        zs = np.unique(lb[both & (lb != x) & (lb != y)])
        if len(zs) == 0:
            return False
        z = int(zs[self.rng.integers(len(zs))])
        trio = [x, y, z]
        members = np.flatnonzero(np.isin(st.lab, trio))
        new = tree_cuts(
            self.graph,
            self.w,
            self.bands.mean,
            self.bands.tolerance,
            3,
            self.rng,
            TRIO_TREES,
            members,
        )

        def score(labels: NDArray[np.int64]) -> float:
            total = 0.0
            for j in range(3):
                m = members[labels == j]
                total += lam * float(self.bands.excess(self.w[m].sum(axis=0)))
                total += part_cost(m)
            return total

        old_l = np.searchsorted(np.array(sorted(trio)), st.lab[members])
        old = score(old_l)
        if score(new) >= old - 1e-9:
            return False
        # keep each territory's label on the part that overlaps it most
        labels = np.array(sorted(trio))
        overlap = np.array(
            [[np.sum((new == j) & (old_l == i)) for i in range(3)] for j in range(3)]
        )
        from scipy.optimize import linear_sum_assignment

        rows, cols = linear_sum_assignment(-overlap)
        mapping = dict(zip(rows.tolist(), labels[cols].tolist(), strict=True))
        st.lab[members] = np.array([mapping[int(j)] for j in new], dtype=np.int64)
        for t in trio:
            m = st.lab == t
            st.tot[t] = self.w[m].sum(axis=0)
            st.size[t] = int(m.sum())
            st.ex[t] = self.bands.excess(st.tot[t])
        return True

    def _weigh(
        self, lab: NDArray[np.int64], conf_mat: NDArray[np.float32], cmat: NDArray[np.float32]
    ) -> float:
        """Raise the weight of every pair in conflict now by :data:`WEIGHT_STEP` (up to
        :data:`WEIGHT_MAX`), in ``conf_mat`` and in the per-territory sums ``cmat``; returns
        the increase of the weighted conflicts."""
        added = 0.0
        for t in range(self.k):
            m = np.flatnonzero(lab == t)
            sub = conf_mat[np.ix_(m, m)]
            ii, jj = np.nonzero((sub > 0) & (sub < WEIGHT_MAX))
            if len(ii) == 0:
                continue
            # both orders of every pair are listed: each entry is raised once
            conf_mat[m[ii], m[jj]] += WEIGHT_STEP
            np.add.at(cmat[:, t], m[ii], WEIGHT_STEP)
            added += 0.5 * WEIGHT_STEP * len(ii)
        return added

    def _run_dispersion(self, start, max_iters, deadline, stall):  # type: ignore[no-untyped-def]
        n, k = self.graph.n, self.k
        dist = self.dist
        st = self._state(start)
        best_lab: NDArray[np.int64] | None = None
        best_score = np.inf
        target = np.inf  # balance first: no conflicts until a first balanced partition
        conf_mat = (dist >= target).astype(np.float32)
        onehot = np.zeros((n, k), dtype=np.float32)
        onehot[np.arange(n), st.lab] = 1.0
        cmat = conf_mat @ onehot  # conflicts of each unit with each territory
        conf = 0.5 * float(cmat[np.arange(n), st.lab].sum())
        cur = self.current
        lam = LAM0
        tabu_until = np.zeros((n, k), dtype=np.int64)
        best_pen = np.inf  # best penalised score at this target
        since = 0
        kicks = 0
        improvements = 0
        outside = 0
        stopped = "budget"
        moved = self._moved(st.lab)
        restarted = 0
        improved_at = 0
        lowered_at = 0  # iteration of the last lower target of this descent
        descended = 0  # iteration at which this descent started
        run_lab: NDArray[np.int64] | None = None  # partition of that target
        repaired_at = -REPAIR_GAP
        conflict: NDArray[np.bool_] | None = None
        conflict_at = np.inf

        def on_move(a: int, s: int, t: int) -> None:
            nonlocal conf, moved
            col = conf_mat[:, a]
            conf += float(cmat[a, t] - cmat[a, s])
            cmat[:, s] -= col
            cmat[:, t] += col
            if cur is not None and cur[a] >= 0:
                moved += int(t != cur[a]) - int(s != cur[a])

        it = 0
        while it < max_iters:
            if time.monotonic() > deadline:
                stopped = "wall_clock"
                break
            it += 1
            ex_total = float(st.ex.sum())
            if ex_total <= 0 and conf == 0:
                value = float(dispersion_of(dist, st.lab, k).max())
                total = value + self.disruption * moved
                if total < best_score:
                    best_score, best_lab = total, st.lab.copy()
                    improvements += 1
                    improved_at = it
                # the next target: strictly below the current value
                target = value
                lowered_at, run_lab = it, st.lab.copy()
                conf_mat = (dist >= target).astype(np.float32)
                onehot[:] = 0
                onehot[np.arange(n), st.lab] = 1.0
                cmat = conf_mat @ onehot
                conf = 0.5 * float(cmat[np.arange(n), st.lab].sum())
                best_pen, since, kicks = np.inf, 0, 0
            if conf == 0 and ex_total > 0 and REPAIR_ITERS and it - repaired_at >= REPAIR_GAP:
                # conflict-free but outside a band: ejection chains that keep it conflict-free
                repaired_at = it
                if conflict is None or conflict_at != target:
                    conflict, conflict_at = dist >= target, target
                fix = repair_balance(
                    self.graph,
                    self.w,
                    self.bands,
                    k,
                    st.lab,
                    REPAIR_ITERS,
                    self.rng,
                    deadline,
                    conflict=conflict if np.isfinite(target) else None,
                )
                it += fix.iterations
                if fix.excess < ex_total:
                    st = self._state(fix.labels)
                    onehot[:] = 0
                    onehot[np.arange(n), st.lab] = 1.0
                    cmat = conf_mat @ onehot
                    conf = 0.5 * float(cmat[np.arange(n), st.lab].sum())
                    moved = self._moved(st.lab)
                    continue
            outside += ex_total > 0
            if it % LAM_PERIOD == 0:
                if outside > LAM_PERIOD // 2:
                    lam = min(lam * 2.0, LAM_MAX)
                elif outside == 0:
                    lam = max(lam / 2.0, LAM_MIN)
                outside = 0
            if WEIGHT_PERIOD and conf > 0 and it % WEIGHT_PERIOD == 0:
                conf += self._weigh(st.lab, conf_mat, cmat)
            a, s, t = self._candidates(st)
            if len(a) == 0:
                break
            dconf = cmat[a, t] - cmat[a, s]
            wa = self.w[a]
            tot_s = st.tot[s]
            tot_s -= wa
            tot_t = st.tot[t]
            tot_t += wa
            dex = self.bands.excess(tot_s) + self.bands.excess(tot_t) - st.ex[s] - st.ex[t]
            delta = dconf + lam * dex
            if self.disruption and cur is not None:
                ca = cur[a]
                delta = (
                    delta
                    + self.disruption * ((ca >= 0) & (t != ca)).astype(float)
                    - self.disruption * ((ca >= 0) & (s != ca)).astype(float)
                )
            pen = conf + lam * ex_total
            aspire = pen + delta < best_pen - 1e-9
            j = self._select(st, delta, a, s, t, tabu_until, it, aspire)
            if j < 0:
                since += 1
            else:
                aj, sj, tj = int(a[j]), int(s[j]), int(t[j])
                self._apply(st, aj, tj)
                on_move(aj, sj, tj)
                tabu_until[aj, sj] = it + 7 + int(self.rng.integers(0, 10))
                new_pen = conf + lam * float(st.ex.sum())
                if new_pen < best_pen - 1e-9:
                    best_pen, since = new_pen, 0
                else:
                    since += 1
            if (
                best_lab is not None
                and DESCENT_IDLE
                and it - max(lowered_at, descended) >= DESCENT_IDLE
            ):
                # this descent has stalled: a new one, with no target, from the best design
                # partly cut again (or from a new start)
                restarted = descended = it
                lam = LAM0
                if RUIN:
                    st = self._ruined(best_lab, dispersion_of(dist, best_lab, k))
                else:
                    st = self._fresh_state(k)
                target = np.inf
                conf_mat = (dist >= target).astype(np.float32)
                conflict = None
                run_lab = None
                since, best_pen, kicks = stall + 1, np.inf, 0
            elif (
                best_lab is not None
                and RESTART_IDLE
                and it - max(lowered_at, restarted) >= RESTART_IDLE
            ):
                # long without a better design: the same target from a new start
                restarted = it
                lam = LAM0
                st = self._fresh_state(k)
                since, best_pen = stall + 1, np.inf
            if best_lab is None and it - restarted >= min(RESTART_ITERS, RESTART_PER_UNIT * n):
                # no balanced partition yet: a new start rather than more of the same
                restarted = it
                lam = LAM0
                st = self._fresh_state(k)
                target = np.inf  # balance first: no conflicts until a first balanced partition
                conf_mat = (dist >= target).astype(np.float32)
                since, best_pen = stall + 1, np.inf
            recom = since > stall or (RECOM_EVERY and it % RECOM_EVERY == 0)
            if recom:
                kick = since > stall
                kicks += kick
                back = run_lab if descended else best_lab
                if kick and back is not None and kicks % RESTORE_EVERY == 0:
                    st = self._state(back)
                conf_t = np.zeros(k)
                np.add.at(conf_t, st.lab, cmat[np.arange(n), st.lab])
                pair = self._pair(st, conf_t + lam * st.ex)
                if st.ex.sum() > 0:
                    bad = np.flatnonzero(st.ex > 0)
                    self._swap_repair(st, int(bad[self.rng.integers(len(bad))]))
                if st.ex.sum() > 0 and self.rng.random() < TRIO_SHARE:
                    bad = np.flatnonzero(st.ex > 0)
                    cm = conf_mat
                    self._recombine3(
                        st,
                        int(bad[self.rng.integers(len(bad))]),
                        lam,
                        lambda m, cm=cm: 0.5 * float(cm[np.ix_(m, m)].sum()),
                    )
                elif pair is not None:
                    self._recombine(
                        st, pair[0], pair[1], lam, conf_mat, "pairs", only_better=not kick
                    )
                onehot[:] = 0
                onehot[np.arange(n), st.lab] = 1.0
                cmat = conf_mat @ onehot
                conf = 0.5 * float(cmat[np.arange(n), st.lab].sum())
                moved = self._moved(st.lab)
                if kick:
                    best_pen, since = np.inf, 0
        return best_lab, SearchStats(
            iterations=it, stopped_by=stopped, improvements=improvements, last_improved=improved_at
        )

    def _run_median(self, start, max_iters, deadline, stall):  # type: ignore[no-untyped-def]
        n, k = self.graph.n, self.k
        dist = self.dist
        st = self._state(start)
        cent = centres_of(dist, st.lab, k, self.mass)
        best_lab: NDArray[np.int64] | None = None
        best_score = np.inf
        cur = self.current
        lam = LAM0
        tabu_until = np.zeros((n, k), dtype=np.int64)
        best_pen = np.inf
        since = 0
        improvements = 0
        outside = 0
        stopped = "budget"
        scale = self.unit
        medmat = self.mass[:, None] * dist / scale  # cost of serving i from c
        restarted = 0
        kicks = 0

        def cost_now() -> float:
            return float(np.sum(self.mass * dist[np.arange(n), cent[st.lab]])) / scale

        def on_move(a: int, *changed: int) -> None:
            for x in changed:
                m = np.flatnonzero(st.lab == x)
                c = self.mass[m] @ dist[np.ix_(m, m)]
                cent[x] = m[int(np.argmin(c))]

        it = 0
        while it < max_iters:
            if it % 32 == 0 and time.monotonic() > deadline:
                stopped = "wall_clock"
                break
            it += 1
            ex_total = float(st.ex.sum())
            if ex_total <= 0:
                # ``cent`` holds the free centres of ``st`` here (kept by every change of
                # ``st``): the same sum as :meth:`score`, without finding them again
                total = float(np.sum(self.mass * dist[np.arange(n), cent[st.lab]]))
                total += self.disruption * self._moved(st.lab)
                if total < best_score - 1e-9:
                    best_score, best_lab = total, st.lab.copy()
                    improvements += 1
            outside += ex_total > 0
            if it % LAM_PERIOD == 0:
                if outside > LAM_PERIOD // 2:
                    lam = min(lam * 2.0, LAM_MAX)
                elif outside == 0:
                    lam = max(lam / 2.0, LAM_MIN)
                outside = 0
            before = st.lab.copy()  # the partition ``cent`` is of
            if best_lab is None and it - restarted >= min(RESTART_ITERS, RESTART_PER_UNIT * n):
                restarted = it
                lam = LAM0
                st = self._fresh_state(k)
                since, best_pen = stall + 1, np.inf
            if since > stall or (RECOM_EVERY and it % RECOM_EVERY == 0):
                kick = since > stall
                kicks += kick
                if kick and best_lab is not None and kicks % RESTORE_EVERY == 0:
                    st = self._state(best_lab)
                per = np.zeros(k)
                np.add.at(per, st.lab, medmat[np.arange(n), cent[st.lab]])
                pair = self._pair(st, per + lam * st.ex)
                if st.ex.sum() > 0:
                    bad = np.flatnonzero(st.ex > 0)
                    self._swap_repair(st, int(bad[self.rng.integers(len(bad))]))
                if st.ex.sum() > 0 and self.rng.random() < TRIO_SHARE:
                    bad = np.flatnonzero(st.ex > 0)
                    self._recombine3(
                        st,
                        int(bad[self.rng.integers(len(bad))]),
                        lam,
                        lambda m: float(medmat[np.ix_(m, m)].sum(axis=0).min()),
                    )
                elif pair is not None:
                    self._recombine(
                        st, pair[0], pair[1], lam, medmat, "median", only_better=not kick
                    )
                # the centres of the territories whose units changed (the others keep theirs)
                moved = before != st.lab
                on_move(-1, *np.unique(np.concatenate([before[moved], st.lab[moved]])).tolist())
                if kick:
                    best_pen, since = np.inf, 0
            a, s, t = self._candidates(st)
            if len(a) == 0:
                break
            dcost = self.mass[a] * (dist[a, cent[t]] - dist[a, cent[s]]) / scale
            tot_s = st.tot[s] - self.w[a]
            tot_t = st.tot[t] + self.w[a]
            dex = self.bands.excess(tot_s) + self.bands.excess(tot_t) - st.ex[s] - st.ex[t]
            delta = dcost + lam * dex
            if self.disruption and cur is not None:
                ca = cur[a]
                d = self.disruption / scale
                delta = delta + d * ((ca >= 0) & (t != ca)) - d * ((ca >= 0) & (s != ca))
            pen = cost_now() + lam * ex_total
            aspire = pen + delta < best_pen - 1e-9
            j = self._select(st, delta, a, s, t, tabu_until, it, aspire)
            if j < 0:
                since += 1
                continue
            aj, sj, tj = int(a[j]), int(s[j]), int(t[j])
            self._apply(st, aj, tj)
            on_move(aj, sj, tj)
            tabu_until[aj, sj] = it + 7 + int(self.rng.integers(0, 10))
            new_pen = cost_now() + lam * float(st.ex.sum())
            if new_pen < best_pen - 1e-9:
                best_pen, since = new_pen, 0
            else:
                since += 1
        return best_lab, SearchStats(iterations=it, stopped_by=stopped, improvements=improvements)
