"""How far an alignment breaks the hard rules, and which of several breaks them least.

When no alignment meeting every hard rule is found (status unknown), the solve still returns
one, with each broken rule named: the one that breaks them *least*, in this order of
severity, compared one after the other (a lower rank decides before a higher one is looked
at; the objective decides last):

1. **locks** (accounts off the seller they are locked to): a decision the user wrote down;
2. **capacity** (hours over the sellers' capacities, summed): work no seller can do;
3. **account limits** (accounts over the sellers' limits, summed);
4. **hard balance bands** (amount outside the bands as a share of the group's total, summed
   over groups and measures: hours, euros and counts on one scale);
5. **the move cap** (accounts moved beyond it): a policy on change, which the other rules
   may force past (an alignment 3 moves over the cap that overloads no one serves better
   than one within it, or far over it, that overloads sellers).

Each amount is counted with the tolerances of :func:`~allocate.solvers.problem.evaluate`,
so that an alignment breaks nothing here exactly when ``evaluate`` calls it feasible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from allocate.solvers.problem import (
    BAND_TOL,
    LOAD_TOL,
    AssignmentProblem,
    band_deviation,
    evaluate,
    measure_per_seller,
    seller_totals,
)


@dataclass(frozen=True, order=True)
class Breach:
    """The amounts by which an alignment breaks each hard rule, in order of severity.

    Instances compare field by field (``order=True``): the smaller breaks the rules less.

    Attributes
    ----------
    locks
        Items on another seller than the one they are locked to.
    load
        Load over capacity, summed over the sellers over it.
    accounts
        Accounts over the sellers' account limits, summed.
    bands
        Amount outside the hard balance bands, each as a share of its group's total, summed
        over groups and measures.
    moves
        Accounts moved beyond the move cap.
    """

    locks: int = 0
    load: float = 0.0
    accounts: int = 0
    bands: float = 0.0
    moves: int = 0

    @property
    def none(self) -> bool:
        """Whether every hard rule holds."""
        return self == Breach()

    def rules(self) -> tuple[str, ...]:
        """The rules broken, most severe first (empty when none is)."""
        names = ("locks", "capacity", "account limits", "hard balance bands", "move cap")
        amounts = (self.locks, self.load, self.accounts, self.bands, self.moves)
        return tuple(n for n, a in zip(names, amounts, strict=True) if a)


def breach(problem: AssignmentProblem, choice: NDArray[np.int64]) -> Breach:
    """How far ``choice`` breaks each hard rule of ``problem``.

    Parameters
    ----------
    problem
        The assignment problem (the real data, when the verdict is for the user).
    choice
        Candidate entry chosen for each item.

    Returns
    -------
    Breach
        Zero everywhere exactly when :func:`~allocate.solvers.problem.evaluate` finds
        ``choice`` feasible.
    """
    p = problem
    choice = np.asarray(choice, dtype=np.int64)
    s_of = p.seller[choice]
    locks = int(np.sum((p.fixed >= 0) & (s_of != p.fixed)))
    loads, counts = seller_totals(p, choice)
    load = float(np.maximum(loads - p.capacity, 0).sum())
    limited = p.max_items >= 0
    accounts = int(np.maximum(counts - p.max_items, 0)[limited].sum())
    bands = 0.0
    for b in (b for b in p.balances if b.hard):
        q = measure_per_seller(p, b.measure, s_of, choice)
        for g in p.balance_groups:
            dev = band_deviation(q[g], p.capacity[g], b.tolerance)
            if dev > BAND_TOL * max(1.0, float(q[g].sum())):
                bands += dev / max(1.0, float(q[g].sum()))
    moves = int(p.movable.sum() - p.stays[choice].sum())
    over_cap = max(0, moves - p.max_moves) if p.max_moves is not None else 0
    # evaluate() judges capacity on the load and account excess together
    if load + accounts <= LOAD_TOL:
        load, accounts = 0.0, 0
    return Breach(locks, load, accounts, bands, over_cap)


def least_breaching(
    problem: AssignmentProblem, choices: Iterable[NDArray[np.int64]]
) -> tuple[NDArray[np.int64], Breach]:
    """The first of ``choices`` that breaks the hard rules least, then has the lowest objective.

    Parameters
    ----------
    problem
        The assignment problem (the real data).
    choices
        Candidate alignments (at least one).

    Returns
    -------
    tuple
        The chosen alignment and its :class:`Breach`.

    Raises
    ------
    ValueError
        When ``choices`` is empty.
    """
    best: tuple[tuple[Breach, float], NDArray[np.int64]] | None = None
    for choice in choices:
        key = (breach(problem, choice), evaluate(problem, choice).objective)
        if best is None or key[0] < best[0][0] or (key[0] == best[0][0] and key[1] < best[0][1] - 1e-9):
            best = (key, choice)
    if best is None:
        raise ValueError("no alignment to choose from")
    return best[1], best[0][0]
