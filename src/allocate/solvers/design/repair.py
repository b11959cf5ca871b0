"""Balance repair by ejection chains: bring every territory inside its bands, keeping each
territory connected (and, optionally, free of dispersion conflicts).

On sparse graphs (grids) most boundary units are cut vertices of their territory and a single
move out of a territory that is short on one measure and long on another rarely helps. The
repair therefore scores, at every iteration and at once (vectorised), all single boundary moves
and all *chains* of two moves through a middle territory: unit ``a`` from ``s`` to ``t`` and
unit ``b`` from ``t`` to ``u`` (``u == s`` is a swap). A chain carries load from ``s`` to ``u``
while ``t`` only changes its mix, which is what a territory needs when it is out of one band
and at the edge of another.

The search minimises the amount outside the bands (:meth:`Bands.excess`) with a short tabu
list (a unit may not go back to the territory it just left), and keeps the best partition
seen. Connectivity is exact: the cut vertices of each territory are recomputed when it
changes, and every chain is checked on the partition it leads to before it is applied.

With ``dist`` and ``target`` given, a unit may only join a territory holding no unit at
distance ``>= target`` from it, so a repaired partition keeps its dispersion below ``target``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.design.balance import Bands
from allocate.solvers.design.graph import DesignGraph
from allocate.solvers.design.split import best_split

#: Candidates (best first) verified for connectivity per iteration.
CHECKS = 40
#: Iterations without a better partition before a random kick from the best one.
KICK_AFTER = 60
#: Every how many kicks the kick starts from the best partition (else from the current one).
RESTORE_EVERY = 3
#: Spanning trees drawn per recombination kick.
KICK_TREES = 12


@dataclass(frozen=True)
class RepairResult:
    """What :func:`repair_balance` returns.

    Attributes
    ----------
    labels
        The best partition seen (connected; conflict-free when a target was given).
    excess
        Its amount outside the bands (0: balanced).
    iterations
        Iterations run.
    """

    labels: NDArray[np.int64]
    excess: float
    iterations: int


def blocks(
    nbrs: list[list[int]], lab: NDArray[np.int64], members: list[int], w: list[list[float]]
) -> dict[int, tuple[int, list[float]]]:
    """What moving each unit of one territory takes with it, as ``(count, totals)``.

    Removing a unit ``x`` splits its territory into components; the largest stays and ``x``
    leaves with all the others (its *block*, connected through ``x``). A unit that is not a
    cut vertex leaves alone. Computed for every member at once by one depth-first search
    (Tarjan's low points), with the subtree totals accumulated on the way back.
    """
    size = len(members)
    m = len(w[members[0]]) if members else 0
    total = [0.0] * m
    for x in members:
        for c in range(m):
            total[c] += w[x][c]
    if size == 0:
        return {}
    t = int(lab[members[0]])
    root = members[0]
    disc: dict[int, int] = {root: 0}
    low: dict[int, int] = {root: 0}
    sub_n: dict[int, int] = {root: 1}
    sub_w: dict[int, list[float]] = {root: list(w[root])}
    sep: dict[int, list[tuple[int, list[float]]]] = {x: [] for x in members}
    counter = 1
    stack: list[tuple[int, int, int]] = [(root, -1, 0)]
    while stack:
        x, parent, i = stack[-1]
        ns = nbrs[x]
        if i < len(ns):
            stack[-1] = (x, parent, i + 1)
            y = ns[i]
            if lab[y] != t or y == parent:
                continue
            if y in disc:
                low[x] = min(low[x], disc[y])
            else:
                disc[y] = low[y] = counter
                counter += 1
                sub_n[y] = 1
                sub_w[y] = list(w[y])
                stack.append((y, x, 0))
        else:
            stack.pop()
            if parent >= 0:
                low[parent] = min(low[parent], low[x])
                sub_n[parent] += sub_n[x]
                pw = sub_w[parent]
                for c, v in enumerate(sub_w[x]):
                    pw[c] += v
                if parent == root or low[x] >= disc[parent]:
                    sep[parent].append((sub_n[x], sub_w[x]))
    out: dict[int, tuple[int, list[float]]] = {}
    for x in members:
        parts = sep[x]
        if x != root:
            sep_n = 0
            sep_w = [0.0] * m
            for cnt, tw in parts:
                sep_n += cnt
                for c in range(m):
                    sep_w[c] += tw[c]
            wx = w[x]
            rest = (size - 1 - sep_n, [total[c] - wx[c] - sep_w[c] for c in range(m)])
            if not parts:
                out[x] = (1, list(wx))
                continue
            keep_n, keep_w = max([*parts, rest], key=lambda p: p[0])
        elif parts:
            keep_n, keep_w = max(parts, key=lambda p: p[0])
        else:
            out[x] = (1, list(w[x]))
            continue
        out[x] = (size - keep_n, [total[c] - keep_w[c] for c in range(m)])
    return out


def block_of(nbrs: list[list[int]], lab: NDArray[np.int64], a: int) -> list[int]:
    """The units that leave with ``a`` (``a`` first): all of its territory but the largest
    component of what remains without ``a``."""
    t = lab[a]
    seen = {a}
    comps: list[list[int]] = []
    for b in nbrs[a]:
        if lab[b] != t or b in seen:
            continue
        comp = [b]
        seen.add(b)
        stack = [b]
        while stack:
            x = stack.pop()
            for y in nbrs[x]:
                if y not in seen and lab[y] == t:
                    seen.add(y)
                    comp.append(y)
                    stack.append(y)
        comps.append(comp)
    if not comps:
        return [a]
    big = max(range(len(comps)), key=lambda i: len(comps[i]))
    return [a] + [x for i, c in enumerate(comps) if i != big for x in c]


def _stays_connected(nbrs: list[list[int]], lab: NDArray[np.int64], a: int) -> bool:
    """True when ``a``'s territory minus ``a`` is connected (non-empty)."""
    t = lab[a]
    inner = [b for b in nbrs[a] if lab[b] == t]
    if not inner:
        return False
    if len(inner) == 1:
        return True
    want = set(inner[1:])
    seen = {a, inner[0]}
    stack = [inner[0]]
    while stack:
        x = stack.pop()
        for y in nbrs[x]:
            if y not in seen and lab[y] == t:
                want.discard(y)
                if not want:
                    return True
                seen.add(y)
                stack.append(y)
    return not want


class _Repair:
    def __init__(
        self,
        graph: DesignGraph,
        weights: NDArray[np.float64],
        bands: Bands,
        k: int,
        lab: NDArray[np.int64],
        rng: np.random.Generator,
        conflict: NDArray[np.bool_] | None,
        frozen: NDArray[np.bool_] | None,
        max_block: int,
    ) -> None:
        self.nbrs = graph.neighbours
        self.src = np.concatenate([graph.u, graph.v])
        self.dst = np.concatenate([graph.v, graph.u])
        self.w = weights
        self.wl = weights.tolist()
        self.bands = bands
        self.k = k
        self.rng = rng
        self.lab = lab.copy()
        self.tot = np.zeros((k, weights.shape[1]))
        np.add.at(self.tot, self.lab, weights)
        self.size = np.bincount(self.lab, minlength=k)
        self.ex = bands.excess(self.tot)
        self.conflict = conflict
        self.frozen = frozen
        self.max_block = max_block
        n = graph.n
        if conflict is not None:
            onehot = np.zeros((n, k), dtype=np.float32)
            onehot[np.arange(n), self.lab] = 1.0
            self.cmat = conflict.astype(np.float32) @ onehot
        self.bn = np.ones(n, dtype=np.int64)  # units in the block of each unit
        self.bw = weights.copy()  # totals of that block
        for t in range(k):
            self._reblock(t)

    def _reblock(self, t: int) -> None:
        members = np.flatnonzero(self.lab == t).tolist()
        for x, (cnt, tw) in blocks(self.nbrs, self.lab, members, self.wl).items():
            self.bn[x] = cnt
            self.bw[x] = tw

    def move(self, units: list[int], t: int) -> int:
        """Move ``units`` (all of one territory) to ``t``; returns their old territory."""
        s = int(self.lab[units[0]])
        idx = np.array(units, dtype=np.int64)
        self.lab[idx] = t
        dw = self.w[idx].sum(axis=0)
        self.tot[s] -= dw
        self.tot[t] += dw
        self.size[s] -= len(units)
        self.size[t] += len(units)
        self.ex[s] = self.bands.excess(self.tot[s])
        self.ex[t] = self.bands.excess(self.tot[t])
        if self.conflict is not None:
            col = self.conflict[:, idx].sum(axis=1).astype(np.float32)
            self.cmat[:, s] -= col
            self.cmat[:, t] += col
        self._reblock(s)
        self._reblock(t)
        return s

    def fits(self, units: list[int], t: int) -> bool:
        """No conflict between ``units`` and territory ``t``."""
        return self.conflict is None or not self.cmat[units, t].any()

    def moves(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """Allowed block moves ``(a, s, t)``: ``a`` on the border of ``s`` with ``t``, its
        block small enough, ``a`` itself free of conflicts with ``t``."""
        la, lb = self.lab[self.src], self.lab[self.dst]
        bn = self.bn[self.src]
        ok = (la != lb) & (bn < self.size[la]) & (bn <= self.max_block)
        if self.frozen is not None:
            ok &= ~self.frozen[self.src]
        code = np.unique(self.src[ok] * self.k + lb[ok])
        a, t = code // self.k, code % self.k
        if self.conflict is not None:
            keep = self.cmat[a, t] == 0
            a, t = a[keep], t[keep]
        return a, self.lab[a], t


def _recombine(
    graph: DesignGraph,
    w: NDArray[np.float64],
    bands: Bands,
    k: int,
    lab: NDArray[np.int64],
    ex: NDArray[np.float64] | None,
    rng: np.random.Generator,
    conflict: NDArray[np.bool_] | None,
) -> NDArray[np.int64]:
    """A kick: merge a territory outside its bands with a neighbour and split the pair again
    along the most balanced cut of random spanning trees (conflict-free first)."""
    lab = lab.copy()
    if ex is None:
        tot = np.zeros((k, w.shape[1]))
        np.add.at(tot, lab, w)
        ex = bands.excess(tot)
    p = ex + 0.02 * (float(ex.max()) + 1e-9)
    x = int(rng.choice(k, p=p / p.sum()))
    la, lb = lab[graph.u], lab[graph.v]
    ys = np.unique(np.concatenate([lb[(la == x) & (lb != x)], la[(lb == x) & (la != x)]]))
    if len(ys) == 0:
        return lab
    y = int(ys[rng.integers(len(ys))])
    members = np.flatnonzero((lab == x) | (lab == y))
    if conflict is None:
        loc = np.zeros((len(members), len(members)))
        lam = 1.0
    else:
        loc = conflict[np.ix_(members, members)].astype(np.float64)
        lam = 1e-2
    found = best_split(members, graph.u, graph.v, w, bands, lam, loc, "pairs", rng, KICK_TREES)
    if found is None:
        return lab
    _, part_a, part_b = found
    if conflict is not None and (
        conflict[np.ix_(part_a, part_a)].any() or conflict[np.ix_(part_b, part_b)].any()
    ):
        return lab
    if np.sum(lab[part_a] == x) < np.sum(lab[part_a] == y):
        part_a, part_b = part_b, part_a
    lab[part_a] = x
    lab[part_b] = y
    return lab


def repair_balance(
    graph: DesignGraph,
    weights: NDArray[np.float64],
    bands: Bands,
    k: int,
    labels: NDArray[np.int64],
    max_iters: int,
    rng: np.random.Generator,
    deadline: float = float("inf"),
    conflict: NDArray[np.bool_] | None = None,
    frozen: NDArray[np.bool_] | None = None,
    max_block: int | None = None,
) -> RepairResult:
    """Move units until every territory is inside its bands, or the budget is spent.

    Parameters
    ----------
    graph
        The unit graph.
    weights
        Measures of each unit (units x measures).
    bands
        The balance bands.
    k
        Number of territories.
    labels
        A partition whose territories are non-empty and connected.
    max_iters
        Iterations allowed (one move or one chain each); the repair stops at the first
        balanced partition.
    rng
        The random generator (tie-breaks, tabu tenures, kicks).
    deadline
        ``time.monotonic()`` value past which it stops (safety net).
    conflict
        ``(n, n)`` booleans: units that may not share a territory (both ways). The start
        must have no such pair in one territory; the repair then keeps it so.
    frozen
        Units that may not move (their blocks may still carry them).
    max_block
        Most units moved at once (default: a quarter of the mean territory size).

    Returns
    -------
    RepairResult
        The best partition seen (least amount outside the bands).
    """
    w = np.asarray(weights, dtype=np.float64).reshape(graph.n, -1)
    cap = max(1, graph.n // k) if max_block is None else max_block

    def fresh(lab: NDArray[np.int64]) -> _Repair:
        return _Repair(graph, w, bands, k, lab, rng, conflict, frozen, cap)

    r = fresh(np.asarray(labels, dtype=np.int64))
    best_lab, best_ex = r.lab.copy(), float(r.ex.sum())
    tabu = np.zeros((graph.n, k), dtype=np.int64)
    it = 0
    idle = 0
    kicks = 0
    E = bands.excess
    while it < max_iters and best_ex > 0:
        if it % 16 == 0 and time.monotonic() > deadline:
            break
        it += 1
        a, s, t = r.moves()
        if len(a) == 0:
            break
        cur = float(r.ex.sum())
        ba = r.bw[a]
        # single block moves
        d1 = E(r.tot[s] - ba) + E(r.tot[t] + ba) - r.ex[s] - r.ex[t]
        # chains a: s -> m, b: m -> u through each middle territory m
        cand_v: list[NDArray[np.float64]] = [d1]
        cand_i: list[NDArray[np.int64]] = [np.arange(len(a))]
        cand_j: list[NDArray[np.int64]] = [np.full(len(a), -1)]
        for m in range(k):
            ins = np.flatnonzero(t == m)
            outs = np.flatnonzero(s == m)
            if len(ins) == 0 or len(outs) == 0:
                continue
            wa, wb = ba[ins], ba[outs]
            si, uo = s[ins], t[outs]
            mid = r.tot[m][None, :] + wa[:, None, :] - wb[None, :, :]
            same = si[:, None] == uo[None, :]
            ts = r.tot[si][:, None, :] - wa[:, None, :]
            tu = r.tot[uo][None, :, :] + wb[None, :, :]
            e_mid = E(mid) - r.ex[m]
            e_su = np.where(
                same,
                E(ts + wb[None, :, :]) - r.ex[si][:, None],
                E(ts) - r.ex[si][:, None] + E(tu) - r.ex[uo][None, :],
            )
            dv = (e_mid + e_su).ravel()
            ii = np.repeat(ins, len(outs))
            jj = np.tile(outs, len(ins))
            keep = a[ii] != a[jj]
            cand_v.append(dv[keep])
            cand_i.append(ii[keep])
            cand_j.append(jj[keep])
        dv = np.concatenate(cand_v)
        ci = np.concatenate(cand_i)
        cj = np.concatenate(cand_j)
        allowed = tabu[a[ci], t[ci]] <= it
        two = cj >= 0
        allowed[two] &= tabu[a[cj[two]], t[cj[two]]] <= it
        allowed |= cur + dv < best_ex - 1e-12  # aspiration
        idx = np.flatnonzero(allowed)
        noise = rng.random(len(idx)) * 1e-9
        order = idx[np.argsort(dv[idx] + noise, kind="stable")]
        done = False
        for c in order[:CHECKS].tolist():
            i, j = int(ci[c]), int(cj[c])
            ai, si_, ti = int(a[i]), int(s[i]), int(t[i])
            first = block_of(r.nbrs, r.lab, ai)
            if not r.fits(first, ti):
                continue
            before = cur + float(dv[c])
            if j < 0:
                r.move(first, ti)
                tabu[first, si_] = it + 5 + int(rng.integers(0, 6))
                done = True
                break
            bj, uj = int(a[j]), int(t[j])
            r.move(first, ti)
            ok = r.lab[bj] == ti and any(r.lab[y] == uj for y in r.nbrs[bj])
            second = block_of(r.nbrs, r.lab, bj) if ok else []
            ok = ok and len(second) < r.size[ti] and ai not in second and r.fits(second, uj)
            if ok:
                r.move(second, uj)
                if float(r.ex.sum()) <= before + 1e-9:
                    tenure = it + 5 + int(rng.integers(0, 6))
                    tabu[first, si_] = tenure
                    tabu[second, ti] = tenure
                    done = True
                    break
                r.move(second, ti)
            r.move(first, si_)
        now = float(r.ex.sum())
        if now < best_ex - 1e-12:
            best_ex, best_lab, idle = now, r.lab.copy(), 0
        else:
            idle += 1
        if not done or idle >= KICK_AFTER:
            idle = 0
            kicks += 1
            base = best_lab if kicks % RESTORE_EVERY == 0 else r.lab
            r = fresh(
                _recombine(graph, w, bands, k, base, r.ex if base is r.lab else None, rng, conflict)
            )
    if best_ex <= 0:
        best_ex = 0.0
    return RepairResult(labels=best_lab, excess=best_ex, iterations=it)
