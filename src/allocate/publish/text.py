"""Text on published pages: HTML escaping and number formatting, shared by maps and reports."""

from __future__ import annotations

import html
import math
from typing import Any


def esc(value: object) -> str:
    """HTML-escape any user-supplied value (quotes included).

    Parameters
    ----------
    value
        Anything; it is converted with ``str`` first.

    Returns
    -------
    str
        Text safe in HTML content and in quoted attributes.
    """
    return html.escape(str(value), quote=True)


def fmt_num(value: Any, digits: int = 1) -> str:
    """A number with thousands separators.

    Parameters
    ----------
    value
        Anything ``float`` accepts.
    digits
        Decimals.

    Returns
    -------
    str
        The formatted number; ``n/a`` for missing or non-finite values.
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.{digits}f}"


def fmt_total(value: Any) -> str:
    """A total: whole numbers without decimals (counts), others with one.

    Parameters
    ----------
    value
        Anything ``float`` accepts.

    Returns
    -------
    str
        See :func:`fmt_num`.
    """
    x = to_float(value)
    return fmt_num(x, 0 if x == x and float(x).is_integer() else 1)


def to_float(value: Any) -> float:
    """``float(value)``, NaN when it is not a number (a text cell read back from a table).

    Parameters
    ----------
    value
        Anything.

    Returns
    -------
    float
        The number, or NaN.
    """
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def plural(noun: str) -> str:
    """The plural of a level's name: ``territory`` -> ``territories``, ``region`` -> ``regions``.

    Parameters
    ----------
    noun
        A singular English noun.

    Returns
    -------
    str
        Its plural (``-y`` -> ``-ies``, else ``-s``).
    """
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
