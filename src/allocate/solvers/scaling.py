"""The one place where hours, euros and costs become CP-SAT integers.

CP-SAT only takes integers. Loads (hours per week) are multiplied by ``LOAD_SCALE`` and
rounded *up*, capacities rounded *down*, so an integer-feasible plan is feasible in real hours.
Objective terms are multiplied by ``OBJ_SCALE`` and rounded to the nearest integer, so the
objective reported by CP-SAT differs from the float recomputation by at most
``0.5 / OBJ_SCALE`` per term. When all data are already integers (public GAP instances), both
scales are 1 and the objective is exact.

Potential is scaled *per data* (:func:`potential_scale`). With a soft potential band it is
counted in units of 100 € (``POTENTIAL_SCALE``), which keeps the penalty per unit an integer;
with a **hard** band the scale is the finest power of ten that represents every potential
exactly (cents: 100 per €) or, failing that, that keeps the group totals below
:data:`MAX_POTENTIAL_UNITS`, so the rounding error is far below any band's tolerance. What
rounding is left is absorbed by the hard bands of the CP-SAT model (see
:mod:`allocate.solvers.cpsat.model`), and the bands are checked again on the unscaled values
after every solve (:mod:`allocate.align.check`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

LOAD_SCALE = 1000  # 1 unit = 0.001 h = 3.6 s
OBJ_SCALE = 1000  # 1 unit = 0.001 objective unit
POTENTIAL_SCALE = 0.01  # 1 unit = 100 € (soft potential balance only)
#: Largest scaled total potential under a hard band (keeps ``k × total`` products in int64).
MAX_POTENTIAL_UNITS = 1e12
#: The finest potential scale tried (1 unit = 1 µ€).
MAX_POTENTIAL_SCALE = 1e6
MAX_INT = 2**50


@dataclass(frozen=True)
class Scales:
    """Multipliers that turn real data into CP-SAT integers.

    Attributes
    ----------
    load
        Units per hour of load and capacity.
    obj
        Units per objective unit.
    potential
        Units per euro of potential (potential balance only).
    potential_exact
        True when every potential is an integer number of units (no rounding).
    """
    load: float
    obj: float
    potential: float
    potential_exact: bool = False

    @staticmethod
    def for_data(loads: NDArray, capacity: NDArray, costs: NDArray, weights: NDArray | None = None) -> Scales:
        """Scales 1 when every load, capacity, cost and objective weight is an integer.

        Parameters
        ----------
        loads, capacity, costs
            The problem's data.
        weights
            The objective weights, if any.

        Returns
        -------
        Scales
            Exact scales for integer data, else :data:`LOAD_SCALE` and :data:`OBJ_SCALE`; a warning
            is logged when a scaled capacity exceeds :data:`MAX_INT`.
        """
        arrays = [loads, capacity, costs] + ([np.asarray(weights, dtype=float)] if weights is not None else [])
        integral = all(_is_integral(a) for a in arrays)
        s = Scales(1.0, 1.0, POTENTIAL_SCALE) if integral else Scales(LOAD_SCALE, OBJ_SCALE, POTENTIAL_SCALE)
        top = float(np.abs(capacity).max(initial=0)) * s.load
        if top > MAX_INT:
            log.warning("capacities overflow the integer scale (%g > %g)", top, MAX_INT)
        return s

    def loads(self, x: NDArray) -> NDArray[np.int64]:
        """Loads as integers, rounded up (an integer-feasible plan fits in real hours).

        Parameters
        ----------
        x
            Loads in hours.

        Returns
        -------
        ndarray of int
            ``ceil(x * load)``.
        """
        return np.ceil(np.asarray(x) * self.load - 1e-9).astype(np.int64)

    def capacities(self, x: NDArray) -> NDArray[np.int64]:
        """Capacities as integers, rounded down.

        Parameters
        ----------
        x
            Capacities in hours.

        Returns
        -------
        ndarray of int
            ``floor(x * load)``.
        """
        return np.floor(np.asarray(x) * self.load + 1e-9).astype(np.int64)

    def objective(self, x: NDArray) -> NDArray[np.int64]:
        """Objective terms as integers, rounded to the nearest.

        Parameters
        ----------
        x
            Objective terms in objective units.

        Returns
        -------
        ndarray of int
            ``rint(x * obj)``.
        """
        return np.rint(np.asarray(x) * self.obj).astype(np.int64)


def snap(problem, scales: Scales):  # -> AssignmentProblem
    """The problem with data rounded exactly as CP-SAT sees it.

    Heuristics and the float evaluation then agree with CP-SAT to the last unit: a hint that
    the repair calls feasible is feasible for CP-SAT too (otherwise CP-SAT spends its time
    repairing a hint that a 0.001 h rounding made infeasible).

    Parameters
    ----------
    problem
        An :class:`~allocate.solvers.problem.AssignmentProblem`.
    scales
        The scales CP-SAT uses for it (:func:`scales_for`).

    Returns
    -------
    AssignmentProblem
        A copy with loads, capacities, costs and potentials rounded back to real units.
    """
    from dataclasses import replace

    return replace(
        problem,
        load=scales.loads(problem.load) / scales.load,
        capacity=scales.capacities(problem.capacity) / scales.load,
        cost=np.rint(problem.cost * problem.cost_weight * scales.obj) / (scales.obj * problem.cost_weight)
        if problem.cost_weight > 0
        else problem.cost,
        potential=np.rint(problem.potential * scales.potential) / scales.potential,
    )


def _is_integral(a: NDArray) -> bool:
    a = np.asarray(a, dtype=float)
    a = a[np.isfinite(a)]
    return bool(np.all(a == np.rint(a)))


def _near_integral(a: NDArray, tol: float = 1e-6) -> bool:
    """Integers up to decimal noise (15104.16 € is 1510416.0000000002 cents in binary)."""
    a = np.asarray(a, dtype=float)
    a = a[np.isfinite(a)]
    return bool(np.all(np.abs(a - np.rint(a)) <= tol))


def scales_for(problem) -> Scales:  # problem: AssignmentProblem
    """The scales of an assignment problem (its data and its objective weights).

    Parameters
    ----------
    problem
        An :class:`~allocate.solvers.problem.AssignmentProblem`.

    Returns
    -------
    Scales
        See :meth:`Scales.for_data`.
    """
    from dataclasses import replace

    weights = [problem.cost_weight, problem.move_weight] + [b.weight for b in problem.balances if not b.hard]
    s = Scales.for_data(problem.load, problem.capacity, problem.cost_weight * problem.cost, np.array(weights))
    hard = any(b.hard and b.measure == "potential" for b in problem.balances)
    scale = potential_scale(problem.potential) if hard else s.potential
    exact = _near_integral(np.asarray(problem.potential, dtype=float) * scale)
    return replace(s, potential=scale, potential_exact=exact)


def potential_scale(potential: NDArray) -> float:
    """The scale of potential under a hard band: exact when it can be, else as fine as fits.

    Parameters
    ----------
    potential
        Potential of each item (€).

    Returns
    -------
    float
        The smallest power of ten from 0.01 to :data:`MAX_POTENTIAL_SCALE` that makes every
        potential an integer number of units, as long as the total stays within
        :data:`MAX_POTENTIAL_UNITS`; otherwise the largest power of ten that keeps the total
        within it (at least 1e-6 units per €).
    """
    pot = np.abs(np.asarray(potential, dtype=float))
    pot = pot[np.isfinite(pot)]
    total = float(pot.sum())
    fits = MAX_POTENTIAL_UNITS / max(total, 1.0)
    scale = POTENTIAL_SCALE
    while scale <= MAX_POTENTIAL_SCALE and scale <= fits:
        if _near_integral(pot * scale):
            return scale
        scale *= 10
    # no exact scale fits: the finest that does (rounding error <= 0.5 unit per item)
    best = 10.0 ** np.floor(np.log10(fits)) if fits > 0 else 1e-6
    best = float(min(max(best, 1e-6), MAX_POTENTIAL_SCALE))
    err = 0.5 * len(pot) / best
    log.info("potential scaled to %g units per €: rounding error at most %.3g € in all", best, err)
    return best
