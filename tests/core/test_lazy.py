"""Public names that load on first use (allocate.core.lazy): every one resolves, none is missing."""

from __future__ import annotations

import importlib

import pytest

from allocate.core.lazy import lazy_attributes

PACKAGES = ("allocate", "allocate.io", "allocate.io.runfolder")


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_resolves(name: str) -> None:
    # the table names modules as strings, which tests/test_layers.py does not read: a typo
    # or a moved function shows here
    package = importlib.import_module(name)
    # __all__ stays a literal list (linters and type checkers read it): it must name the table's entries
    assert set(package.__all__) == set(package._EXPORTS)
    for public in package.__all__:
        assert getattr(package, public) is not None, public
    assert set(package.__all__) <= set(dir(package))


def test_an_unknown_name_is_an_attribute_error_and_a_submodule_still_imports() -> None:
    getattr_, _ = lazy_attributes("allocate.io", {})
    with pytest.raises(AttributeError, match="no_such_name"):
        getattr_("no_such_name")
    from allocate.io import instance  # a submodule, not a lazy name

    assert instance.__name__ == "allocate.io.instance"
