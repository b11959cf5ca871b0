"""Options of an action plan (:class:`PlanConfig`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from allocate.schedule.plan.calendars import Horizon, next_monday


@dataclass(frozen=True)
class PlanConfig:
    """Options of an action plan.

    Parameters
    ----------
    weeks
        Horizon in weeks (calendar days ``0 .. 7 * weeks - 1``, day 0 a Monday).
    start
        First Monday of the plan (default: the next Monday).
    holidays
        Public holidays: nobody works on them.
    time_limit_s, workers, seed
        Time for the whole plan, processes (one CP-SAT worker each) and seed.
    stage_weight
        Weight of an account's potential by stage (default
        :data:`~allocate.schedule.plan.actions.STAGE_WEIGHT`).
    churn_rate
        Yearly share of customers lost (default: the nomenclature's).
    use_cpsat
        ``False`` keeps the greedy placement (for tests and comparisons).
    """

    weeks: int = 13
    start: dt.date | None = None
    holidays: frozenset[dt.date] = frozenset()
    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0
    stage_weight: Mapping[str, float] | None = None
    churn_rate: float | None = None
    use_cpsat: bool = True

    def __post_init__(self) -> None:
        if self.weeks < 1 or self.weeks > 104:
            raise ValueError(f"weeks must be in [1, 104], got {self.weeks}")
        if self.time_limit_s <= 0:
            raise ValueError(f"time_limit_s must be > 0, got {self.time_limit_s}")
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")
        if self.churn_rate is not None and not 0.0 <= self.churn_rate <= 1.0:
            raise ValueError(f"churn_rate must be in [0, 1], got {self.churn_rate}")

    def horizon(self) -> Horizon:
        """The plan's calendar: its first Monday (default: the next one), weeks and holidays.

        Returns
        -------
        Horizon
            Built from :attr:`start`, :attr:`weeks` and :attr:`holidays`.
        """
        return Horizon(self.start or next_monday(), self.weeks, frozenset(self.holidays))
