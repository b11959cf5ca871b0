"""The general assignment problem that every organization model reduces to.

Items (accounts, account × product line, account × role, or a whole multi-site group merged
into one *bundle*) are assigned to sellers. Candidates are sparse: item ``i`` may go to the
sellers ``seller[indptr[i]:indptr[i+1]]`` with the matching ``cost`` (objective units, e.g.
travel hours per week) and ``load`` (capacity units, e.g. workload hours per week).

Mathematical model (solved by :mod:`allocate.solvers.pipeline`)::

    min   w_c Σ_{i,s} c_is x_is  +  w_b Σ_{m,s} (u_ms + o_ms)  +  w_m Σ_i (n_i - Σ_s r_is x_is)
    s.t.  Σ_s x_is = 1                                   every item once
          Σ_i l_is x_is <= C_s                           capacity
          Σ_i n_i x_is <= N_s                            max accounts
          x_{i,fix(i)} = 1                               locks
          Σ_i (n_i - Σ_s r_is x_is) <= M                   move cap
          for each balance group G, measure m in {load, potential, count}, s in G:
            q_ms <= (1 + τ_m) κ_s Σ_{s' in G} q_ms' + o_ms     (κ_s = C_s / Σ_{G} C)
            q_ms >= (1 - τ_m) κ_s Σ_{s' in G} q_ms' - u_ms
          x binary, u, o >= 0 (u = o = 0 when the balance is hard)

where ``q_ms`` is seller *s*'s total of measure *m*, ``n_i`` the accounts of item *i* that
have a seller today (:attr:`AssignmentProblem.movable`) and ``r_is`` those of them whose
seller today is *s* (:attr:`AssignmentProblem.stays`): an item bundling the accounts of
a town moves exactly the accounts that leave their own seller, not the whole town. The mean of a group is a linear
expression of ``x``, so the balance band stays linear even though travel makes the total
workload depend on the assignment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from allocate.core.instance import read_only


@dataclass(frozen=True)
class Balance:
    """A balance band of ±``tolerance`` around the capacity-weighted mean of a measure."""

    measure: str  # "load" | "potential" | "count"
    tolerance: float
    hard: bool = False
    weight: float = 1.0  # objective units per unit of measure outside the band (soft only)


@dataclass(frozen=True)
class AssignmentProblem:
    """Sparse generalized assignment problem with side constraints (see module docstring)."""

    capacity: NDArray[np.float64]
    indptr: NDArray[np.int64]
    seller: NDArray[np.int64]
    cost: NDArray[np.float64]
    load: NDArray[np.float64]
    count: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    potential: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    max_items: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fixed: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    current: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: per candidate entry, the item's accounts whose seller today is the entry's seller
    #: (default: ``count`` on the entry of ``current``, else 0)
    stays: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: per item, its accounts that have a seller today (default: ``count`` when ``current``
    #: is set, else 0); ``movable - stays[choice]`` accounts move
    movable: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    balance_groups: tuple[NDArray[np.int64], ...] = ()
    balances: tuple[Balance, ...] = ()
    cost_weight: float = 1.0
    move_weight: float = 0.0
    max_moves: int | None = None
    labels: tuple[str, ...] = ()
    seller_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.indptr) - 1
        m = len(self.capacity)
        defaults = {
            "count": np.ones(n, dtype=np.int64),
            "potential": np.zeros(n),
            "max_items": np.full(m, -1, dtype=np.int64),
            "fixed": np.full(n, -1, dtype=np.int64),
            "current": np.full(n, -1, dtype=np.int64),
        }
        for name, default in defaults.items():
            if len(getattr(self, name)) == 0 and len(default) > 0:
                object.__setattr__(self, name, default)
        nnz_ = int(self.indptr[-1]) if n >= 0 else 0
        if len(self.movable) == 0 and n > 0:
            object.__setattr__(self, "movable", np.where(self.current >= 0, self.count, 0).astype(np.int64))
        if len(self.stays) == 0 and nnz_ > 0:
            item_of = np.repeat(np.arange(n), np.diff(self.indptr))
            cur = self.current[item_of]
            stay = (cur >= 0) & (self.seller == cur)
            object.__setattr__(self, "stays", np.where(stay, self.count[item_of], 0).astype(np.int64))
        for name in ("capacity", "indptr", "seller", "cost", "load", "count", "potential", "max_items", "fixed", "current", "stays", "movable"):
            object.__setattr__(self, name, read_only(getattr(self, name)))
        nnz = int(self.indptr[-1]) if n >= 0 else 0
        if not (len(self.seller) == len(self.cost) == len(self.load) == nnz):
            raise ValueError("seller, cost and load must have indptr[-1] entries")
        if len(self.count) != n or len(self.potential) != n or len(self.fixed) != n or len(self.current) != n:
            raise ValueError("per-item arrays must have one entry per item")
        if len(self.stays) != nnz or len(self.movable) != n:
            raise ValueError("stays must have one entry per candidate entry, movable one per item")
        if len(self.max_items) != m:
            raise ValueError("max_items must have one entry per seller")
        if nnz and (self.seller.min() < 0 or self.seller.max() >= m):
            raise ValueError("candidate seller index out of range")
        if np.any(self.load < 0):
            raise ValueError("loads must be non-negative")

    @property
    def n_items(self) -> int:
        """Number of items (accounts, account rows or bundles)."""
        return len(self.indptr) - 1

    @property
    def n_sellers(self) -> int:
        """Number of sellers."""
        return len(self.capacity)

    @property
    def nnz(self) -> int:
        """Number of candidate (item, seller) entries."""
        return int(self.indptr[-1])

    @property
    def entry_moves(self) -> NDArray[np.int64]:
        """Accounts that move when each candidate entry is chosen (``movable - stays``)."""
        return self.movable[self.item_of] - self.stays

    @property
    def item_of(self) -> NDArray[np.int64]:
        """Item index of every candidate entry."""
        return np.repeat(np.arange(self.n_items), np.diff(self.indptr))

    def label(self, i: int) -> str:
        """Name of item ``i`` for messages.

        Parameters
        ----------
        i
            Item index.

        Returns
        -------
        str
            Its label, or ``"item i"`` when the problem has no labels.
        """
        return self.labels[i] if self.labels else f"item {i}"

    def candidate_index(self, item: int, seller: int) -> int:
        """Candidate entry of ``seller`` for ``item``.

        Parameters
        ----------
        item
            Item index.
        seller
            Seller index.

        Returns
        -------
        int
            Index into :attr:`seller`, :attr:`cost` and :attr:`load`; ``-1`` when the seller is not
            a candidate for the item.
        """
        lo, hi = int(self.indptr[item]), int(self.indptr[item + 1])
        hits = np.flatnonzero(self.seller[lo:hi] == seller)
        return lo + int(hits[0]) if len(hits) else -1


#: Capacity and account-limit excess (summed) below which they hold: the tolerance of
#: :func:`evaluate` (and :mod:`allocate.solvers.breach`, which must agree with it).
LOAD_TOL = 1e-9
#: Deviation outside a hard band, relative to the group's total, below which the band holds.
BAND_TOL = 1e-6


@dataclass(frozen=True)
class Evaluation:
    """Objective terms of an assignment (``choice[i]`` = candidate entry chosen for item ``i``)."""

    objective: float
    cost: float
    imbalance: float
    moves: int
    overload: float  # total capacity excess (0 when feasible)
    feasible: bool


def evaluate(problem: AssignmentProblem, choice: NDArray[np.int64]) -> Evaluation:
    """Objective and feasibility of an assignment, computed in floating point from the data.

    This is the reference the solver's objective is checked against.

    Parameters
    ----------
    problem
        The assignment problem.
    choice
        Candidate entry chosen for each item.

    Returns
    -------
    Evaluation
        Cost, soft imbalance, moves, capacity excess, objective, and whether capacities,
        account limits, locks, the move cap and the hard balance bands all hold.
    """
    p = problem
    choice = np.asarray(choice, dtype=np.int64)
    s_of = p.seller[choice]
    cost = float(p.cost[choice].sum())
    loads, counts = seller_totals(p, choice)
    overload = float(np.maximum(loads - p.capacity, 0).sum())
    over_count = p.max_items >= 0
    overload += float(np.maximum(counts - p.max_items, 0)[over_count].sum())
    moves = int(p.movable.sum() - p.stays[choice].sum())
    feasible = overload <= LOAD_TOL and bool(np.all((p.fixed < 0) | (s_of == p.fixed)))
    if p.max_moves is not None and moves > p.max_moves:
        feasible = False
    imbalance = 0.0
    for b in p.balances:
        q = measure_per_seller(p, b.measure, s_of, choice)
        for g in p.balance_groups:
            dev = band_deviation(q[g], p.capacity[g], b.tolerance)
            if b.hard and dev > BAND_TOL * max(1.0, float(q[g].sum())):
                feasible = False
            if not b.hard:
                imbalance += b.weight * dev
    objective = p.cost_weight * cost + imbalance + p.move_weight * moves
    return Evaluation(objective, cost, imbalance, moves, overload, feasible)


def seller_totals(
    p: AssignmentProblem, choice: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each seller's load and account count under an assignment.

    Parameters
    ----------
    p
        The assignment problem.
    choice
        Candidate entry chosen for each item.

    Returns
    -------
    loads : ndarray
        Per seller, the load of its chosen entries.
    counts : ndarray
        Per seller, the accounts of its items (as floats).
    """
    s_of = p.seller[choice]
    loads = np.bincount(s_of, weights=p.load[choice], minlength=p.n_sellers)
    counts = np.bincount(s_of, weights=p.count, minlength=p.n_sellers)
    return loads, counts  # type: ignore[return-value]  # numpy/ortools stubs


