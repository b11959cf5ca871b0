"""Peer for benchmarks/pmedian.py: PySAL spopt's PMedian solved by PuLP + CBC.

Standalone on purpose: it imports neither allocate nor ortools, so the peer runs in its own
process. Usage::

    python spopt_pmedian.py COST.npy P TIME_LIMIT_S

It prints one JSON line: value, time_s (model build + solve, wall clock), status.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time

import numpy as np
import pulp
from spopt.locate import PMedian


def main() -> None:
    cost = np.load(sys.argv[1])
    p = int(sys.argv[2])
    time_limit_s = float(sys.argv[3])
    start = time.perf_counter()
    weights = np.ones(cost.shape[0])
    model = PMedian.from_cost_matrix(cost, weights, p_facilities=p)
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, threads=1)
    # spopt raises when CBC stops without a proven solution; the PuLP problem still says why.
    with contextlib.suppress(RuntimeError):
        model.solve(solver, results=False)
    elapsed = time.perf_counter() - start
    status = pulp.LpStatus[model.problem.status]
    value = pulp.value(model.problem.objective)
    sol_status = getattr(model.problem, "sol_status", None)
    if status == "Optimal" and sol_status == pulp.LpSolutionIntegerFeasible:
        status = "Feasible"  # CBC stopped on the time limit with an incumbent
    print(json.dumps({"value": value, "time_s": elapsed, "status": status}))


if __name__ == "__main__":
    main()
