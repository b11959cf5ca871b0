"""Scenario: the knobs of an alignment run, read from a YAML file (pydantic-validated).

Units of the objective: one unit = one hour of travel per week. The other terms are converted
into that unit by their weights:

- ``weights.travel``: per hour of weekly travel (default 1);
- ``weights.move``: per account moved away from today's seller. Its default depends on the
  model (:data:`MOVE_WEIGHTS`): 0.15 for ``geography``, which is asked for to redraw the
  territories around travel (moving about seven accounts is worth one hour of weekly driving
  saved),
  0.25 for the other models, which reorganize who serves what and should keep today's
  relationships unless travel gains a quarter of an hour a week per account moved. Every run
  reports how many accounts move (KPI ``moves``); ``max_moves`` or ``max_moves_share`` caps
  them;
- ``weights.compactness`` (geographic models only): per hour of weekly travel measured from
  the seller's territory anchor instead of the base (default 0.2); it keeps co-located
  sellers' territories apart (see ``allocate.organize.presets.territory_anchors``);
- ``balance.<measure>.weight``: per unit outside the ±τ band: per workload hour per week, per
  1,000 € of potential, per account.

Example::

    model: geography
    weights: {travel: 1.0, move: 0.25}
    balance:
      workload: {tolerance: 0.15, hard: false, weight: 2.0}
      potential: {tolerance: 0.30, weight: 0.05}
      count: null
    max_moves_share: 0.2
    candidates: 8
    time_limit_s: 30
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from allocate.core.instance import Instance
from allocate.core.quota import QuotaSpec
from allocate.core.travel import TravelModel

PRESETS = ("geography", "size", "value_proposition", "roles", "generalist", "hybrid")
#: Largest seed: CP-SAT's ``random_seed`` is a 32-bit integer.
MAX_SEED = 2**31 - 1
#: Largest objective weight: the solvers scale weights to 64-bit integers (1e300 overflowed).
MAX_WEIGHT = 1e6
#: Longest time limit, in seconds (a week; ``inf`` ran forever).
MAX_TIME_LIMIT_S = 7 * 24 * 3600.0
#: Largest count of accounts (moves), as in the sellers' ``max_accounts``.
MAX_COUNT = 10_000_000


class BalanceSpec(BaseModel):
    """How one measure is balanced between sellers.

    Parameters
    ----------
    tolerance
        Allowed relative deviation from the mean (the ±τ band).
    hard
        True: the band is a constraint; false: leaving it is penalized.
    weight
        Penalty per unit outside the band (see the module docstring).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    tolerance: float = Field(default=0.15, ge=0, le=10)
    hard: bool = False
    weight: float = Field(default=1.0, ge=0, le=MAX_WEIGHT)


#: Default weight of a move per organization model (objective units per account moved);
#: :data:`DEFAULT_MOVE_WEIGHT` for the models not listed. ``geography`` is the redesign for
#: travel: at 0.25 its travel on fr-pme came out barely below the size model's (each model
#: then stays near today's alignment as much as the others, and none is redrawn for travel).
#: On fr-pme's LP relaxation, 0.25 → 0.15 → 0.1 buys 212 → 205 → 203 h/week of travel for
#: 829 → 982 → 1,089 of 2,000 accounts moved (399 of them forced by whole-town territories):
#: 0.15 is where more moves stop paying.
MOVE_WEIGHTS: dict[str, float] = {"geography": 0.15}
DEFAULT_MOVE_WEIGHT = 0.25


class Weights(BaseModel):
    """Weights of the objective terms, in hours of weekly travel.

    Parameters
    ----------
    travel
        Per hour of weekly travel.
    move
        Per account moved away from today's seller; ``None`` (the default): the model's
        default (:meth:`move_for`).
    compactness
        Per hour of weekly travel measured from the territory anchor (geographic models).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    travel: float = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    move: float | None = Field(default=None, ge=0, le=MAX_WEIGHT)
    compactness: float = Field(default=0.2, ge=0, le=MAX_WEIGHT)

    def move_for(self, model: str) -> float:
        """The weight of a move under ``model``: the one set, else the model's default.

        Parameters
        ----------
        model
            The organization model.

        Returns
        -------
        float
            ``move`` when set, else :data:`MOVE_WEIGHTS` (or :data:`DEFAULT_MOVE_WEIGHT`).
        """
        if self.move is not None:
            return self.move
        return MOVE_WEIGHTS.get(model, DEFAULT_MOVE_WEIGHT)


class BalanceSet(BaseModel):
    """The balanced measures; ``None`` switches a measure off.

    Parameters
    ----------
    workload
        Weekly workload hours (default ±15 %, weight 2).
    potential
        Revenue potential (default ±30 %, weight 0.05 per 1,000).
    count
        Number of accounts (off by default).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    workload: BalanceSpec | None = BalanceSpec(tolerance=0.15, weight=2.0)
    potential: BalanceSpec | None = BalanceSpec(tolerance=0.30, weight=0.05)
    count: BalanceSpec | None = None


