"""Costs, demands and capacities made integers, in one place."""

from __future__ import annotations

import numpy as np

from allocate.sizing.pmedian.scaling import (
    COST_SCALE,
    colocated_clients,
    integer_costs,
    integer_demand,
)


def test_integer_costs_stay_unscaled() -> None:
    scaled, scale = integer_costs(np.array([[0.0, 3.0], [7.0, 0.0]]))
    assert scale == 1 and scaled.dtype == np.int64
    assert scaled.tolist() == [[0, 3], [7, 0]]


def test_fractional_costs_are_rounded_at_a_thousandth() -> None:
    scaled, scale = integer_costs(np.array([[0.0, 1.2345], [2.5, 0.0004]]))
    assert scale == COST_SCALE
    assert scaled.tolist() == [[0, 1234], [2500, 0]]  # round half to even, then down


def test_scaled_demands_round_up_and_capacities_down() -> None:
    demand, capacity = integer_demand(np.array([1.0, 0.0012]), np.array([2.0009, 3.0]))
    # a solution feasible in thousandths stays feasible in the caller's units
    assert demand.tolist() == [1000, 2]
    assert capacity.tolist() == [2000, 3000]
    whole = integer_demand(np.array([2.0, 3.0]), np.array([5.0]))
    assert [a.tolist() for a in whole] == [[2, 3], [5]]


def test_colocated_clients_only_on_a_zero_diagonal_square() -> None:
    square = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert colocated_clients(2, 2, square).tolist() == [0, 1]
    assert colocated_clients(2, 2, square + 1).tolist() == [-1, -1]
    assert colocated_clients(3, 2, np.zeros((3, 2))).tolist() == [-1, -1]
