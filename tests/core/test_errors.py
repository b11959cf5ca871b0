"""Errors render on one line per problem, naming file, row and column."""

from __future__ import annotations

import pytest

from allocate.core.errors import (
    MAX_MESSAGE_CHARS,
    AllocateError,
    InfeasibleError,
    InputError,
    Problem,
    Shortfall,
    one_line,
)


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        # whole file
        (Problem("accounts.csv", "the file is empty"), "accounts.csv: the file is empty"),
        # a row, no column
        (Problem("accounts.csv", "bad row", row=3), "accounts.csv, row 3: bad row"),
        # a column, no row
        (Problem("a.csv", "missing", column="lat"), "a.csv, column 'lat': missing"),
        # both
        (Problem("a.csv", "not a number", 7, "lat"), "a.csv, row 7, column 'lat': not a number"),
    ],
)
def test_problem_names_file_row_column(problem, text):
    assert str(problem) == text


def test_problem_message_is_flattened_to_one_line():
    assert str(Problem("n.yaml", "bad\n  value\there", row=2)) == "n.yaml, row 2: bad value here"


def test_one_line_cuts_long_text():
    assert one_line("a\nb") == "a b"
    cut = one_line("x" * (MAX_MESSAGE_CHARS + 10))
    assert len(cut) == MAX_MESSAGE_CHARS and cut.endswith("...")
    exact = "y" * MAX_MESSAGE_CHARS
    assert one_line(exact) == exact


def test_input_error_lists_every_problem_one_per_line():
    err = InputError([Problem("a.csv", "x"), Problem("b.csv", "y", row=2, column="lat")])
    assert str(err) == "a.csv: x\nb.csv, row 2, column 'lat': y"
    assert isinstance(err, AllocateError) and isinstance(err, Exception)
    assert err.args == (str(err),)


def test_input_error_single():
    err = InputError.single("s.csv", "unknown seller", 4, "seller_id")
    assert err.problems == [Problem("s.csv", "unknown seller", 4, "seller_id")]
    with pytest.raises(InputError, match=r"s.csv, row 4, column 'seller_id': unknown seller"):
        raise err


def test_shortfall_says_how_many_hours_are_missing():
    s = Shortfall("AE sellers", demand_h=1250.0, capacity_h=1000.0)
    assert s.short_h == pytest.approx(250.0)
    assert str(s) == (
        "AE sellers: needs 1,250.0 h/week but its eligible sellers have 1,000.0 h/week "
        "(short by 250.0 h/week)"
    )


def test_shortfall_without_hours_is_its_label():
    assert str(Shortfall("no seller serves segment 'large'", 0, 0)) == "no seller serves segment 'large'"


def test_infeasible_error_lists_shortfalls_under_the_reason():
    err = InfeasibleError("capacity is short", [Shortfall("CSM", 10, 4), Shortfall("none", 0, 0)])
    lines = str(err).split("\n")
    assert lines[0] == "capacity is short"
    assert lines[1].startswith("  - CSM: needs 10.0 h/week") and lines[2] == "  - none"
    assert isinstance(err, AllocateError)
    assert str(InfeasibleError("proven infeasible")) == "proven infeasible"


def test_unknown_choice_names_the_kind_the_value_and_the_choices():
    from allocate.core.errors import unknown_choice

    assert unknown_choice("role", "boss", ("AE", "CSM")) == "unknown role 'boss'; expected one of AE, CSM"
    assert unknown_choice("model", "x", []) == "unknown model 'x'; expected one of "
