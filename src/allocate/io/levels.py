"""A nested scenario of territory design: the levels of a hierarchy in a YAML file.

``allocate design DIR --levels levels.yaml`` reads::

    levels:                       # coarsest first
      - {name: region, territories: 4, tolerance: 0.03}
      - {name: district, territories: 20, tolerance: 0.05}
      - {name: territory, territories: 100}   # the finest: the --balance bands

``tolerance`` (a share, ``0 <= t < 1``, for every measure) may be given on every level above
the finest; a level without one takes the default ``--tolerance``. Errors name the file, the
line and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from allocate.core.errors import InputError
from allocate.io.yamlfile import load_yaml, validate_model


class _Level(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    territories: int = Field(ge=1)
    tolerance: float | None = Field(default=None, ge=0, lt=1)


class _Levels(BaseModel):
    model_config = ConfigDict(extra="forbid")
    levels: list[_Level] = Field(min_length=1)


@dataclass(frozen=True)
class LevelsFile:
    """The levels of a nested scenario, coarsest first.

    Attributes
    ----------
    names
        Name of each level.
    territories
        Territories per level.
    tolerance
        Tolerance of each level above the finest (None where the file gives none).
    """

    names: tuple[str, ...]
    territories: tuple[int, ...]
    tolerance: tuple[float | None, ...]


def read_levels(path: Path) -> LevelsFile:
    """Read a nested scenario (see the module docstring).

    Parameters
    ----------
    path
        The YAML file.

    Returns
    -------
    LevelsFile
        Names, counts and the tolerances above the finest level.

    Raises
    ------
    InputError
        A missing or malformed file, an unknown key, a bad value (with its line), or a
        tolerance on the finest level (its bands are ``--balance``).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError.single(str(path), "levels file not found")
    data, node = load_yaml(path)
    spec = validate_model(_Levels, data, node, path)
    if spec.levels[-1].tolerance is not None:
        raise InputError.single(
            str(path),
            "the finest level takes the --balance bands: give no tolerance there",
            column=f"levels.{len(spec.levels) - 1}.tolerance",
        )
    return LevelsFile(
        names=tuple(lv.name.strip() for lv in spec.levels),
        territories=tuple(lv.territories for lv in spec.levels),
        tolerance=tuple(lv.tolerance for lv in spec.levels[:-1]),
    )
