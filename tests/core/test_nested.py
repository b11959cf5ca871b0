"""Nested mappings flattened to dotted keys."""

from __future__ import annotations

from allocate.core.nested import flatten


def test_flatten_dots_the_keys_and_keeps_lists():
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": 2}) == {"a.b": 1, "a.c.d": [1, 2], "e": 2}
    assert flatten({1: {2: 3}}) == {"1.2": 3}


def test_an_empty_mapping_is_a_leaf_or_dropped():
    assert flatten({"a": {}, "b": 1}) == {"a": {}, "b": 1}
    assert flatten({"a": {}, "b": 1}, keep_empty=False) == {"b": 1}
    assert flatten({"a": {"x": {}}}, keep_empty=False) == {}


def test_a_non_mapping_is_kept_under_its_prefix():
    assert flatten(3, "k") == {"k": 3}
    assert flatten(3) == {}
    assert flatten({"b": 1}, "a") == {"a.b": 1}
