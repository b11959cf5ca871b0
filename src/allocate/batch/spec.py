"""The scenario grid of a batch, read from ``BATCH.yaml`` (``yaml.safe_load`` + pydantic).

Example::

    instances: [.]                 # instance folders, relative to this file
    models: [geography, size, generalist]
    scenario:                      # Scenario fields shared by every run
      time_limit_s: 8
      workers: 1                   # Dask runs scenarios in parallel; one CP-SAT worker each
    grid:                          # each key takes every listed value (cartesian product)
      balance.workload.tolerance: [0.10, 0.30]
      capacity_factor: [1.0, 0.9]
    whatifs:
      - {name: today}
      - {name: "+1 seller", extra_sellers: 1}
      - {name: "+20 % leads", lead_share: 0.2}

The batch runs ``instances × models × whatifs × grid``. A grid key is either a dotted
:class:`~allocate.core.scenario.Scenario` field (``weights.move``, ``balance.workload.tolerance``,
``time_limit_s`` ...) or a what-if field (``extra_sellers``, ``lead_share``,
``capacity_factor``), which then overrides the what-if's own value.

Every scenario is named by a hash of its parameters (instance as written in the file, model,
what-if, scenario fields), so the same grid always gives the same folder names and a resumed
batch recognises the runs that are already done.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from allocate.core.errors import InputError, Problem, unknown_choice
from allocate.core.nested import flatten
from allocate.core.scenario import PRESETS, Scenario
from allocate.io.yamlfile import load_yaml, validate_model

#: A batch larger than this is almost certainly a typo in the grid.
MAX_SCENARIOS = 10_000
#: Scenario defaults that differ in a batch: Dask already runs one scenario per core.
BATCH_SCENARIO_DEFAULTS: dict[str, Any] = {"workers": 1}


class WhatIf(BaseModel):
    """A change to the instance, applied in memory before the solve."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="today", min_length=1, max_length=80)
    extra_sellers: int = Field(default=0, ge=0, le=1000)
    lead_share: float = Field(default=0.0, ge=0, le=10)
    capacity_factor: float = Field(default=1.0, gt=0, le=10)
    lead_seed: int = Field(default=0, ge=0)  # which leads are copied


WHATIF_FIELDS = ("extra_sellers", "lead_share", "capacity_factor", "lead_seed")


class BatchSpec(BaseModel):
    """The whole ``BATCH.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    instances: tuple[str, ...] = Field(min_length=1)
    models: tuple[str, ...] = Field(min_length=1)
    scenario: dict[str, Any] = Field(default_factory=dict)
    grid: dict[str, tuple[Any, ...]] = Field(default_factory=dict)
    whatifs: tuple[WhatIf, ...] = (WhatIf(),)

    @field_validator("models")
    @classmethod
    def _known_models(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for m in v:
            if m not in PRESETS:
                raise ValueError(unknown_choice("model", m, PRESETS))
        if len(set(v)) != len(v):
            raise ValueError("a model is listed twice")
        return v

    @field_validator("grid")
    @classmethod
    def _grid_lists(cls, v: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
        for key, values in v.items():
            if not values:
                raise ValueError(f"grid key {key!r} has no values")
            if key == "model":
                raise ValueError("list models under 'models', not in the grid")
        return v

    @field_validator("whatifs")
    @classmethod
    def _unique_names(cls, v: tuple[WhatIf, ...]) -> tuple[WhatIf, ...]:
        names = [w.name for w in v]
        if len(set(names)) != len(names):
            raise ValueError("what-if names must be unique")
        if not v:
            raise ValueError("give at least one what-if (e.g. {name: today})")
        return v


@dataclass(frozen=True)
class ScenarioSpec:
    """One run of the batch: everything a worker needs, as plain picklable values."""

    scenario_id: str
    instance: str  # as written in BATCH.yaml (part of the id)
    instance_path: str  # resolved folder
    model: str
    whatif: dict[str, Any]
    scenario: dict[str, Any]  # dotted Scenario overrides (part of the id)

    @property
    def params(self) -> dict[str, Any]:
        """The parameters, flattened (``whatif.*`` and ``scenario.*`` keys)."""
        out: dict[str, Any] = {"instance": self.instance, "model": self.model}
        out.update({f"whatif.{k}": v for k, v in self.whatif.items()})
        out.update({f"scenario.{k}": v for k, v in sorted(self.scenario.items())})
        return out

    def build_scenario(self) -> Scenario:
        """The :class:`~allocate.core.scenario.Scenario` of this run: its overrides and its model.

        Returns
        -------
        Scenario
            Validated from the nested overrides.
        """
        return Scenario.model_validate(nest({**self.scenario, "model": self.model}))


@dataclass(frozen=True)
class BatchPlan:
    """The expanded grid of a batch file."""

    source: Path
    name: str
    scenarios: tuple[ScenarioSpec, ...]

    def __len__(self) -> int:
        return len(self.scenarios)


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`flatten`.

    Parameters
    ----------
    flat
        Dotted keys to values.

    Returns
    -------
    dict
        Nested mappings.
    """
    out: dict[str, Any] = {}
    for key, v in flat.items():
        node = out
        parts = key.split(".")
        for p in parts[:-1]:
            nxt = node.get(p)
            if not isinstance(nxt, dict):
                nxt = {}
                node[p] = nxt
            node = nxt
        node[parts[-1]] = v
    return out


