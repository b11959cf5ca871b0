"""When a search stops: a count of work units first, the wall clock as a safety net.

A search that stops on a *count* of work (:class:`WorkLimit`) gives the same result on any
machine and under any load; the wall-clock deadline only fires when the machine is so slow
that the count would run past the time limit, and then the result is valid but not
reproducible. :attr:`WorkLimit.stopped_by` says which of the two stopped the search, and
:attr:`WorkLimit.stage` which stage was running when it did.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

#: The deadline is read once every this many checks (reading the clock costs more than a check).
CLOCK_EVERY = 16


@dataclass
class WorkLimit:
    """A budget of work units with a wall-clock deadline.

    Parameters
    ----------
    units
        Work units allowed (what a unit is, the caller says: an action placed, a day tried).
    deadline
        ``time.time()`` value after which the search stops even with units left.

    Attributes
    ----------
    used
        Units charged so far.
    at
        Name of the stage running now (set by the caller before each stage).
    stage
        The stage that was running when the limit was reached ('' while it is not).
    stopped_by
        ``"budget"`` (the units ran out: reproducible), ``"clock"`` (the deadline came first)
        or ``""`` (not stopped).
    """

    units: float = math.inf
    deadline: float = math.inf
    used: int = 0
    at: str = ""
    stage: str = ""
    stopped_by: str = ""
    _calls: int = 0

    def charge(self, n: int = 1) -> bool:
        """Count ``n`` units; whether the search must stop now.

        Parameters
        ----------
        n
            Units of work about to be done.

        Returns
        -------
        bool
            True once the units ran out or the deadline passed (and from then on).
        """
        self.used += n
        return self.over()

    def over(self) -> bool:
        """Whether the search must stop (units spent or deadline passed), without charging.

        Returns
        -------
        bool
            True once the limit is reached (and from then on).
        """
        if not self.stopped_by:
            if self.used > self.units:
                self.stopped_by, self.stage = "budget", self.at
            else:
                self._calls += 1
                if self._calls % CLOCK_EVERY == 0 and time.time() > self.deadline:
                    self.stopped_by, self.stage = "clock", self.at
        return bool(self.stopped_by)
