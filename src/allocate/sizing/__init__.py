"""Sizing the sales force: where to base sellers (p-median) and benchmark readers."""

from allocate.io.benchmarks.orlib import PMedianInstance, read_pmed, read_pmedcap
from allocate.sizing.pmedian import PMedianModel, PMedianResult, solve_pmedian

__all__ = [
    "PMedianInstance",
    "PMedianModel",
    "PMedianResult",
    "read_pmed",
    "read_pmedcap",
    "solve_pmedian",
]
