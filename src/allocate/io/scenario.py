"""Read a scenario YAML file into a :class:`~allocate.core.scenario.Scenario`."""

from __future__ import annotations

from pathlib import Path

from allocate.core.errors import InputError
from allocate.core.scenario import Scenario
from allocate.io.yamlfile import load_yaml, validate_model


def read_scenario(path: str | Path | None, **overrides: object) -> Scenario:
    """Read a scenario YAML (``None`` = defaults), then apply non-``None`` ``overrides``.

    Parameters
    ----------
    path
        The scenario file, or ``None`` for the defaults (an empty file gives them too).
    **overrides
        Top-level :class:`~allocate.core.scenario.Scenario` fields (command-line options);
        ``None`` values are ignored.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    InputError
        When the file is missing or its content fails validation (line and field named).
    pydantic.ValidationError
        When the overrides make the scenario invalid (the CLI reports it as bad input).
    """
    data: dict[str, object] = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise InputError.single(str(p), "scenario file not found")
        raw, node = load_yaml(p)
        if raw is None:
            raw = {}
        base = validate_model(Scenario, raw, node, p)
        data = base.model_dump()
    data.update({k: v for k, v in overrides.items() if v is not None})
    return Scenario.model_validate(data)
