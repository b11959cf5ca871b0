"""HiGHS MIP baseline for an assignment problem exported by alignment_scale.py (.npz).

Runs in its own process (never next to ortools). Model: x binary per candidate entry,
every item once, seller capacity, locked accounts stay; objective = cost (travel hours; moves already priced in).
Prints one JSON line: value, status, time_s, bound.
"""

from __future__ import annotations

import json
import sys
import time

import highspy
import numpy as np


def main() -> None:
    data = np.load(sys.argv[1])
    limit = float(sys.argv[2])
    indptr, seller, cost, load, cap = (data[k] for k in ("indptr", "seller", "cost", "load", "capacity"))
    n, nnz, m = len(indptr) - 1, len(seller), len(cap)
    item_of = np.repeat(np.arange(n), np.diff(indptr))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", limit)
    h.setOptionValue("threads", 2)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = nnz
    lp.num_row_ = n + m
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(nnz)
    fixed = data["fixed"] if "fixed" in data else np.full(n, -1)
    locked_out = (fixed[item_of] >= 0) & (seller != fixed[item_of])
    lp.col_upper_ = np.where(locked_out, 0.0, 1.0)
    lp.row_lower_ = np.r_[np.ones(n), np.full(m, -inf)]
    lp.row_upper_ = np.r_[np.ones(n), cap]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 2 * nnz + 1, 2, dtype=np.int32)
    idx = np.empty(2 * nnz, dtype=np.int32)
    idx[0::2] = item_of
    idx[1::2] = n + seller
    val = np.empty(2 * nnz)
    val[0::2] = 1.0
    val[1::2] = load
    lp.a_matrix_.index_ = idx
    lp.a_matrix_.value_ = val
    lp.integrality_ = [highspy.HighsVarType.kInteger] * nnz
    h.passModel(lp)
    t0 = time.perf_counter()
    h.run()
    info = h.getInfo()
    value = info.objective_function_value if info.primal_solution_status == 2 else None
    name = h.modelStatusToString(h.getModelStatus()).lower()
    print(json.dumps({
        "value": value,
        "status": "optimal" if "optimal" in name else ("feasible" if value is not None else "no_solution"),
        "time_s": time.perf_counter() - t0,
        "bound": info.mip_dual_bound,
    }))


if __name__ == "__main__":
    main()
