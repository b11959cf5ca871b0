"""Sizing the sales force: where to base sellers (p-median) and benchmark readers."""

from allocate.sizing.orlib import PMedianInstance, read_pmed, read_pmedcap
from allocate.sizing.pmedian import PMedianModel, PMedianResult, PMedianStatus, solve_pmedian

__all__ = [
    "PMedianInstance",
    "PMedianModel",
    "PMedianResult",
    "PMedianStatus",
    "read_pmed",
    "read_pmedcap",
    "solve_pmedian",
]
