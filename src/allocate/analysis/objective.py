"""The objective of an alignment, term by term: what each term measures, its weight, its value.

The solver minimizes one number (:func:`allocate.solvers.problem.evaluate`); a reader of a run
needs to know what it is made of. :func:`objective_terms` splits it into travel, compactness
(geographic models), one balance penalty per soft-balanced measure and the move penalty, each
with its amount in its own unit, its weight and its share of the objective; the values add up
to the objective.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from allocate.organize.items import ModelProblem
from allocate.solvers.problem import band_deviation, measure_per_seller

#: What each balance measure counts, and the unit its weight is given per.
_MEASURES = {
    "load": ("workload", "h/week", "hours of weekly workload outside the ±{tol:.0%} band around each seller's share"),
    "potential": ("potential", "€", "euros of potential outside the ±{tol:.0%} band around each seller's share (weight per 1,000 €)"),
    "count": ("account count", "accounts", "accounts outside the ±{tol:.0%} band around each seller's share"),
}


@dataclass(frozen=True)
class ObjectiveTerm:
    """One term of the objective.

    Attributes
    ----------
    key
        ``travel``, ``compactness``, ``balance_<measure>`` or ``moves``.
    label
        A short name for tables.
    meaning
        What the term measures, in one sentence.
    amount
        The measured quantity, in ``unit``.
    unit
        Unit of ``amount``.
    weight
        Objective units per unit of ``amount`` (per 1,000 € for potential).
    value
        The term's contribution to the objective (``weight × amount``).
    """

    key: str
    label: str
    meaning: str
    amount: float
    unit: str
    weight: float
    value: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields.

        Returns
        -------
        dict
            The attributes by name.
        """
        return asdict(self)


def objective_terms(mp: ModelProblem, choice: NDArray[np.int64]) -> list[ObjectiveTerm]:
    """The terms of the objective of ``choice`` under the model ``mp``.

    Parameters
    ----------
    mp
        The organization model (its problem holds the weights; ``compactness_h`` splits its
        cost into travel and compactness).
    choice
        Candidate entry chosen for each item.

    Returns
    -------
    list of ObjectiveTerm
        Travel, compactness (when the model has it), the soft balance penalties and the move
        penalty; their values add up to the objective of
        :func:`~allocate.solvers.problem.evaluate`.
    """
    p = mp.problem
    choice = np.asarray(choice, dtype=np.int64)
    cost = float(p.cost[choice].sum())
    compact = float(mp.compactness_h[choice].sum()) if len(mp.compactness_h) else 0.0
    # cost = travel + w_compactness × compactness (see organize.items.build_problem)
    w_comp = mp.compactness_weight if len(mp.compactness_h) else 0.0
    travel = cost - w_comp * compact
    terms = [
        ObjectiveTerm(
            "travel", "travel", "weekly driving hours of every seller to the accounts they visit (round trips)",
            travel, "h/week", p.cost_weight, p.cost_weight * travel,
        )
    ]
    if len(mp.compactness_h):
        terms.append(
            ObjectiveTerm(
                "compactness", "compactness",
                "weekly hours from each seller's territory anchor to its accounts (keeps the territories of sellers "
                "sharing an office apart; every account counts, visited or not)",
                compact, "h/week", p.cost_weight * w_comp, p.cost_weight * w_comp * compact,
            )
        )
    s_of = p.seller[choice]
    for b in p.balances:
        if b.hard:
            continue
        q = measure_per_seller(p, b.measure, s_of, choice)
        dev = sum(band_deviation(q[g], p.capacity[g], b.tolerance) for g in p.balance_groups)
        label, unit, meaning = _MEASURES[b.measure]
        shown_weight = b.weight * 1000.0 if b.measure == "potential" else b.weight
        terms.append(
            ObjectiveTerm(
                f"balance_{b.measure}", f"{label} balance", meaning.format(tol=b.tolerance),
                float(dev), unit, shown_weight, b.weight * float(dev),
            )
        )
    moves = int(p.movable.sum() - p.stays[choice].sum())
    terms.append(
        ObjectiveTerm(
            "moves", "moves", "accounts taken away from their seller today", float(moves), "accounts",
            p.move_weight, p.move_weight * moves,
        )
    )
    return terms

