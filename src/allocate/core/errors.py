"""Errors that the CLI turns into exit codes.

``InputError`` (exit 2) names the file, the row and the column of a defect; ``InfeasibleError``
(exit 3) says which group of sellers is short and by how many hours; ``NoSolutionError``
(exit 4) says that no alignment meeting every hard rule was found, without a proof that none
exists, and names the rules that the best alignment found breaks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


def unknown_choice(kind: str, value: object, allowed: Iterable[str]) -> str:
    """The message for a value that is not one of the choices.

    Parameters
    ----------
    kind
        What the value is (``role``, ``model``, ``stage`` ...).
    value
        The value given (shown with ``repr``).
    allowed
        The choices, in the order shown.

    Returns
    -------
    str
        ``unknown <kind> <value!r>; expected one of <a, b, c>``.
    """
    return f"unknown {kind} {value!r}; expected one of {', '.join(allowed)}"


@dataclass(frozen=True)
class Problem:
    """One defect in an input file.

    ``str(problem)`` is one line: ``file, row R, column 'C': message``.

    Parameters
    ----------
    file
        The file at fault.
    message
        What is wrong, and where possible how to fix it.
    row
        The 1-based line number as a spreadsheet shows it (the header is row 1), or ``None``
        when the defect concerns the whole file or column.
    column
        The column (or YAML field path) at fault, or ``None``.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return one_line(f"{where}: {self.message}")


#: Longest message printed for one problem; longer text (a parser's dump) is cut.
MAX_MESSAGE_CHARS = 500


def one_line(text: str) -> str:
    """``text`` on one line (newlines and tabs become spaces), cut to :data:`MAX_MESSAGE_CHARS`.

    Parameters
    ----------
    text
        Any message, such as a parser's dump.

    Returns
    -------
    str
        The flattened text, ending in ``...`` when it was cut.
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_MESSAGE_CHARS else flat[: MAX_MESSAGE_CHARS - 3] + "..."


class AllocateError(Exception):
    """Base class of the errors that ``allocate`` raises on purpose.

    Parameters
    ----------
    *args
        As for :class:`Exception`.
    """


@dataclass
class InputError(AllocateError):
    """Bad input: one or more :class:`Problem` found while reading an instance (CLI exit 2).

    Parameters
    ----------
    problems
        Every problem found; ``str(error)`` prints one per line.
    """

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    @classmethod
    def single(
        cls, file: str, message: str, row: int | None = None, column: str | None = None
    ) -> InputError:
        """The error of one :class:`Problem`.

        Parameters
        ----------
        file, message, row, column
            As for :class:`Problem`.

        Returns
        -------
        InputError
            An error holding that one problem.
        """
        return cls([Problem(file, message, row, column)])


@dataclass(frozen=True)
class Shortfall:
    """A group of items whose eligible sellers lack capacity.

    Parameters
    ----------
    group
        Label of the group (a segment, a product line, a role...); when both hours are zero
        the label alone explains what is missing.
    demand_h
        Weekly workload of the group's items.
    capacity_h
        Weekly capacity of the sellers eligible for them.
    """

    group: str
    demand_h: float
    capacity_h: float

    @property
    def short_h(self) -> float:
        """Hours per week missing: ``demand_h - capacity_h``."""
        return self.demand_h - self.capacity_h

    def __str__(self) -> str:
        if self.demand_h == 0 and self.capacity_h == 0:
            return self.group  # no hours known: the label says what is missing
        return (
            f"{self.group}: needs {self.demand_h:,.1f} h/week but its eligible sellers "
            f"have {self.capacity_h:,.1f} h/week (short by {self.short_h:,.1f} h/week)"
        )


@dataclass
class InfeasibleError(AllocateError):
    """The model is proven infeasible (CLI exit 3).

    Parameters
    ----------
    reason
        One line saying which constraint family made it infeasible.
    shortfalls
        The groups of sellers that are short, and by how many hours, when known.
    """

    reason: str
    shortfalls: list[Shortfall] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [self.reason] + [f"  - {s}" for s in self.shortfalls]
        return "\n".join(lines)


@dataclass
class NoSolutionError(AllocateError):
    """No valid solution was found, and nothing was proven (CLI exit 4).

    Raised instead of writing an alignment that breaks a hard rule: the independent checker
    (:mod:`allocate.align.check`) found breaches in the best alignment the solve could find
    in its time, or the solve found no alignment at all.

    Parameters
    ----------
    reason
        One line saying what was not found.
    breaches
        The hard rules the best alignment found breaks, one line each (at most a few dozen).
    """

    reason: str
    breaches: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [self.reason] + [f"  - {b}" for b in self.breaches]
        return "\n".join(lines)
