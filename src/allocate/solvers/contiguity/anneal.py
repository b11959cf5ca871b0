"""Border annealing: a contiguous alignment improved by moves of border units that keep every territory connected.

The enclave repair (:mod:`allocate.solvers.contiguity.repair`) makes territories contiguous by
handing whole detached pieces to a neighbour, and its polish stops at the first alignment that
no single improving border move betters. On instances whose territories today are interleaved,
that local optimum is often far above what contiguous territories can reach (on ``fr-pme`` at
20 s the repair ended about 13 % above the non-contiguous objective). This search explores
further, on the incremental totals of
:class:`~allocate.solvers.contiguity.territories.Territories`:

1. **Move.** A border edge ``(u, v)`` of the unit graph between two territories is drawn at
   random; the move hands unit ``u`` to ``v``'s seller. The receiver stays connected (``u``
   touches it); the move is made only if the giver stays connected too
   (:meth:`~allocate.solvers.contiguity.territories.Territories.stays_connected`, a search in
   the giver's units) and keeps at least one unit, so contiguity is an invariant: a
   contiguous start stays contiguous, and a split one never gets more pieces.
2. **Acceptance.** A move that worsens a hard rule (capacity, account limit, move cap, hard
   balance band) is never made. An improving move always is; a worsening one with probability
   ``exp(-delta / T)``, the temperature ``T`` falling geometrically from a start sized on the
   first prices drawn to a hundredth of it (simulated annealing).
3. **Budget.** The search stops after ``trials`` priced moves (a deterministic budget sized by
   the caller from the time limit) or at the clock's deadline (the safety net), and returns
   the best alignment it met (by objective), never a worse one than its start.

The random draws come from a generator seeded by the caller: the same seed and budget give the
same alignment.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.budget import Clock
from allocate.solvers.contiguity.graph import UnitGraph
from allocate.solvers.contiguity.territories import EPS, Territories
from allocate.solvers.problem import AssignmentProblem

#: Edges drawn between two looks at the wall clock.
CLOCK_EVERY = 1024
#: Edges drawn at a time.
DRAWS = 4096
#: Priced moves drawn to size the starting temperature.
SAMPLE = 200
#: The starting temperature, as a share of the mean |delta| of the sampled moves.
T_START = 1.0
#: The objective charged per unit of a detached piece, in starting temperatures: the search
#: erodes detached pieces unit by unit before it trades them for travel.
PIECE_UNIT = 4.0
#: The final temperature, as a share of the starting one.
T_END = 0.01


def anneal_contiguous(
    problem: AssignmentProblem,
    graph: UnitGraph,
    choice: NDArray[np.int64],
    trials: int,
    seed: int = 0,
    clock: Clock | None = None,
    heat: float = 1.0,
) -> NDArray[np.int64]:
    """Improve ``choice`` by border moves that keep every territory connected (module docstring).

    Parameters
    ----------
    problem
        The assignment problem of the geographic model.
    graph
        Its unit graph.
    choice
        The alignment to improve (candidate entry per item), usually contiguous.
    trials
        At most this many priced moves (a deterministic budget; the edges drawn between two
        territories are priced, the others cost almost nothing and are not counted).
    seed
        Seeds the draws of edges and acceptances.
    clock
        The wall-clock safety net; a stop by its deadline is recorded on it.
    heat
        Scales the starting temperature (below 1 to go on from an annealed alignment
        without undoing it).

    Returns
    -------
    NDArray[np.int64]
        The best alignment met: no more split pieces, no hard rule worse and no higher
        objective than ``choice`` (a new array).
    """
    t = Territories(problem, graph, choice)
    best_choice = t.choice.copy()
    edges = np.array([(u, v) for u in graph.units for v in graph.adj[u]], dtype=np.int64)
    if len(edges) == 0 or trials <= 0 or len(t.members) < 2:
        return best_choice
    rng = np.random.default_rng(seed)
    owner, members = t.owner, t.members
    # the units of each territory's detached pieces (all but one per graph component)
    enclave: dict[int, set[int]] = {}
    pieces: dict[int, int] = {}
    for s in list(members):
        _detached(t, s, enclave, pieces)
    n_pieces = sum(pieces.values())
    current = t.objective()
    best = (n_pieces, current)
    temp = _start_temperature(t, edges, rng)
    penalty = PIECE_UNIT * temp / T_START
    temp *= heat
    cooling = T_END ** (1.0 / max(1, trials))
    adj = graph.adj
    stop = t.trials + trials
    draws = 0
    while t.trials < stop:
        # edges in batches of draws (most join units of one territory and cost nothing)
        for e, coin in zip(rng.integers(0, len(edges), size=DRAWS), rng.random(size=DRAWS), strict=True):
            if clock is not None and draws % CLOCK_EVERY == 0 and clock.expired():
                clock.fired("contiguity (border annealing)")
                return best_choice
            draws += 1
            u, v = int(edges[e, 0]), int(edges[e, 1])
            s, r = owner[u], owner[v]
            if s == r or len(members[s]) <= 1:
                continue
            if t.trials >= stop:
                break
            temp *= cooling
            tr = t.price([u], s, r)
            if tr is None or tr.worsens:
                continue
            delta = tr.delta
            if enclave[s] or enclave[r]:
                # a unit leaving a detached piece shrinks it; one joining only detached units
                # of the receiver grows the receiver's detached piece
                delta -= penalty * (u in enclave[s])
                delta += penalty * all(w in enclave[r] for w in adj[u] if owner[w] == r)
            if delta > EPS and (temp <= 0.0 or coin >= math.exp(-delta / temp)):
                continue
            if not t.stays_connected(s, u):
                continue
            t.move([u], r)
            current += tr.delta
            if enclave[s] or enclave[r]:
                n_pieces -= pieces[s] + pieces[r]
                _detached(t, s, enclave, pieces)
                _detached(t, r, enclave, pieces)
                n_pieces += pieces[s] + pieces[r]
            if n_pieces < best[0] or (n_pieces == best[0] and current < best[1] - EPS):
                current = t.objective()  # re-anchored on the running totals
                best = (n_pieces, current)
                best_choice = t.choice.copy()
    return best_choice


def _start_temperature(t: Territories, edges: NDArray[np.int64], rng: np.random.Generator) -> float:
    """``T_START`` times the mean |delta| of up to ``SAMPLE`` border moves drawn at random."""
    deltas = []
    for k in rng.integers(0, len(edges), size=SAMPLE):
        u, v = int(edges[k, 0]), int(edges[k, 1])
        s, r = t.owner[u], t.owner[v]
        if s == r:
            continue
        tr = t.price([u], s, r)
        if tr is not None and not tr.worsens:
            deltas.append(abs(tr.delta))
    return T_START * float(np.mean(deltas)) if deltas else 0.0


def _detached(t: Territories, s: int, enclave: dict[int, set[int]], pieces: dict[int, int]) -> None:
    """Record the units of ``s``'s detached pieces and how many pieces those are."""
    split = t.split_pieces(s)
    enclave[s] = set().union(*split) if split else set()
    pieces[s] = len(split)