def scenario_id(params: dict[str, Any]) -> str:
    """A short, stable hash of the parameters (16 hex digits of SHA-256).

    Parameters
    ----------
    params
        The scenario's parameters (JSON with sorted keys; other values as text).

    Returns
    -------
    str
        16 lowercase hex digits.
    """
    text = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_batch(path: str | Path) -> BatchPlan:
    """Read ``BATCH.yaml`` and expand its grid into :class:`ScenarioSpec` s.

    Parameters
    ----------
    path
        The batch file; instance folders in it are relative to its folder.

    Returns
    -------
    BatchPlan
        See :func:`expand`.

    Raises
    ------
    InputError
        With the file, line and field of each defect; also when an instance folder is missing
        or a combination of the grid is not a valid scenario.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError.single(str(path), "batch file not found")
    data, node = load_yaml(path)
    spec = validate_model(BatchSpec, data, node, path)
    return expand(spec, path)


def expand(spec: BatchSpec, source: Path) -> BatchPlan:
    """The cartesian product of a :class:`BatchSpec`, validated up front.

    Parameters
    ----------
    spec
        The validated batch file.
    source
        Its path: instance folders are resolved against its folder.

    Returns
    -------
    BatchPlan
        One :class:`ScenarioSpec` per distinct scenario id, in grid order.

    Raises
    ------
    InputError
        For a missing instance folder, a model under ``scenario``, more than
        :data:`MAX_SCENARIOS` scenarios, or a combination that is not a valid scenario.
    """
    base_dir = source.resolve().parent
    problems: list[Problem] = []
    folders: dict[str, str] = {}
    for inst in spec.instances:
        p = (base_dir / inst).resolve()
        if not p.is_dir():
            problems.append(
                Problem(
                    str(source),
                    f"instance folder {inst!r} not found (looked in {p})",
                    column="instances",
                )
            )
        folders[inst] = str(p)
    base = {**BATCH_SCENARIO_DEFAULTS, **flatten(spec.scenario)}
    if "model" in base:
        problems.append(
            Problem(
                str(source),
                "list models under 'models', not in 'scenario'",
                column="scenario.model",
            )
        )
    n = len(spec.instances) * len(spec.models) * len(spec.whatifs)
    for values in spec.grid.values():
        n *= len(values)
    if n > MAX_SCENARIOS:
        problems.append(
            Problem(
                str(source),
                f"the grid has {n:,} scenarios (more than {MAX_SCENARIOS:,})",
                column="grid",
            )
        )
    if problems:
        raise InputError(problems)

    keys = list(spec.grid)
    out: list[ScenarioSpec] = []
    seen: set[str] = set()
    for inst, model, whatif, combo in itertools.product(
        spec.instances, spec.models, spec.whatifs, itertools.product(*(spec.grid[k] for k in keys))
    ):
        wi = whatif.model_dump()
        sc = dict(base)
        for k, v in zip(keys, combo, strict=True):
            if k in WHATIF_FIELDS:
                wi[k] = v
            else:
                sc[k] = v
        try:
            wi = WhatIf.model_validate(wi).model_dump()
            Scenario.model_validate(nest({**sc, "model": model}))
        except ValidationError as err:
            first = err.errors()[0]
            loc = ".".join(str(x) for x in first["loc"])
            msg = first["msg"].removeprefix("Value error, ")
            raise InputError.single(
                str(source),
                f"scenario {model} / {whatif.name} / {dict(zip(keys, combo, strict=True))}: {loc}: {msg}",
            ) from None
        params = {"instance": inst, "model": model, "whatif": wi, "scenario": sc}
        sid = scenario_id(params)
        if sid in seen:
            continue
        seen.add(sid)
        out.append(ScenarioSpec(sid, inst, folders[inst], model, wi, sc))
    return BatchPlan(source=source, name=spec.name or source.parent.name, scenarios=tuple(out))
