"""Territories as sets of units, with moves of whole units priced incrementally.

The enclave repair (:mod:`allocate.solvers.contiguity.repair`) tries thousands of moves of a
unit (all the items of a unit) from one seller to another on instances of 100,000 accounts. A
full :func:`~allocate.solvers.problem.evaluate` per trial costs the size of the model;
:class:`Territories` keeps the running totals instead (each seller's load, account count and
balance measures, the travel cost and the moves) and prices a move from the few numbers it
changes: the two sellers' totals and the balance groups they belong to.

Every trial returns the change of the objective (travel, soft imbalance, moves, in the units of
:func:`~allocate.solvers.problem.evaluate`) and whether it *worsens a hard rule*: it raises a
seller's capacity or account-limit excess, the move-cap excess, or a hard balance band's
excess. A caller that only applies moves that worsen no hard rule never breaks a rule that the
starting alignment met. Items outside the unit graph (multi-site groups, locked accounts) never
move, but count in the totals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.contiguity.graph import UnitGraph, components
from allocate.solvers.problem import AssignmentProblem, measure_per_seller, seller_totals

#: Slack on comparisons of running float totals.
EPS = 1e-9


@dataclass(frozen=True)
class Offer:
    """The items of one unit served by one seller: their entries and what they add up to."""

    entries: NDArray[np.int64]
    cost: float
    load: float
    count: float
    potential: float
    moved: int  # accounts counted as moves (their seller today is another: ``entry_moves``)


@dataclass(frozen=True)
class Trial:
    """A priced move: the objective change and whether a hard rule gets worse."""

    delta: float
    worsens: bool


class Territories:
    """The units of each seller under an alignment, and incremental prices of unit moves.

    Parameters
    ----------
    problem
        The assignment problem.
    graph
        Its unit graph.
    choice
        The alignment (candidate entry per item); copied.
    """

    def __init__(self, problem: AssignmentProblem, graph: UnitGraph, choice: NDArray[np.int64]) -> None:
        p = problem
        self.p = p
        self.graph = graph
        self.choice = np.asarray(choice, dtype=np.int64).copy()
        self.trials = 0
        bundles: dict[int, list[int]] = defaultdict(list)
        for b in np.flatnonzero(graph.b_unit >= 0):
            bundles[int(graph.b_unit[b])].append(int(b))
        self.bundles_of = {u: np.array(bs, dtype=np.int64) for u, bs in bundles.items()}
        s_of = p.seller[self.choice]
        self.owner: dict[int, int] = {u: int(s_of[bs[0]]) for u, bs in self.bundles_of.items()}
        self.members: dict[int, set[int]] = defaultdict(set)
        for u, s in self.owner.items():
            self.members[s].add(u)
        self.loads, self.counts = seller_totals(p, self.choice)
        self.cost = float(p.cost[self.choice].sum())
        # the problem's own count (:attr:`~allocate.solvers.problem.AssignmentProblem.entry_moves`):
        # a unit's bundle may hold accounts of several sellers today
        self._entry_moves = p.entry_moves
        self.moves = int(self._entry_moves[self.choice].sum())
        self.q = [measure_per_seller(p, b.measure, s_of, self.choice) for b in p.balances]
        self.groups_of: list[list[int]] = [[] for _ in range(p.n_sellers)]
        for g, members in enumerate(p.balance_groups):
            for s in members.tolist():
                self.groups_of[s].append(g)
        self._share = [p.capacity[g] / p.capacity[g].sum() for g in p.balance_groups]
        self._whole = [len(g) == p.n_sellers and bool((g == np.arange(p.n_sellers)).all()) for g in p.balance_groups]
        self.dev = [[self._dev(k, g, self.q[k]) for g in range(len(p.balance_groups))] for k in range(len(p.balances))]
        self._offers: dict[tuple[int, int], Offer | None] = {}

    # -- pricing -----------------------------------------------------------------------------

    def offer(self, u: int, t: int) -> Offer | None:
        """Seller ``t``'s entries for the items of unit ``u`` (``None`` when one is not a candidate)."""
        key = (u, t)
        if key not in self._offers:
            p = self.p
            bs = self.bundles_of[u]
            es = np.array([p.candidate_index(int(b), t) for b in bs], dtype=np.int64)
            if es.min() < 0:
                self._offers[key] = None
            else:
                self._offers[key] = Offer(
                    entries=es,
                    cost=float(p.cost[es].sum()),
                    load=float(p.load[es].sum()),
                    count=float(p.count[bs].sum()),
                    potential=float(p.potential[bs].sum()),
                    moved=int(self._entry_moves[es].sum()),
                )
        return self._offers[key]

    def _dev(self, k: int, g: int, q: NDArray[np.float64]) -> float:
        # band_deviation in one pass: the band is symmetric around the target
        qg = q if self._whole[g] else q[self.p.balance_groups[g]]
        target = self._share[g] * qg.sum()
        d = np.abs(qg - target) - self.p.balances[k].tolerance * target
        return float(np.maximum(d, 0.0).sum())

    def _hard_room(self, k: int, g: int, q: NDArray[np.float64]) -> float:
        # half of evaluate's tolerance on a hard band, so that float drift never crosses it
        return 0.5e-6 * max(1.0, float(q[self.p.balance_groups[g]].sum()))

    def price(self, units: Iterable[int], s: int, t: int) -> Trial | None:
        """Price handing ``units`` (all owned by ``s``) to ``t``.

        Parameters
        ----------
        units
            Units of seller ``s``.
        s, t
            The giver and the receiver.

        Returns
        -------
        Trial or None
            ``None`` when ``t`` may not serve one of the items.
        """
        self.trials += 1
        p = self.p
        units = list(units)
        take: list[Offer] = []
        for u in units:
            o = self.offer(u, t)
            if o is None:
                return None
            take.append(o)
        give = [o for u in units if (o := self.offer(u, s)) is not None]  # an owner serves its units
        g_load = sum(o.load for o in give)
        t_load = sum(o.load for o in take)
        n = sum(o.count for o in take)
        pot = sum(o.potential for o in take)
        d_cost = sum(o.cost for o in take) - sum(o.cost for o in give)
        d_moves = sum(o.moved for o in take) - sum(o.moved for o in give)
        cap = p.capacity
        worse = self.loads[t] + t_load > cap[t] + EPS and t_load > EPS
        mx = p.max_items[t]
        if mx >= 0 and self.counts[t] + n > mx and n > 0:
            worse = True
        if p.max_moves is not None and self.moves + d_moves > p.max_moves and d_moves > 0:
            worse = True
        delta = p.cost_weight * d_cost + p.move_weight * d_moves
        groups = sorted(set(self.groups_of[s]) | set(self.groups_of[t]))
        for k, b in enumerate(p.balances):
            if not groups:
                break
            q = self.q[k].copy()
            if b.measure == "load":
                q[s] -= g_load
                q[t] += t_load
            elif b.measure == "potential":
                q[s] -= pot
                q[t] += pot
            else:
                q[s] -= n
                q[t] += n
            for g in groups:
                new = self._dev(k, g, q)
                old = self.dev[k][g]
                if b.hard:
                    room = self._hard_room(k, g, q)
                    if new > room and new > old + EPS:
                        worse = True
                else:
                    delta += b.weight * (new - old)
        return Trial(delta, worse)

    # -- moves -------------------------------------------------------------------------------

    def move(self, units: Iterable[int], t: int) -> None:
        """Hand ``units`` (all of one seller) to ``t``, keeping every running total."""
        p = self.p
        units = list(units)
        if not units:
            return
        s = self.owner[units[0]]
        for u in units:
            give, take = self.offer(u, s), self.offer(u, t)
            assert give is not None and take is not None
            self.loads[s] -= give.load
            self.loads[t] += take.load
            self.counts[s] -= give.count
            self.counts[t] += take.count
            self.cost += take.cost - give.cost
            self.moves += take.moved - give.moved
            for k, b in enumerate(p.balances):
                if b.measure == "load":
                    self.q[k][s] -= give.load
                    self.q[k][t] += take.load
                elif b.measure == "potential":
                    self.q[k][s] -= give.potential
                    self.q[k][t] += take.potential
                else:
                    self.q[k][s] -= give.count
                    self.q[k][t] += take.count
            self.choice[self.bundles_of[u]] = take.entries
            self.owner[u] = t
            self.members[s].discard(u)
            self.members[t].add(u)
        for k in range(len(p.balances)):
            for g in set(self.groups_of[s]) | set(self.groups_of[t]):
                self.dev[k][g] = self._dev(k, g, self.q[k])

    def objective(self) -> float:
        """The objective of the current alignment, from the running totals."""
        p = self.p
        soft = sum(b.weight * sum(self.dev[k]) for k, b in enumerate(p.balances) if not b.hard)
        return p.cost_weight * self.cost + soft + p.move_weight * self.moves

    # -- connectivity ------------------------------------------------------------------------

    def pieces(self, s: int) -> list[set[int]]:
        """The connected pieces of seller ``s``'s units."""
        return components(self.graph.adj, self.members.get(s, ()))

    def split_pieces(self, s: int) -> list[set[int]]:
        """The pieces of ``s`` to hand over: all but one per component of the unit graph.

        The piece kept in a component is the one with the most workload (then the one
        holding the seller's base unit): the others are the cheaper ones to hand over.
        A territory with one piece per component it spans is contiguous there (a piece alone
        in another component, e.g. an island, is no split).
        """
        by_comp: dict[int, list[set[int]]] = defaultdict(list)
        for piece in self.pieces(s):
            by_comp[self.graph.comp_of[min(piece)]].append(piece)
        home = int(self.graph.base_unit[s]) if len(self.graph.base_unit) > s else -1
        out: list[set[int]] = []
        for plist in by_comp.values():
            if len(plist) < 2:
                continue
            core = max(plist, key=lambda c: (self.load_of(c, s), home in c, len(c), -min(c)))
            out.extend(c for c in plist if c is not core)
        return out

    def load_of(self, units: Iterable[int], s: int) -> float:
        """Seller ``s``'s load for ``units``."""
        return sum(o.load for u in units if (o := self.offer(u, s)) is not None)

    def stays_connected(self, s: int, u: int) -> bool:
        """Whether seller ``s``'s units next to ``u`` stay linked once ``u`` is gone."""
        adj, owner = self.graph.adj, self.owner
        mine = [v for v in adj[u] if owner.get(v) == s]
        if len(mine) <= 1:
            return True
        seen, stack = {mine[0], u}, [mine[0]]
        targets = set(mine[1:])
        while stack and targets:
            for w in adj[stack.pop()]:
                if w not in seen and owner.get(w) == s:
                    seen.add(w)
                    targets.discard(w)
                    stack.append(w)
        return not targets

    def neighbours_of(self, units: Iterable[int], exclude: int) -> list[int]:
        """The sellers other than ``exclude`` owning a unit adjacent to ``units``, sorted."""
        adj, owner = self.graph.adj, self.owner
        out = {owner[v] for u in units for v in adj[u] if v in owner}
        out.discard(exclude)
        return sorted(out)

    def split_count(self) -> int:
        """Territories with more than one piece in some component of the unit graph."""
        return sum(1 for s in list(self.members) if self.split_pieces(s))
