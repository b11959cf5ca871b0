"""band_proof: forced groups around cut vertices; sound against brute force on tiny graphs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocate.core.status import SolveStatus
from allocate.solvers.design.balance import Bands
from allocate.solvers.design.graph import DesignGraph
from allocate.solvers.design.proof import (
    band_proof,
    forced_group,
    territory_refuted,
    whole_territories,
)
from allocate.solvers.design.solve import design_partition
from tests.solvers.design.brute import best_partition


def _lollipop() -> tuple[DesignGraph, np.ndarray]:
    # path 0-1-2-3; every split into two connected parts breaks a band (checked by hand:
    # {0}|{1,2,3}: measure 0 is 1 of 2; {0,1}|{2,3}: measure 1 is 2.5 and 1.5; {0,1,2}|{3}: 3 of 2)
    g = DesignGraph.from_edges(4, [(0, 1), (1, 2), (2, 3)])
    w = np.array([[1.0, 2.0], [1.0, 0.5], [1.0, 0.0], [1.0, 1.5]])
    return g, w


def test_hand_checked_infeasible_path_is_proven() -> None:
    g, w = _lollipop()
    bands = Bands.of(w, 2, 0.1)
    _, count = best_partition(g, w, 2, 0.1, "dispersion")
    assert count == 0
    why = band_proof(g, w, bands, 2, ["customers", "demand"])
    assert "cut vertex" in why and "customers" in why


def test_forced_group_stops_at_a_feasible_territory() -> None:
    g, w = _lollipop()
    w = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    inside, total = forced_group(g, w, Bands.of(w, 2, 0.1), 1)
    # {0} cannot hold a territory (1 of 2): it joins 1; {2, 3} can: the group stops there
    assert sorted(np.flatnonzero(inside).tolist()) == [0, 1]
    assert total.tolist() == [2.0, 2.0]
    assert band_proof(g, w, Bands.of(w, 2, 0.1), 2) == ""


def test_design_reports_the_proof_as_infeasible() -> None:
    g, w = _lollipop()
    sol = design_partition(g, w, 2, 0.1, time_limit_s=5, max_iters=200)
    assert sol.status == SolveStatus.INFEASIBLE
    assert "cut vertex" in sol.reason and sol.labels is None


def test_negative_measures_prove_nothing() -> None:
    g, w = _lollipop()
    w[1, 1] = -0.5
    assert band_proof(g, w, Bands.of(w, 2, 0.1), 2) == ""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(4, 7),
    extra=st.integers(0, 2),
    k=st.integers(2, 3),
    tol=st.sampled_from([0.05, 0.2, 0.4]),
    seed=st.integers(0, 10_000),
)
def test_property_a_proof_is_never_wrong(n: int, extra: int, k: int, tol: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # a random tree plus a few extra edges: sparse, with cut vertices
    edges = [(int(rng.integers(i)), i) for i in range(1, n)]
    for _ in range(extra):
        a, b = rng.choice(n, 2, replace=False)
        edges.append((int(a), int(b)))
    g = DesignGraph.from_edges(n, edges)
    w = rng.integers(0, 6, size=(n, 2)).astype(float)
    w[0] += 1.0  # no measure of total zero
    why = band_proof(g, w, Bands.of(w, k, tol), k)
    if why:
        _, count = best_partition(g, w, k, tol, "dispersion")
        assert count == 0, why


def test_counting_argument_on_a_hand_checked_tree() -> None:
    # a tree of 7 units around unit 2 (arms 0-1, 3-4, 5-6), 3 territories at ±30 %: no part
    # is too light to hold a territory, yet no count of whole territories per arm leaves
    # unit 2's territory within its bands; brute force agrees that no design exists
    edges = [(0, 1), (1, 2), (2, 3), (3, 4), (2, 5), (5, 6)]
    g = DesignGraph.from_edges(7, edges)
    w = np.array([[5, 5], [1, 3], [4, 2], [2, 4], [5, 3], [1, 4], [5, 2]], dtype=float)
    why = band_proof(g, w, Bands.of(w, 3, 0.3), 3)
    assert "no count" in why and "cut vertex 2" in why
    assert best_partition(g, w, 3, 0.3, "dispersion")[1] == 0


def test_proofs_agree_with_brute_force_on_a_sweep() -> None:
    for seed in range(40):
        rng = np.random.default_rng(seed)
        n, k = 7, 3
        edges = [(int(rng.integers(i)), i) for i in range(1, n)]
        g = DesignGraph.from_edges(n, edges)
        w = rng.integers(1, 6, size=(n, 2)).astype(float)
        why = band_proof(g, w, Bands.of(w, k, 0.4), k)
        if why:
            assert best_partition(g, w, k, 0.4, "dispersion")[1] == 0, (seed, why)


def test_whole_territories_on_a_path() -> None:
    # path 0-..-5, unit weights, 3 territories of exactly 2: unit 0 cannot hold a territory,
    # so {0, 1} share one; it is full (unit 2 would exceed the band): a whole territory
    g = DesignGraph.from_edges(6, [(i, i + 1) for i in range(5)])
    w = np.ones((6, 1))
    groups = whole_territories(g, w, Bands.of(w, 3, 0.0), 3)
    assert [sorted(x.tolist()) for x in groups] == [[0, 1]]


def test_design_with_a_whole_territory_matches_brute_force() -> None:
    # a star of paths around unit 0; weights chosen so that the arm 1-2 is a whole territory
    edges = [(0, 1), (1, 2), (0, 3), (3, 4), (0, 5), (5, 6)]
    g = DesignGraph.from_edges(7, edges, np.arange(1, 7, dtype=float))
    w = np.array([[2, 1], [1, 2], [2, 1], [1, 1], [1, 1], [2, 1], [1, 2]], dtype=float)
    k, tol = 3, 0.25
    groups = whole_territories(g, w, Bands.of(w, k, tol), k)
    best, count = best_partition(g, w, k, tol, "dispersion")
    sol = design_partition(g, w, k, tol, time_limit_s=10, max_iters=400)
    if count == 0:
        assert sol.status != SolveStatus.FEASIBLE
    else:
        assert sol.status == SolveStatus.FEASIBLE
        assert sol.value == pytest.approx(best)
    for f in groups:  # every feasible design keeps each group whole and alone
        assert sol.labels is None or len(set(sol.labels[f].tolist())) == 1


def test_whole_territory_proofs_agree_with_brute_force() -> None:
    # tight bands on tiny trees: most proofs go through a whole territory and the rest
    whole = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        n, k, tol = 7, 3, 0.15
        g = DesignGraph.from_edges(n, [(int(rng.integers(i)), i) for i in range(1, n)])
        w = rng.integers(1, 6, size=(n, 2)).astype(float)
        why = band_proof(g, w, Bands.of(w, k, tol), k)
        if why:
            whole += "whole territory" in why
            assert best_partition(g, w, k, tol, "dispersion")[1] == 0, (seed, why)
    assert whole > 0


def _random_sparse(seed: int, n: int, extra: int) -> tuple[DesignGraph, np.ndarray]:
    rng = np.random.default_rng(seed)
    edges = [(int(rng.integers(i)), i) for i in range(1, n)]
    for _ in range(extra):
        a, b = rng.choice(n, 2, replace=False)
        edges.append((int(a), int(b)))
    w = rng.integers(0, 6, size=(n, 2)).astype(float)
    w[0] += 1.0
    return DesignGraph.from_edges(n, edges), w


def test_enumerated_territories_agree_with_brute_force() -> None:
    # every unit's territory enumerated (a unit alone is a group of one territory): a refuted
    # enumeration means brute force finds no design; a case that proves nothing means the
    # enumeration stopped on a territory within its bands
    refuted = 0
    for seed in range(60):
        g, w = _random_sparse(seed, 7, seed % 3)
        k, tol = 2 + seed % 2, 0.2
        bands = Bands.of(w, k, tol)
        count = best_partition(g, w, k, tol, "dispersion")[1]
        for v in range(g.n):
            group = np.zeros(g.n, dtype=bool)
            group[v] = True
            done, used = territory_refuted(g, w, bands, k, group, 10_000)
            assert done is not None and used >= 0
            if done:
                refuted += 1
                assert count == 0, (seed, v)
    assert refuted > 0


def test_enumeration_proves_what_the_rules_alone_cannot() -> None:
    # sweep tiny sparse graphs: some instances are refuted only with the enumeration, and
    # brute force agrees on every proof
    only_enum = 0
    for seed in range(80):
        g, w = _random_sparse(seed, 7, 1 + seed % 2)
        k, tol = 3, 0.25
        bands = Bands.of(w, k, tol)
        plain = band_proof(g, w, bands, k, cases=0)
        full = band_proof(g, w, bands, k)
        if full:
            assert best_partition(g, w, k, tol, "dispersion")[1] == 0, (seed, full)
        if full and not plain:
            only_enum += 1
            assert "enumerated" in full
    assert only_enum > 0


def test_enumeration_respects_its_case_budget() -> None:
    g, w = _random_sparse(3, 7, 2)
    group = np.zeros(g.n, dtype=bool)
    group[0] = True
    done, used = territory_refuted(g, w, Bands.of(w, 3, 0.05), 3, group, 1)
    assert used <= 1
    assert done in (True, False, None)


def test_proofs_on_small_grids_with_three_measures_agree_with_brute_force() -> None:
    # 2 x 4 grids with edges removed (kept connected), three measures, as in the DTDP
    # instances: every proof, with or without the enumeration, is confirmed by brute force
    grid = [(i, i + 1) for i in (0, 1, 2, 4, 5, 6)] + [(i, i + 4) for i in range(4)]
    proven = 0
    for seed in range(50):
        rng = np.random.default_rng(seed)
        edges = [e for e in grid if rng.random() > 0.3]
        g = DesignGraph.from_edges(8, edges)
        if g.n_components() != 1:
            continue
        w = rng.integers(1, 8, size=(8, 3)).astype(float)
        k, tol = 3, float(rng.choice([0.1, 0.2, 0.3]))
        why = band_proof(g, w, Bands.of(w, k, tol), k)
        if why:
            proven += 1
            assert best_partition(g, w, k, tol, "dispersion")[1] == 0, (seed, why)
    assert proven > 0


def test_enumeration_stops_at_its_deadline_and_then_proves_nothing() -> None:
    # the cases that only the enumeration refutes: with its deadline passed, no proof
    import time

    found = 0
    for seed in range(80):
        g, w = _random_sparse(seed, 7, 1 + seed % 2)
        bands = Bands.of(w, 3, 0.25)
        full = band_proof(g, w, bands, 3)
        if full and not band_proof(g, w, bands, 3, cases=0):
            found += 1
            assert band_proof(g, w, bands, 3, deadline=time.monotonic() - 1) == ""
            assert band_proof(g, w, bands, 3, deadline=time.monotonic() + 60) == full
    assert found > 0