class Scenario(BaseModel):
    """All the options of an alignment run, with the defaults a sales-ops team would use.

    Parameters
    ----------
    model
        The organization model (one of :data:`PRESETS`).
    hybrid_inner, hybrid_outer
        For ``hybrid``: geography inside each size segment or product line.
    weights
        Weights of the objective terms.
    balance
        Balanced measures and their tolerances.
    max_moves, max_moves_share
        Most accounts moved from today's seller, as a number or a share (not both).
    respect_roles
        Only ``generalist`` sellers take part in the geography, size, value-proposition and
        hybrid models (specialists keep to the roles model).
    candidates
        Nearest seller bases considered per account.
    radius_km
        Farthest base considered (the nearest one is always kept), or ``None``.
    contiguity
        Make territories contiguous (``None``: when the instance has units).
    contiguity_budget
        Relative worsening of the objective that the contiguity repair spends first (0.05 =
        5 %): the enclaves that fit in it are handed over first. When the scenario leaves it
        unset, the enclaves left are then handed over whatever the cost (contiguity before
        the objective, as in the exact model); when it sets it, it is a cap.
    circuity, speed_kmh
        Parameters of the travel-time estimate (see :class:`~allocate.core.travel.TravelModel`).
        When either differs from the default (1.3, 70 km/h), they replace the instance's
        estimate in the solve, the KPIs and the check (:func:`scenario_instance`); at the
        defaults, the instance's own estimate is kept (``read_instance(travel=...)``).
    time_limit_s, workers, seed, deterministic
        Solver limits and reproducibility.
    churn_rate
        Yearly churn, or ``None``; validated but not read at present (the nomenclature's
        ``churn_rate`` or ``allocate schedule --churn`` is used).
    quota
        How the team's sales target is split into seller quotas (see
        :class:`~allocate.core.quota.QuotaSpec`), or ``None``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    model: Literal["geography", "size", "value_proposition", "roles", "generalist", "hybrid"] = "geography"
    hybrid_inner: Literal["geography"] = "geography"
    hybrid_outer: Literal["size", "value_proposition"] = "size"
    weights: Weights = Weights()
    balance: BalanceSet = BalanceSet()
    max_moves: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    max_moves_share: float | None = Field(default=None, ge=0, le=1)
    respect_roles: bool = False
    candidates: int = Field(default=8, ge=1, le=1000)
    radius_km: float | None = Field(default=None, gt=0)
    contiguity: bool | None = None
    contiguity_budget: float = Field(default=0.05, ge=0, le=10)
    circuity: float = Field(default=1.3, ge=1)
    speed_kmh: float = Field(default=70.0, gt=0)
    time_limit_s: float = Field(default=30.0, gt=0, le=MAX_TIME_LIMIT_S)
    workers: int = Field(default=2, ge=1, le=64)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    deterministic: bool = True
    churn_rate: float | None = Field(default=None, ge=0, le=1)
    quota: QuotaSpec | None = None

    @model_serializer(mode="wrap")
    def _drop_unset_quota(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # a scenario without quota dumps as before quotas existed (run folders stay byte-identical)
        data: dict[str, Any] = handler(self)
        if data.get("quota", 0) is None:
            del data["quota"]
        return data

    @model_validator(mode="after")
    def _moves(self) -> Scenario:
        if self.max_moves is not None and self.max_moves_share is not None:
            raise ValueError("give max_moves or max_moves_share, not both")
        return self


def resolved(scenario: Scenario, model: str | None = None) -> Scenario:
    """``scenario`` with the model's defaults written out (today: the weight of a move).

    A run records the resolved scenario, so its files say which weight was used.

    Parameters
    ----------
    scenario
        The scenario.
    model
        The organization model (default: ``scenario.model``).

    Returns
    -------
    Scenario
        ``scenario`` itself when nothing is left to the model, else a copy.
    """
    w = scenario.weights
    if w.move is not None:
        return scenario
    weights = w.model_copy(update={"move": w.move_for(model or scenario.model)})
    return scenario.model_copy(update={"weights": weights})


def scenario_instance(instance: Instance, scenario: Scenario) -> Instance:
    """The instance as ``scenario`` sees it: with its travel-time estimate, when it sets one.

    Parameters
    ----------
    instance
        The instance.
    scenario
        The scenario; ``circuity`` and ``speed_kmh`` other than the defaults replace the
        instance's :class:`~allocate.core.travel.TravelModel` (a travel matrix still wins
        where it has a pair).

    Returns
    -------
    Instance
        ``instance`` itself when the scenario keeps the defaults or the instance's own
        estimate, else a copy with the scenario's estimate.
    """
    wanted = TravelModel(circuity=scenario.circuity, speed_kmh=scenario.speed_kmh)
    if wanted == TravelModel() or wanted == instance.travel:
        return instance
    return replace(instance, travel=wanted)
