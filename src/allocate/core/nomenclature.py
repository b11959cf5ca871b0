"""The bill of actions (nomenclature) and operating mode, read from ``nomenclature.yaml``.

For each funnel stage, and optionally a segment, a *playbook* lists the operations that an account
needs: channel, duration, frequency (``per_year`` occurrences or ``once``), predecessors with min
and max lags in days, and the role that performs it. The nomenclature also carries the funnel's
conversion rates, the margin of a won deal by segment and the yearly churn of customers.

Example::

    weeks_per_year: 46
    conversion: {lead: 0.3, prospect: 0.4, opportunity: 0.35}
    deal_value: {micro: 2500, small: 9000, mid: 35000, large: 140000}
    churn_rate: 0.15
    playbooks:
      - stage: lead
        operations:
          - {id: call, name: Qualification call, channel: phone, duration_min: 15,
             once: true, role: SDR}
          - {id: appt, name: Phone appointment, channel: phone, duration_min: 30, once: true,
             after: [call], min_lag_days: 1, max_lag_days: 10, role: SDR}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from allocate.core.errors import unknown_choice

STAGES: tuple[str, ...] = ("lead", "prospect", "opportunity", "customer")
DEFAULT_SEGMENTS: tuple[str, ...] = ("micro", "small", "mid", "large")
ROLES: tuple[str, ...] = ("generalist", "MRR", "SDR", "AE", "CSM")


def _one_of(kind: str, value: str, allowed: Sequence[str]) -> str:
    """``value`` when it is one of ``allowed``; else a ValueError naming the ``kind`` and choices."""
    if value not in allowed:
        raise ValueError(unknown_choice(kind, value, allowed))
    return value


class Channel(StrEnum):
    """How an operation reaches the account (a string enum: ``Channel.VISIT == "visit"``).

    Attributes
    ----------
    VISIT
        On site: the only channel that costs travel time.
    PHONE, VIDEO, EMAIL
        From the desk.
    """

    VISIT = "visit"
    PHONE = "phone"
    VIDEO = "video"
    EMAIL = "email"


class Operation(BaseModel):
    """One action of a playbook (a line of the bill of actions).

    Parameters
    ----------
    id
        Unique within its playbook; ``after`` refers to it.
    name
        Label shown in schedules and reports.
    channel
        Visit, phone, video or e-mail.
    duration_min
        Minutes per occurrence (time on site included; at most a day).
    per_year
        Occurrences per year; exactly one of ``per_year`` and ``once`` is given.
    once
        The operation happens once per sales cycle.
    after
        Ids of the operations that must come first.
    min_lag_days, max_lag_days
        Days allowed between the end of the predecessors and this operation
        (``max_lag_days`` ``None`` = no limit).
    role
        The role that performs it (one of :data:`ROLES`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: str = Field(min_length=1)
    name: str = ""
    channel: Channel
    duration_min: float = Field(gt=0, le=24 * 60)
    per_year: float | None = Field(default=None, gt=0, le=365)
    once: bool = False
    after: tuple[str, ...] = ()
    min_lag_days: int = Field(default=0, ge=0)
    max_lag_days: int | None = Field(default=None, ge=0)
    role: str = "generalist"

    @field_validator("role")
    @classmethod
    def _known_role(cls, v: str) -> str:
        return _one_of("role", v, ROLES)

    @model_validator(mode="after")
    def _frequency_and_lags(self) -> Operation:
        if self.once == (self.per_year is not None):
            raise ValueError("give exactly one of 'per_year' or 'once: true'")
        if self.max_lag_days is not None and self.max_lag_days < self.min_lag_days:
            raise ValueError(
                f"min_lag_days ({self.min_lag_days}) is greater than max_lag_days "
                f"({self.max_lag_days})"
            )
        return self

    @property
    def occurrences_per_year(self) -> float:
        """A ``once`` operation happens once per sales cycle, counted as once a year."""
        return 1.0 if self.once else float(self.per_year or 0.0)

    @property
    def is_visit(self) -> bool:
        """True for an on-site visit (the channel that costs travel)."""
        return self.channel is Channel.VISIT


class Playbook(BaseModel):
    """The operations for accounts of one stage (and optionally one segment).

    Parameters
    ----------
    stage
        Funnel stage (one of :data:`STAGES`).
    segment
        Segment it is specific to, or ``None`` for the stage's default playbook.
    operations
        At least one operation; ids are unique and ``after`` chains have no cycle.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    stage: str
    segment: str | None = None
    operations: tuple[Operation, ...] = Field(min_length=1)

    @field_validator("stage")
    @classmethod
    def _known_stage(cls, v: str) -> str:
        return _one_of("stage", v, STAGES)

    @model_validator(mode="after")
    def _precedence_is_a_dag(self) -> Playbook:
        ids = [op.id for op in self.operations]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate operation id(s): {', '.join(sorted(dup))}")
        known = set(ids)
        for op in self.operations:
            for pred in op.after:
                if pred not in known:
                    raise ValueError(f"operation {op.id!r}: 'after' names unknown id {pred!r}")
        cycle = _find_cycle({op.id: op.after for op in self.operations})
        if cycle:
            raise ValueError("cyclic 'after' chain: " + " -> ".join(cycle))
        return self


class Nomenclature(BaseModel):
    """The whole ``nomenclature.yaml``.

    Parameters
    ----------
    weeks_per_year
        Working weeks ``W`` that yearly frequencies are spread over.
    segments
        Company size classes that accounts, sellers and playbooks may name.
    conversion
        Funnel conversion rate of each stage, in [0, 1].
    deal_value
        Margin of a won deal by segment (non-negative).
    churn_rate
        Share of customers lost each year.
    playbooks
        At least one playbook.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    weeks_per_year: float = Field(default=46.0, gt=0, le=53)
    segments: tuple[str, ...] = DEFAULT_SEGMENTS
    conversion: dict[str, float] = Field(
        default_factory=lambda: {"lead": 0.3, "prospect": 0.4, "opportunity": 0.35}
    )
    deal_value: dict[str, float] = Field(default_factory=dict)
    churn_rate: float = Field(default=0.15, ge=0, le=1)
    playbooks: tuple[Playbook, ...] = Field(min_length=1)

    @field_validator("conversion")
    @classmethod
    def _rates(cls, v: dict[str, float]) -> dict[str, float]:
        for stage, rate in v.items():
            if stage not in STAGES:
                raise ValueError(f"unknown stage {stage!r} in conversion")
            if not 0 <= rate <= 1:
                raise ValueError(f"conversion rate of {stage!r} must be in [0, 1], got {rate}")
        return v

    @model_validator(mode="after")
    def _segments_known(self) -> Nomenclature:
        segs = set(self.segments)
        for seg in self.deal_value:
            if seg not in segs:
                raise ValueError(f"deal_value names unknown segment {seg!r}")
        for pb in self.playbooks:
            if pb.segment is not None and pb.segment not in segs:
                raise ValueError(f"playbook for stage {pb.stage!r} names unknown segment {pb.segment!r}")
        for value in self.deal_value.values():
            if value < 0:
                raise ValueError("deal_value must be non-negative")
        return self

    def playbook(self, stage: str, segment: str) -> Playbook | None:
        """The playbook of a (stage, segment): the segment-specific one, else the stage's default.

        Parameters
        ----------
        stage, segment
            The account's funnel stage and segment.

        Returns
        -------
        Playbook or None
            ``None`` when the stage has neither.
        """
        fallback = None
        for pb in self.playbooks:
            if pb.stage != stage:
                continue
            if pb.segment == segment:
                return pb
            if pb.segment is None:
                fallback = pb
        return fallback

    def stage_roles(self, stage: str) -> tuple[str, ...]:
        """Roles that perform at least one operation at ``stage`` (any segment).

        Parameters
        ----------
        stage
            A funnel stage.

        Returns
        -------
        tuple of str
            The roles, in order of first appearance in the playbooks.
        """
        roles: list[str] = []
        for pb in self.playbooks:
            if pb.stage == stage:
                for op in pb.operations:
                    if op.role not in roles:
                        roles.append(op.role)
        return tuple(roles)


def _find_cycle(graph: dict[str, Iterable[str]]) -> list[str] | None:
    """Return one cycle of ``graph`` (node -> predecessors) as a list of ids, or ``None``."""
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(graph, white)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        color[node] = grey
        stack.append(node)
        for nxt in graph.get(node, ()):
            if color.get(nxt) == grey:
                return stack[stack.index(nxt) :] + [nxt]
            if color.get(nxt) == white:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        color[node] = black
        return None

    for n in graph:
        if color[n] == white:
            found = visit(n)
            if found:
                return found
    return None


def default_nomenclature_dict() -> dict[str, Any]:
    """A plausible default bill of actions for a French or US B2B SME sales force.

    Durations and frequencies follow common field-sales practice: leads get a qualification
    call and a phone appointment, prospects one or two visits, opportunities a proposal and a
    closing meeting, customers periodic account reviews whose frequency grows with size.

    Returns
    -------
    dict
        The content of a ``nomenclature.yaml`` (validate it with :class:`Nomenclature`).
    """

    def op(id_: str, name: str, channel: str, minutes: float, role: str, **kw: Any) -> dict[str, Any]:
        d: dict[str, Any] = {"id": id_, "name": name, "channel": channel, "duration_min": minutes, "role": role}
        d.update(kw)
        if "per_year" not in d:
            d["once"] = True
        return d

    lead_ops = [
        op("call", "Qualification call", "phone", 15, "SDR"),
        op("appt", "Phone appointment", "phone", 30, "SDR", after=["call"], min_lag_days=1, max_lag_days=10),
        op("nurture", "Nurturing e-mail", "email", 5, "MRR", per_year=4),
    ]
    prospect_ops = [
        op("visit1", "First visit", "visit", 60, "AE", min_lag_days=0, max_lag_days=None),
        op("visit2", "Second visit", "visit", 60, "AE", after=["visit1"], min_lag_days=5, max_lag_days=30),
        op("followup", "Follow-up call", "phone", 20, "AE", per_year=3),
    ]
    opp_ops = [
        op("demo", "Demo (video)", "video", 45, "AE"),
        op("proposal", "Proposal writing", "email", 90, "AE", after=["demo"], min_lag_days=1, max_lag_days=15),
        op("closing", "Closing visit", "visit", 60, "AE", after=["proposal"], min_lag_days=3, max_lag_days=20),
    ]
    opp_large = [
        op("discovery", "Discovery visit", "visit", 90, "AE"),
        op("demo", "Demo on site", "visit", 120, "AE", after=["discovery"], min_lag_days=5, max_lag_days=30),
        op("proposal", "Tailored proposal", "email", 240, "AE", after=["demo"], min_lag_days=2, max_lag_days=20),
        op("closing", "Closing meeting", "visit", 90, "AE", after=["proposal"], min_lag_days=3, max_lag_days=25),
    ]
    cust = {
        "micro": [op("check", "Check-in call", "phone", 15, "CSM", per_year=2),
                  op("review", "Account review", "visit", 45, "CSM", per_year=1)],
        "small": [op("check", "Check-in call", "phone", 20, "CSM", per_year=4),
                  op("review", "Account review", "visit", 60, "CSM", per_year=2)],
        "mid": [op("check", "Check-in call", "phone", 30, "CSM", per_year=6),
                op("review", "Business review", "visit", 90, "CSM", per_year=4)],
        "large": [op("check", "Steering call", "video", 45, "CSM", per_year=12),
                  op("review", "Quarterly business review", "visit", 120, "CSM", per_year=6)],
    }
    playbooks: list[dict[str, Any]] = [
        {"stage": "lead", "operations": lead_ops},
        {"stage": "prospect", "operations": prospect_ops},
        {"stage": "opportunity", "operations": opp_ops},
        {"stage": "opportunity", "segment": "large", "operations": opp_large},
    ]
    playbooks += [{"stage": "customer", "segment": s, "operations": ops} for s, ops in cust.items()]
    return {
        "weeks_per_year": 46,
        "segments": list(DEFAULT_SEGMENTS),
        "conversion": {"lead": 0.3, "prospect": 0.4, "opportunity": 0.35},
        "deal_value": {"micro": 2500.0, "small": 9000.0, "mid": 35000.0, "large": 140000.0},
        "churn_rate": 0.15,
        "playbooks": playbooks,
    }
