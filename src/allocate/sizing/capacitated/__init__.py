r"""Capacitated p-median: iterated location-allocation search and a knapsack Lagrangian bound.

Problem (integer data): clients :math:`I` with demands :math:`d_i`, candidates :math:`J` with
capacities :math:`Q_j`, costs :math:`c_{ij}`; open exactly ``p`` medians and serve every client
from one open median without exceeding its capacity. A median co-located with a client
(:math:`k(j)`) serves that client.

**Allocation** (:mod:`.allocation`). For a fixed set :math:`S` of open medians the best
service is a small generalized assignment problem (GAP), solved exactly by CP-SAT with one
worker and a deterministic work limit, after a regret-greedy start.

**Local search** (:class:`.search.LocationAllocationSearch`), from a solution ``(S, x)``:

1. *Relocation.* Each median moves to the candidate that serves its own cluster most cheaply
   (among candidates that can hold the cluster's demand and whose co-located client, if any,
   is in the cluster). Clusters are unchanged, so the solution stays feasible; the GAP is then
   re-solved for the new medians. Repeated while it improves.
2. *Swaps.* Closing median ``r`` and opening candidate ``j`` is scored for every pair at once
   with an interchange estimate: the clients of ``r`` go to ``j`` or to their cheapest other
   median that still has room for them, and any client closer to ``j`` than to its median
   moves there (capacity of ``j`` ignored). Only the best-scored few are evaluated exactly
   (GAP with the objective cut below the incumbent); the best improving one is applied and
   the search returns to step 1.
3. *Perturbation.* At a local optimum, a few medians of the best solution are swapped at
   random for nearby closed candidates (the cheapest ones for that median's cluster), the GAP
   gives the new allocation and steps 1-2 run again. The search keeps the best solution and
   stops after a given number of rounds, after ``_STALL_ROUNDS`` rounds without improvement,
   at a known lower bound, or at its deadline.

Median sets whose GAP could not beat a given cost are remembered with that cost and not
solved again against it. A GAP solve cut by its work limit (``_GAP_WORK``) counts as "no
better allocation", so the search is a heuristic even though each completed GAP is exact.

**Bound** (:mod:`.bound`): relaxing "every client is served once" with multipliers leaves
one 0-1 knapsack per candidate (capacities kept), solved by dynamic programming; subgradient
steps improve the multipliers, and the final reduced costs close candidates that cannot
appear in a better solution.

Every random choice comes from one ``numpy`` generator seeded by the caller and every CP-SAT
call is single-threaded with a deterministic work limit, so the search is reproducible for a
given seed as long as the wall-clock deadline does not cut it short.
"""
