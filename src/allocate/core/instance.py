"""Plain, immutable data of an instance: accounts, sellers, units and the nomenclature.

Solvers only see these arrays and ids; pandas lives at the edges (``allocate.io``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from allocate.core.nomenclature import Nomenclature
from allocate.core.travel import TravelModel


def read_only(a: ArrayLike, dtype: DTypeLike | None = None) -> NDArray:
    """``a`` as a C-contiguous array that cannot be written.

    Parameters
    ----------
    a
        An array, or anything :func:`numpy.asarray` takes.
    dtype
        The wanted type (default: ``a``'s own).

    Returns
    -------
    numpy.ndarray
        ``a`` itself when it already is such an array that owns its data (it is then frozen
        in place), else a converted copy; either way no longer writeable. A view of a
        writeable array is copied: freezing the view alone would leave its data writeable
        through the base.
    """
    out = np.asarray(a, dtype=dtype, order="C")
    base = out.base
    while isinstance(base, np.ndarray):
        if base.flags.writeable:
            out = out.copy()
            break
        base = base.base
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class Accounts:
    """Accounts (companies or sites) to serve; the arrays are read-only, one row per account.

    Attributes
    ----------
    ids, names
        Account ids (unique) and names.
    lat, lon
        Position in degrees (WGS84).
    segment
        Company size class (a segment of the nomenclature).
    potential
        Revenue potential.
    stage
        Funnel stage (lead, prospect, opportunity, customer).
    product_lines
        Product lines the account is interested in (at least one).
    group
        Index of the multi-site group (key account) in ``group_ids``, ``-1`` for none.
    group_ids
        The original group ids, in index order.
    current_seller
        Index of today's seller, ``-1`` for none.
    locked
        True when the account must stay with its current seller.
    unit
        Index of the account's unit, ``-1`` for none.
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    segment: tuple[str, ...]
    potential: NDArray[np.float64]
    stage: tuple[str, ...]
    product_lines: tuple[tuple[str, ...], ...]
    group: NDArray[np.int64]
    group_ids: tuple[str, ...]
    current_seller: NDArray[np.int64]
    locked: NDArray[np.bool_]
    unit: NDArray[np.int64]

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in ("lat", "lon", "potential", "group", "current_seller", "locked", "unit"):
            arr = read_only(getattr(self, name))
            if arr.shape != (n,):
                raise ValueError(f"Accounts.{name} has shape {arr.shape}, expected ({n},)")
            object.__setattr__(self, name, arr)
        for name in ("names", "segment", "stage", "product_lines"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"Accounts.{name} has {len(getattr(self, name))} rows, expected {n}")

    def __len__(self) -> int:
        return len(self.ids)


#: Working days per week: the weekly capacity is spread over them (``capacity_h / 5`` a day).
WORKDAYS_PER_WEEK = 5


def short_weeks(
    daily_h: NDArray[np.float64], capacity_h: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Sellers whose daily limit cannot fill the week: ``5 * daily_h < capacity_h``.

    Parameters
    ----------
    daily_h
        Most hours of one working day per seller (NaN: no daily limit, never short).
    capacity_h
        Weekly capacity per seller.

    Returns
    -------
    numpy.ndarray
        Indices of the sellers whose week can never be filled.
    """
    return np.flatnonzero(daily_h * WORKDAYS_PER_WEEK < capacity_h - 1e-9)


@dataclass(frozen=True)
class Sellers:
    """Sellers, their home base, role, weekly capacity and skills; arrays are read-only.

    Attributes
    ----------
    ids, names
        Seller ids (unique) and names.
    lat, lon
        Home base in degrees (WGS84).
    role
        One of :data:`~allocate.core.nomenclature.ROLES`.
    capacity_h
        Selling hours of a week.
    segments, product_lines
        Segments and product lines the seller may serve (empty tuple = all).
    max_accounts
        Most accounts the seller may hold (``-1`` = no limit).
    max_travel_min
        Longest one-way trip to an account (``inf`` = no limit).
    daily_h
        Most hours of one working day (NaN = the week spread evenly over 5 days), so that a
        seller may hold a long day of visits and a short desk day in the same week.
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    role: tuple[str, ...]
    capacity_h: NDArray[np.float64]
    segments: tuple[tuple[str, ...], ...]
    product_lines: tuple[tuple[str, ...], ...]
    max_accounts: NDArray[np.int64]  # -1 = no limit
    max_travel_min: NDArray[np.float64]  # inf = no limit
    #: Most hours of one working day (NaN = the weekly capacity spread evenly over 5 days).
    daily_h: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        n = len(self.ids)
        if len(self.daily_h) == 0:
            object.__setattr__(self, "daily_h", np.full(n, np.nan))
        for name in ("lat", "lon", "capacity_h", "max_accounts", "max_travel_min", "daily_h"):
            arr = read_only(getattr(self, name))
            if arr.shape != (n,):
                raise ValueError(f"Sellers.{name} has shape {arr.shape}, expected ({n},)")
            object.__setattr__(self, name, arr)

    def __len__(self) -> int:
        return len(self.ids)

    def serves_segment(self, s: int, segment: str) -> bool:
        """Whether seller ``s`` may serve accounts of ``segment``.

        Parameters
        ----------
        s
            Seller index.
        segment
            A segment of the nomenclature.

        Returns
        -------
        bool
            True when the seller's segments are empty (all) or include ``segment``.
        """
        return not self.segments[s] or segment in self.segments[s]

    def serves_line(self, s: int, line: str) -> bool:
        """Whether seller ``s`` may serve product line ``line``.

        Parameters
        ----------
        s
            Seller index.
        line
            A product line.

        Returns
        -------
        bool
            True when the seller's product lines are empty (all) or include ``line``.
        """
        return not self.product_lines[s] or line in self.product_lines[s]


@dataclass(frozen=True)
class Units:
    """Geographic building blocks (towns, postcodes) and their adjacency.

    Attributes
    ----------
    ids
        Unit ids.
    geometry
        Shapely polygons in WGS84 (used by contiguity repair and maps only).
    neighbours
        ``neighbours[u]`` lists the units that share a border with ``u``.
    """

    ids: tuple[str, ...]
    geometry: tuple[object, ...]
    neighbours: tuple[tuple[int, ...], ...]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class TravelMatrix:
    """User-supplied one-way travel minutes for some (seller, account) pairs.

    Pairs absent from the matrix fall back to the :class:`TravelModel` estimate.

    Attributes
    ----------
    seller, account
        Seller and account index of each pair.
    minutes
        One-way travel minutes of each pair.
    """

    seller: NDArray[np.int64]
    account: NDArray[np.int64]
    minutes: NDArray[np.float64]

    @cached_property
    def _sorted(self) -> tuple[int, NDArray[np.int64], NDArray[np.float64]]:
        base = int(self.account.max(initial=-1)) + 1
        keys = self.seller * base + self.account
        order = np.argsort(keys, kind="stable")
        return base, keys[order], self.minutes[order]

    def lookup(
        self, seller: NDArray[np.int64], account: NDArray[np.int64]
    ) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
        """For pairs ``(seller[k], account[k])``: whether the matrix has them, and their minutes.

        Parameters
        ----------
        seller, account
            Seller and account indices of the pairs wanted (same length).

        Returns
        -------
        hit : numpy.ndarray of bool
            Whether the matrix holds each pair.
        minutes : numpy.ndarray
            The matrix minutes where ``hit`` (meaningless elsewhere).
        """
        base, keys, minutes = self._sorted
        if len(keys) == 0:
            return np.zeros(len(seller), dtype=bool), np.zeros(len(seller))
        want = np.asarray(seller) * base + np.asarray(account)
        pos = np.clip(np.searchsorted(keys, want), 0, len(keys) - 1)
        hit = (keys[pos] == want) & (np.asarray(account) < base)
        return hit, minutes[pos]

    def as_dict(self) -> dict[tuple[int, int], float]:
        """The matrix as a dictionary.

        Returns
        -------
        dict
            ``(seller, account)`` index pair -> one-way minutes.
        """
        return {(int(s), int(a)): float(m) for s, a, m in zip(self.seller, self.account, self.minutes, strict=True)}


@dataclass(frozen=True)
class Instance:
    """Everything read from an instance folder.

    Attributes
    ----------
    name
        Instance name (the folder name).
    accounts, sellers
        The accounts to serve and the sellers.
    nomenclature
        The bill of actions.
    units
        Geographic units, or ``None``.
    travel
        The travel-time estimate.
    travel_matrix
        User-supplied travel minutes that replace the estimate, or ``None``.
    source_dir
        The folder it was read from, recorded in run outputs (``None`` when built in memory).
    """

    name: str
    accounts: Accounts
    sellers: Sellers
    nomenclature: Nomenclature
    units: Units | None = None
    travel: TravelModel = field(default_factory=TravelModel)
    travel_matrix: TravelMatrix | None = None
    source_dir: str | None = None  # the folder it was read from, recorded in run outputs

    @property
    def product_lines(self) -> tuple[str, ...]:
        """Every product line of the accounts, in order of first appearance."""
        seen: dict[str, None] = {}
        for lines in self.accounts.product_lines:
            for line in lines:
                seen.setdefault(line, None)
        return tuple(seen)

    def seller_index(self) -> dict[str, int]:
        """Position of each seller id.

        Returns
        -------
        dict
            Seller id -> seller index.
        """
        return {sid: i for i, sid in enumerate(self.sellers.ids)}

    def account_index(self) -> dict[str, int]:
        """Position of each account id.

        Returns
        -------
        dict
            Account id -> account index.
        """
        return {aid: i for i, aid in enumerate(self.accounts.ids)}
