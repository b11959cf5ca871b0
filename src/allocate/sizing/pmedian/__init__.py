"""p-median placement: where to base ``p`` sellers among candidate towns.

The engine (:func:`allocate.sizing.pmedian.solve.solve_pmedian`) runs in these stages, all on
plain numpy arrays:

1. **Heuristic** (:mod:`.heuristic`). Greedy addition followed by a best-improvement vertex
   interchange (Teitz & Bart 1968, with the swap gains of every (insert, remove) pair evaluated
   at once by one matrix product, in the spirit of Whitaker's fast interchange).
2. **Lagrangian bound** (:mod:`.lagrangian`). The assignment constraints are relaxed with
   multipliers ``u``; the subproblem is solved in closed form and the multipliers are improved
   by subgradient steps. The p-median has the integrality property for this relaxation, so the
   bound tends to the LP bound. Lagrangian solutions are repaired into new incumbents on the
   way. A local search from the Lagrangian solution at the best multipliers often finds the
   optimum. The uncapacitated bound is also a (weaker) bound of the capacitated problem.
3. **Capacitated search and bound** (capacitated only, :mod:`allocate.sizing.capacitated`):
   an iterated location-allocation local search started from the uncapacitated medians
   (exact allocations to fixed medians as small generalized assignment problems solved by
   CP-SAT, median relocation inside clusters, swap moves screened by an interchange estimate,
   seeded perturbations; at most ``_SEARCH_SHARE`` of the time limit), and a second
   Lagrangian bound that relaxes the assignment rows but keeps the capacities (one 0-1
   knapsack per candidate, by dynamic programming). That bound is far stronger than the
   uncapacitated one; the search stops as soon as it meets it.
4. **Reduced-cost fixing** (:mod:`.fixing`). With the final multipliers, any median or
   client-median pair whose forced Lagrangian bound cannot beat the incumbent is removed. This
   usually leaves a few pairs per client. Capacitated: the knapsack bound's multipliers fix
   more medians closed.
5. **Lagrangian branch-and-bound** (:mod:`.branch`, uncapacitated only): depth-first branching
   on the medians, with warm-started subgradient bounds and reduced-cost fixing at every node.
   It closes the small LP gaps of instances with few medians, where CP-SAT's bound stalls. It
   may use ``_BNB_SHARE`` of the time limit.
6. **CP-SAT** solves the reduced model (:class:`.model.PMedianModel`), hinted with the
   incumbent, for the time left. Besides an incumbent that meets a Lagrangian bound, it is the
   only stage that proves a capacitated solution optimal.

Costs are scaled to integers in one place (:mod:`.scaling`); objective values reported in
:class:`.solve.PMedianResult` are recomputed from the caller's (unscaled) matrix.
"""
