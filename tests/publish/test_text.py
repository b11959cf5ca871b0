"""Escaping and number formatting on published pages."""

from __future__ import annotations

import math

import pytest

from allocate.publish.text import esc, fmt_num


def test_esc_escapes_markup_and_quotes() -> None:
    assert esc("<a href='x'>&\"</a>") == "&lt;a href=&#x27;x&#x27;&gt;&amp;&quot;&lt;/a&gt;"
    assert esc(3) == "3"


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [(1234.567, 1, "1,234.6"), (0.5, 0, "0"), ("12", 2, "12.00"), (None, 1, "n/a"),
     ("x", 1, "n/a"), (math.nan, 1, "n/a"), (math.inf, 0, "n/a")],
)
def test_fmt_num(value: object, digits: int, text: str) -> None:
    assert fmt_num(value, digits) == text


def test_totals_plurals_and_numbers_read_back() -> None:
    from allocate.publish.text import fmt_total, plural, to_float

    assert fmt_total("181.0") == "181" and fmt_total(1234.56) == "1,234.6"
    assert fmt_total("x") == "n/a"
    assert plural("territory") == "territories" and plural("region") == "regions"
    assert to_float("2.5") == 2.5 and to_float(None) != to_float(None)  # NaN
