"""Brute force over every partition of a tiny graph: the reference for the design tests."""

from __future__ import annotations

import itertools

import numpy as np

from allocate.solvers.design.graph import DesignGraph


def connected(nbrs: list[list[int]], members: list[int]) -> bool:
    inside = set(members)
    seen = {members[0]}
    stack = [members[0]]
    while stack:
        x = stack.pop()
        for y in nbrs[x]:
            if y in inside and y not in seen:
                seen.add(y)
                stack.append(y)
    return len(seen) == len(inside)


def best_partition(
    graph: DesignGraph, w: np.ndarray, k: int, tol: float, objective: str, mass=None
):
    """(best value, count of feasible partitions) over all partitions into k connected,
    balanced territories; labels canonical (first appearance order)."""
    n = graph.n
    dist = graph.distances()
    mean = w.sum(axis=0) / k
    mass = np.ones(n) if mass is None else mass
    best, count = np.inf, 0
    for lab in itertools.product(range(k), repeat=n):
        # canonical: territory t first appears before t+1
        seen = []
        for t in lab:
            if t not in seen:
                seen.append(t)
        if seen != list(range(k)):
            continue
        lab_a = np.array(lab)
        ok = True
        value = 0.0
        for t in range(k):
            m = np.flatnonzero(lab_a == t).tolist()
            if not connected(graph.neighbours, m):
                ok = False
                break
            dev = np.abs(w[m].sum(axis=0) - mean) / np.where(mean > 0, mean, 1)
            if np.any(dev > tol + 1e-12):
                ok = False
                break
            sub = dist[np.ix_(m, m)]
            if objective == "dispersion":
                value = max(value, float(sub.max()))
            else:
                value += float((mass[m] @ sub).min())
        if ok:
            count += 1
            best = min(best, value)
    return best, count
