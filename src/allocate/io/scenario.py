"""Read a scenario YAML file into a :class:`~allocate.core.scenario.Scenario`."""

from __future__ import annotations

from pathlib import Path

import pydantic

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


def cap_moves(scenario: Scenario, cap: str | None, option: str = "--max-moves") -> Scenario:
    """``scenario`` with the move cap of a command-line option: ``N`` accounts or ``P%`` of them.

    Parameters
    ----------
    scenario
        The scenario read so far (its own cap, if any, is replaced).
    cap
        ``"300"`` (at most 300 accounts leave their seller today) or ``"20%"`` (at most a
        fifth of the accounts that have a seller today); ``None`` keeps the scenario's cap.
    option
        The option's name, for the error message.

    Returns
    -------
    Scenario
        The scenario with ``max_moves`` or ``max_moves_share`` set (the other one cleared).

    Raises
    ------
    InputError
        When ``cap`` is neither a whole number of accounts nor a percentage from 0 to 100.
    """
    if cap is None:
        return scenario
    text = cap.strip()
    try:
        if text.endswith("%"):
            share = float(text[:-1]) / 100.0
            if not 0.0 <= share <= 1.0:
                raise ValueError
            update: dict[str, object] = {"max_moves": None, "max_moves_share": share}
        else:
            n = int(text)
            if n < 0:
                raise ValueError
            update = {"max_moves": n, "max_moves_share": None}
        return Scenario.model_validate({**scenario.model_dump(), **update})
    except (ValueError, pydantic.ValidationError):
        raise InputError.single(
            option, f"{cap!r} is not a move cap: give a number of accounts (300) or a share (20%)"
        ) from None
