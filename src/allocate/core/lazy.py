"""Public names of a package imported on first use (PEP 562).

``import allocate`` and every command of the CLI would otherwise import OR-Tools, folium, dask
and geopandas (about 4 s of CPU) before doing anything; with lazy names, ``allocate --help``
imports none of them and ``allocate solve`` only what solving needs.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def lazy_attributes(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose public names load on first use.

    Parameters
    ----------
    package
        The package's ``__name__``.
    exports
        Public name -> ``"module"`` (the attribute of the same name) or ``"module:attribute"``.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)``, to assign at the package's top level.
    """

    def __getattr__(name: str) -> object:
        try:
            module, _, attribute = exports[name].partition(":")
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), attribute or name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__
