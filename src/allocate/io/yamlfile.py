"""Safe YAML reading with line numbers for error messages.

Only ``yaml.safe_load`` semantics are used: a ``!!python/object`` tag is refused, never run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import InputError, Problem

MAX_YAML_BYTES = 10_000_000
M = TypeVar("M", bound=BaseModel)


def load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse ``path`` safely; returns the data and the composed node tree (for line numbers)."""
    raw = path.read_bytes()
    if len(raw) > MAX_YAML_BYTES:
        raise InputError.single(str(path), "YAML file is larger than 10 MB")
    if b"\x00" in raw:
        raise InputError.single(str(path), "this looks like a binary file, not YAML text", row=1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise InputError.single(str(path), "not valid UTF-8 text", row=row) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        row = mark.line + 1 if mark is not None else None
        what = exc.problem or "invalid YAML"
        if "could not determine a constructor" in str(exc):
            what = "unsafe or unknown YAML tag (only plain YAML is allowed)"
        raise InputError.single(str(path), f"invalid YAML: {what}", row=row) from None
    except yaml.YAMLError as exc:
        raise InputError.single(str(path), f"invalid YAML: {exc}") from None
    return data, node


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest node along ``loc`` (a pydantic error location)."""
    best = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if k.value == str(key):
                    nxt = v
                    best = k.start_mark.line + 1
                    break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            best = node.start_mark.line + 1
        else:
            break
        if node is None:
            break
    return best


def validate_model(model: type[M], data: Any, node: yaml.Node | None, path: Path) -> M:
    """Validate ``data`` against a pydantic ``model``, naming line and field of each error."""
    if data is None:
        raise InputError.single(str(path), "the file is empty")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems = []
        for e in err.errors():
            loc = tuple(e["loc"])
            field = ".".join(str(x) for x in loc) or None
            msg = e["msg"].removeprefix("Value error, ")
            problems.append(Problem(str(path), msg, row=line_of(node, loc), column=field))
        raise InputError(problems) from None
