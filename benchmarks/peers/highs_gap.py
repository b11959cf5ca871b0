"""HiGHS MIP baseline for one OR-Library GAP file (run in its own process: never import
highspy next to ortools). Prints one JSON line: value, status, time_s, time_to_1pct_s.

Usage: python highs_gap.py FILE TIME_LIMIT [TARGET]
"""

from __future__ import annotations

import json
import sys
import time

import highspy
import numpy as np


def main() -> None:
    path, limit = sys.argv[1], float(sys.argv[2])
    target = float(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else None
    with open(path) as fh:
        vals = np.array(fh.read().split(), dtype=np.int64)
    m, n = int(vals[0]), int(vals[1])
    c = vals[2 : 2 + m * n].reshape(m, n).astype(float)
    a = vals[2 + m * n : 2 + 2 * m * n].reshape(m, n).astype(float)
    b = vals[2 + 2 * m * n : 2 + 2 * m * n + m].astype(float)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", limit)
    h.setOptionValue("threads", 2)
    inf = highspy.kHighsInf
    # column k = i * n + j
    lp = highspy.HighsLp()
    lp.num_col_ = m * n
    lp.num_row_ = n + m
    lp.col_cost_ = c.reshape(-1)
    lp.col_lower_ = np.zeros(m * n)
    lp.col_upper_ = np.ones(m * n)
    lp.row_lower_ = np.r_[np.ones(n), np.full(m, -inf)]
    lp.row_upper_ = np.r_[np.ones(n), b]
    starts, index, value = [], [], []
    for i in range(m):
        for j in range(n):
            starts.append(len(index))
            index += [j, n + i]
            value += [1.0, a[i, j]]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(starts + [len(index)], dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * (m * n)
    h.passModel(lp)
    t0 = time.perf_counter()
    first_hit: list[float] = []
    if target is not None:
        try:
            def cb(_type, _msg, data_out, _data_in, _user):
                if not first_hit and data_out.mip_primal_bound <= target:
                    first_hit.append(time.perf_counter() - t0)

            h.setCallback(cb, None)
            h.startCallback(highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution)
        except Exception:  # older highspy without callbacks: time-to-target stays unknown
            first_hit.append(float("nan"))
    h.run()
    wall = time.perf_counter() - t0
    status = h.getModelStatus()
    info = h.getInfo()
    value = info.objective_function_value if info.primal_solution_status == 2 else None
    name = h.modelStatusToString(status).lower()
    out = {
        "value": value,
        "status": "optimal" if "optimal" in name else ("feasible" if value is not None else "no_solution"),
        "time_s": wall,
        "time_to_1pct_s": first_hit[0] if first_hit else None,
        "bound": info.mip_dual_bound,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
