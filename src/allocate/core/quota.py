"""The ``quota`` section of a scenario: how a total sales target is split between sellers.

Example::

    quota:
      total: 12000000      # the team's yearly target
      method: blend        # potential | history | blend
      blend: 0.5           # weight of the potential share in a blend (history gets the rest)
      floor: 400000        # no seller below this (null: none)
      cap: 2500000         # no seller above this (null: none)
      rounding: 1000       # quotas are multiples of this (null or 0: not rounded)

The computation lives in :mod:`allocate.sizing.quota`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class QuotaSpec(BaseModel):
    """How the team's target is split into one quota per seller.

    Parameters
    ----------
    total
        The team's target (same currency as the accounts' ``potential``).
    method
        ``potential``: in proportion to the potential of each territory; ``history``: to last
        period's won revenue of its accounts (the ``history`` column of ``accounts``);
        ``blend``: ``blend`` times the potential share plus ``1 - blend`` times the history share.
    blend
        Weight of the potential share in ``blend``.
    floor, cap
        Least and most quota of one seller, or ``None``.
    rounding
        Quotas are rounded to multiples of this (``None`` or 0: not rounded); ``total`` must
        be a multiple of it, so that the rounded quotas add up to the total.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    total: float = Field(gt=0, le=1e15)
    method: Literal["potential", "history", "blend"] = "potential"
    blend: float = Field(default=0.5, ge=0, le=1)
    floor: float | None = Field(default=None, ge=0)
    cap: float | None = Field(default=None, gt=0)
    rounding: float | None = Field(default=None, ge=0, le=1e15)

    @model_validator(mode="after")
    def _floor_below_cap(self) -> QuotaSpec:
        if self.floor is not None and self.cap is not None and self.floor > self.cap:
            raise ValueError(f"floor {self.floor:g} is above cap {self.cap:g}")
        if self.rounding:
            steps = self.total / self.rounding
            if abs(steps - round(steps)) > 1e-9 * max(1.0, steps) or round(steps) < 1:
                raise ValueError(
                    f"total {self.total:g} is not a multiple of rounding {self.rounding:g}: "
                    "the rounded quotas could not add up to it"
                )
        return self