def move_item(
    p: AssignmentProblem,
    choice: NDArray[np.int64],
    s_of: NDArray[np.int64],
    loads: NDArray[np.float64],
    counts: NDArray[np.float64],
    i: int | np.integer,
    e: int | np.integer,
) -> None:
    """Give item ``i`` the candidate entry ``e``, keeping the running totals up to date.

    Parameters
    ----------
    p
        The assignment problem.
    choice
        Candidate entry chosen for each item; ``choice[i]`` becomes ``e``.
    s_of
        Seller of each item; ``s_of[i]`` becomes the seller of ``e``.
    loads, counts
        Per seller, load and account count (:func:`seller_totals`); the item's load and
        accounts leave its old seller and join its new one.
    i
        The item.
    e
        One of its candidate entries.
    """
    s, t = s_of[i], p.seller[e]
    loads[s] -= p.load[choice[i]]
    counts[s] -= p.count[i]
    loads[t] += p.load[e]
    counts[t] += p.count[i]
    choice[i] = e
    s_of[i] = t


def measure_per_seller(
    p: AssignmentProblem, measure: str, s_of: NDArray[np.int64], choice: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Each seller's total of a balance measure under an assignment.

    Parameters
    ----------
    p
        The assignment problem.
    measure
        ``"load"``, ``"potential"`` or ``"count"``.
    s_of
        Seller of each item.
    choice
        Candidate entry chosen for each item (for the seller-specific loads).

    Returns
    -------
    ndarray
        One total per seller.

    Raises
    ------
    ValueError
        For an unknown measure.
    """
    if measure == "load":
        w = p.load[choice]
    elif measure == "potential":
        w = p.potential
    elif measure == "count":
        w = p.count.astype(float)
    else:
        raise ValueError(f"unknown balance measure {measure!r}")
    return np.bincount(s_of, weights=w, minlength=p.n_sellers)  # type: ignore[return-value]  # numpy/ortools stubs


def band_deviation(q: NDArray[np.float64], cap: NDArray[np.float64], tol: float) -> float:
    """Total amount by which ``q`` lies outside ±tol of its capacity-weighted mean.

    Parameters
    ----------
    q
        Each seller's total of a measure (one balance group).
    cap
        The same sellers' capacities: their shares of the group's total.
    tol
        Relative half-width of the band.

    Returns
    -------
    float
        Sum over sellers of the excess above and the shortfall below the band.
    """
    share = cap / cap.sum()
    target = share * q.sum()
    hi = (1 + tol) * target
    lo = (1 - tol) * target
    return float(np.maximum(q - hi, 0).sum() + np.maximum(lo - q, 0).sum())


def dense_problem(cost: NDArray, load: NDArray, capacity: NDArray) -> AssignmentProblem:
    """An assignment problem where every seller is a candidate for every item (a GAP).

    Parameters
    ----------
    cost, load
        ``(sellers, items)`` arrays: the cost and the seller-specific load of item ``j`` on
        seller ``i``.
    capacity
        ``(sellers,)`` capacities.

    Returns
    -------
    AssignmentProblem
        Items in order, each with every seller as a candidate (minimisation of cost).
    """
    m, n = np.shape(cost)
    indptr = np.arange(0, (n + 1) * m, m, dtype=np.int64)
    seller = np.tile(np.arange(m, dtype=np.int64), n)
    return AssignmentProblem(
        capacity=np.asarray(capacity).astype(float),
        indptr=indptr,
        seller=seller,
        cost=np.asarray(cost).T.reshape(-1).astype(float),
        load=np.asarray(load).T.reshape(-1).astype(float),
        labels=tuple("all jobs" for _ in range(n)),
        seller_labels=tuple(f"agent {i}" for i in range(m)),
    )
