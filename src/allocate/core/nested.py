"""Nested mappings as flat ones: ``{"a": {"b": 1}}`` → ``{"a.b": 1}``."""

from __future__ import annotations

from typing import Any


def flatten(data: Any, prefix: str = "", *, keep_empty: bool = True) -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``; lists are kept as values.

    Parameters
    ----------
    data
        A nested mapping (a non-mapping is kept under ``prefix``).
    prefix
        Dotted key of ``data`` itself (empty at the top).
    keep_empty
        Whether an empty nested mapping is a leaf (kept as ``{}`` under its key) or dropped.

    Returns
    -------
    dict
        Dotted keys to leaf values.
    """
    if not isinstance(data, dict):
        return {prefix: data} if prefix else {}
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and (v or not keep_empty):
            out.update(flatten(v, key, keep_empty=keep_empty))
        else:
            out[key] = v
    return out
