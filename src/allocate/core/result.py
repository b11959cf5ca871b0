"""Results of an alignment solve: a status, the objective, the bound and an immutable alignment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from allocate.core.scenario import Scenario
from allocate.core.status import SolveStatus


@dataclass(frozen=True)
class Alignment:
    """Who serves what: one row per item (account, or account × product line / role).

    ``key`` is empty for whole-account models; ``key_kind`` is ``"product_line"`` or
    ``"role"`` when items are split.
    """

    model: str
    account: NDArray[np.int64]
    seller: NDArray[np.int64]
    key: tuple[str, ...]
    key_kind: str

    def __post_init__(self) -> None:
        for name in ("account", "seller"):
            a = np.ascontiguousarray(getattr(self, name), dtype=np.int64)
            a.setflags(write=False)
            object.__setattr__(self, name, a)
        if not (len(self.account) == len(self.seller) == len(self.key)):
            raise ValueError("account, seller and key must have the same length")

    def __len__(self) -> int:
        return len(self.account)


@dataclass(frozen=True)
class Result:
    """Outcome of :func:`allocate.align.solve`.

    ``objective`` is recomputed in floating point from the alignment (see
    :func:`allocate.analysis.kpi.objective_terms`); ``solver_objective`` is what CP-SAT reported.
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

    @property
    def gap(self) -> float:
        if not np.isfinite(self.best_bound) or not np.isfinite(self.objective):
            return float("nan")
        return max(0.0, (self.objective - self.best_bound) / max(abs(self.objective), 1e-9))
