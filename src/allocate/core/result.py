"""Results of an alignment solve: a status, the objective, the bound and an immutable alignment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from allocate.core.instance import read_only
from allocate.core.scenario import Scenario
from allocate.core.status import SolveStatus, relative_gap


@dataclass(frozen=True)
class Alignment:
    """Who serves what: one row per item (account, or account × product line / role).

    Parameters
    ----------
    model
        The organization model that produced it.
    account, seller
        Account and seller index of each row (stored as read-only ``int64`` arrays).
    key
        Product line or role of each row; empty strings for whole-account models.
    key_kind
        ``""``, ``"product_line"`` or ``"role"``.
    """

    model: str
    account: NDArray[np.int64]
    seller: NDArray[np.int64]
    key: tuple[str, ...]
    key_kind: str

    def __post_init__(self) -> None:
        for name in ("account", "seller"):
            object.__setattr__(self, name, read_only(getattr(self, name), dtype=np.int64))
        if not (len(self.account) == len(self.seller) == len(self.key)):
            raise ValueError("account, seller and key must have the same length")

    def __len__(self) -> int:
        return len(self.account)


@dataclass(frozen=True)
class Result:
    """Outcome of :func:`allocate.align.solve`.

    Parameters
    ----------
    status
        What the solve proved.
    objective
        Recomputed in floating point from the alignment (see
        :func:`allocate.solvers.problem.evaluate`).
    best_bound
        Best proven lower bound of the objective (never above it).
    lp_bound
        Bound of the linear relaxation (never above the objective).
    wall_s
        Wall-clock seconds of the solve.
    alignment
        The immutable alignment found.
    scenario
        The scenario solved.
    deterministic
        True when the run is reproducible (deterministic budgets, not the wall clock or an
        interruption, ended every search).
    solver_objective
        The objective that the solver reported (the recomputed one when contiguity repair
        changed the alignment).
    interrupted
        True when the solve was stopped on request (Ctrl-C); the best alignment so far is kept.
    breaches
        The hard rules that ``alignment`` breaks, as found by the independent checker
        (:mod:`allocate.align.check`); empty for a solution. A result with breaches has the
        status ``unknown`` and is never written as a run.
    clock_stopped
        The stages that the wall-clock safety net stopped before their deterministic budget
        ran out (then ``deterministic`` is False).
    """

    status: SolveStatus
    objective: float
    best_bound: float
    lp_bound: float
    wall_s: float
    alignment: Alignment
    scenario: Scenario
    deterministic: bool
    solver_objective: float
    interrupted: bool = False
    breaches: tuple[str, ...] = ()
    clock_stopped: tuple[str, ...] = ()

    @property
    def is_solution(self) -> bool:
        """True when the alignment meets every hard rule (optimal or feasible, no breach)."""
        return self.status.has_solution and not self.breaches

    @property
    def gap(self) -> float:
        """Relative gap ``(objective - best_bound) / |objective|``, at least 0 (NaN without a bound)."""
        return relative_gap(self.objective, self.best_bound)
