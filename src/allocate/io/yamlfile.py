"""Safe YAML reading with line numbers for error messages.

Only ``yaml.safe_load`` semantics are used: a ``!!python/object`` tag is refused, never run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import yaml
from pydantic import BaseModel, ValidationError

from allocate.core.errors import InputError, Problem
from allocate.io.limits import read_bounded

MAX_YAML_BYTES = 10_000_000
#: Most nodes a document may hold once its aliases are expanded ("billion laughs" guard).
MAX_YAML_NODES = 1_000_000
#: Deepest bracket nesting accepted (a bill of actions needs fewer than ten levels).
MAX_YAML_DEPTH = 1_000
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSE = np.frombuffer(b"]}", dtype=np.uint8)
M = TypeVar("M", bound=BaseModel)

# libyaml when available (10x faster); both loaders construct plain YAML types only
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse ``path`` safely, keeping the composed node tree for line numbers.

    Parameters
    ----------
    path
        A YAML file of at most :data:`MAX_YAML_BYTES` bytes.

    Returns
    -------
    data : object
        Plain YAML data (``None`` for an empty document).
    node : yaml.Node or None
        The composed document (``None`` for an empty document).

    Raises
    ------
    InputError
        On a file larger than :data:`MAX_YAML_BYTES` (refused before it is read), a binary, UTF-16 or non-UTF-8 file,
        brackets nested deeper than :data:`MAX_YAML_DEPTH`, invalid YAML, a Python or
        unknown tag (refused, never run), a key given twice in one mapping, an alias used
        inside the node it names (a recursive alias), or aliases that expand to more than
        :data:`MAX_YAML_NODES` nodes.
    """
    file = str(path)
    raw = read_bounded(path, MAX_YAML_BYTES, "YAML file")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError.single(file, "the file is UTF-16; save it as UTF-8", row=1)
    if b"\x00" in raw:
        raise InputError.single(file, "this looks like a binary file, not YAML text", row=1)
    depth = _flow_depth(raw)
    if depth > MAX_YAML_DEPTH:
        raise InputError.single(
            file, f"brackets are nested {depth:,} deep (at most {MAX_YAML_DEPTH:,})"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise InputError.single(file, "not valid UTF-8 text", row=row) from None
    try:
        node = yaml.compose(text, Loader=_Loader)
        if node is None:
            return None, None
        _check_nodes(node, file)
        loader = _Loader("")
        try:
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or "invalid YAML"
        if "could not determine a constructor" in str(exc):
            what = "unsafe or unknown YAML tag (only plain YAML is allowed)"
        raise InputError.single(file, f"invalid YAML: {what}", row=line) from None
    except yaml.YAMLError as exc:
        raise InputError.single(file, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise InputError.single(file, "invalid YAML: nesting is too deep") from None
    return data, node


def _flow_depth(raw: bytes) -> int:
    """Deepest ``[``/``{`` nesting, counting brackets inside quotes too (an upper bound).

    libyaml's parser recurses once per level and crashes the process (no Python exception) at
    a few tens of thousands of levels, so the depth is checked before parsing.
    """
    b = np.frombuffer(raw, dtype=np.uint8)
    step = np.isin(b, _OPEN).astype(np.int64) - np.isin(b, _CLOSE).astype(np.int64)
    if not step.any():
        return 0
    level = np.cumsum(step)
    return int(np.max(level - np.minimum.accumulate(np.minimum(level, 0))))


def _check_nodes(root: yaml.Node, file: str) -> None:
    """Refuse duplicate keys (YAML would silently keep the last), recursive aliases and alias bombs.

    A depth-first walk without recursion: a node met again while it is still open is an alias
    inside the node it names (``a: &a [*a]``), which would expand forever.
    """
    size: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key_id = id(node)
        if not done:
            if key_id in size:
                continue
            if key_id in open_:
                raise InputError.single(
                    file,
                    "an alias refers to the node that contains it (a recursive alias); "
                    "write the data out",
                    row=node.start_mark.line + 1,
                )
            open_.add(key_id)
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node) if id(c) not in size)
            continue
        open_.discard(key_id)
        # an alias is the same node object used twice, so counting by object counts expansions
        size[key_id] = total = 1 + sum(size[id(c)] for c in _children(node))
        if total > MAX_YAML_NODES:
            raise InputError.single(
                file,
                f"aliases expand to more than {MAX_YAML_NODES:,} values; write the data out",
                row=node.start_mark.line + 1,
            )
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, _ in node.value:
                key = str(k.value) if isinstance(k, yaml.ScalarNode) else repr(k.value)
                if key in seen:
                    raise InputError.single(
                        file,
                        f"key {key!r} is given twice (first on row {seen[key]})",
                        row=k.start_mark.line + 1,
                        column=key,
                    )
                seen[key] = k.start_mark.line + 1


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [c for kv in node.value for c in kv]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest node along ``loc`` (a pydantic error location).

    Parameters
    ----------
    node
        The document from :func:`load_yaml`, or ``None``.
    loc
        Mapping keys and sequence indices from the root.

    Returns
    -------
    int or None
        The line of the deepest key or item found (``None`` without a node).
    """
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
    """Validate ``data`` against a pydantic ``model``, naming line and field of each error.

    Parameters
    ----------
    model
        The pydantic model class.
    data, node
        What :func:`load_yaml` returned.
    path
        The file, named in the problems.

    Returns
    -------
    BaseModel
        The validated ``model`` instance.

    Raises
    ------
    InputError
        When ``data`` is ``None`` (empty file) or fails validation (one problem per error,
        with its line and dotted field path).
    """
    if data is None:
        raise InputError.single(str(path), "the file is empty")
    try:
        return model.model_validate(data)
    except RecursionError:
        raise InputError.single(str(path), "the structure is nested too deeply") from None
    except ValidationError as err:
        problems = []
        errors = err.errors()
        failed = [tuple(e["loc"]) for e in errors]
        for e in errors:
            loc = tuple(e["loc"])
            if e["type"] == "too_short" and any(f[: len(loc)] == loc and len(f) > len(loc) for f in failed):
                continue  # a list emptied by its own invalid items: the items' problems say it

            field = ".".join(str(x) for x in loc) or None
            msg = e["msg"].removeprefix("Value error, ")
            problems.append(Problem(str(path), msg, row=line_of(node, loc), column=field))
        raise InputError(problems) from None
