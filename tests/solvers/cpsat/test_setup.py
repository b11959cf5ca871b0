"""The one CP-SAT solver setup and the Ctrl-C flag."""

from __future__ import annotations

from allocate.solvers.cpsat.setup import STOP, clear_stop, new_solver, request_stop


def test_new_solver_sets_the_common_parameters() -> None:
    solver = new_solver(2.5, 3, 7, deterministic_time=1.5)
    prm = solver.parameters
    assert prm.max_time_in_seconds == 2.5
    assert prm.max_deterministic_time == 1.5
    assert prm.num_workers == 3
    assert prm.random_seed == 7
    assert prm.catch_sigint_signal is False  # Ctrl-C is allocate's (STOP), not CP-SAT's


def test_new_solver_floors_the_time_limit_and_leaves_det_time_unset() -> None:
    prm = new_solver(0.0, 1, 0).parameters
    assert prm.max_time_in_seconds == 0.01
    default = new_solver(1.0, 1, 0).parameters.max_deterministic_time
    assert prm.max_deterministic_time == default  # CP-SAT's own default: no budget of ours


def test_request_and_clear_stop() -> None:
    clear_stop()
    assert not STOP.is_set()
    request_stop()
    try:
        assert STOP.is_set()
    finally:
        clear_stop()
    assert not STOP.is_set()
