"""Workload of an account: desk hours plus visits, and the travel that the visits cost.

For an account at stage *t* and segment *g*, the playbook ``P(t, g)`` of the nomenclature gives
operations *o* with a duration ``d_o`` (minutes) and ``f_o`` occurrences per year (``once`` = 1).
With ``W`` working weeks per year, per role *r*:

    desk_h[a, r]  = sum_{o in P, role(o) = r} d_o / 60 * f_o / W      (time on site included)
    visits[a, r]  = sum_{o in P, role(o) = r, channel(o) = visit} f_o / W
    visit_h[a, r] = sum_{o in P, role(o) = r, channel(o) = visit} d_o / 60 * f_o / W   (on site)

and the weekly workload of account *a* when seller *s* serves it is

    workload_h(a, s) = desk_h[a] + visits[a] * 2 * travel_min(s, a) / 60

(one round trip from the seller's base per visit: the alignment-level estimate; the weekly
schedule groups visits into tours and so needs less).  This is why *the workload varies with
the organization*: the same account costs more hours to a seller based far away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from allocate.core.instance import Instance
from allocate.core.nomenclature import ROLES, Nomenclature


@dataclass(frozen=True)
class WorkloadProfile:
    """Per account and role: desk hours, visits and on-site visit hours per week.

    Attributes
    ----------
    roles
        The roles, in column order.
    desk_h
        ``(accounts, roles)`` hours per week of the operations (time on site included).
    visits
        ``(accounts, roles)`` visits per week.
    visit_h
        ``(accounts, roles)`` hours per week on site during the visits (part of ``desk_h``).
    """

    roles: tuple[str, ...]
    desk_h: NDArray[np.float64]
    visits: NDArray[np.float64]
    visit_h: NDArray[np.float64]

    @property
    def total_desk_h(self) -> NDArray[np.float64]:
        """Desk hours per week of each account, all roles together."""
        return self.desk_h.sum(axis=1)

    @property
    def total_visits(self) -> NDArray[np.float64]:
        """Visits per week of each account, all roles together."""
        return self.visits.sum(axis=1)

    @property
    def total_visit_h(self) -> NDArray[np.float64]:
        """On-site visit hours per week of each account, all roles together."""
        return self.visit_h.sum(axis=1)

    def role(self, role: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The columns of one role.

        Parameters
        ----------
        role
            One of ``roles`` (``ValueError`` otherwise).

        Returns
        -------
        desk_h, visits : numpy.ndarray
            Desk hours and visits per week of each account for that role.
        """
        k = self.roles.index(role)
        return self.desk_h[:, k], self.visits[:, k]


@dataclass(frozen=True)
class PlaybookLoad:
    """What one account's playbook asks per week, per role (in the order of ``ROLES``).

    Attributes
    ----------
    desk_h
        Hours of every operation (time on site included).
    visits
        Visits.
    visit_h
        Hours on site of the visits alone.
    """

    desk_h: NDArray[np.float64]
    visits: NDArray[np.float64]
    visit_h: NDArray[np.float64]


def playbook_load(nomenclature: Nomenclature, stage: str, segment: str) -> PlaybookLoad:
    """THE playbook → weekly load rule: ``d_o / 60 × f_o / W`` hours and ``f_o / W`` visits.

    Parameters
    ----------
    nomenclature
        The bill of actions (playbooks, ``weeks_per_year``).
    stage, segment
        The account's funnel stage and segment.

    Returns
    -------
    PlaybookLoad
        Per role: desk hours, visits and on-site visit hours per week (zeros without a
        playbook).
    """
    desk = np.zeros(len(ROLES))
    visits = np.zeros(len(ROLES))
    visit_h = np.zeros(len(ROLES))
    pb = nomenclature.playbook(stage, segment)
    for op in pb.operations if pb else ():
        k = ROLES.index(op.role)
        per_week = op.occurrences_per_year / nomenclature.weeks_per_year
        hours = op.duration_min / 60.0 * per_week
        desk[k] += hours
        if op.is_visit:
            visits[k] += per_week
            visit_h[k] += hours
    return PlaybookLoad(desk, visits, visit_h)


def account_workload(instance: Instance) -> WorkloadProfile:
    """The :class:`WorkloadProfile` of every account of ``instance``.

    Parameters
    ----------
    instance
        Accounts (stage, segment) and the nomenclature.

    Returns
    -------
    WorkloadProfile
        Read-only ``(accounts, roles)`` arrays of desk hours, visits and on-site visit hours
        per week.
    """
    nom = instance.nomenclature
    acc = instance.accounts
    cache: dict[tuple[str, str], PlaybookLoad] = {}
    desk = np.zeros((len(acc), len(ROLES)))
    visits = np.zeros((len(acc), len(ROLES)))
    visit_h = np.zeros((len(acc), len(ROLES)))
    for i, key in enumerate(zip(acc.stage, acc.segment, strict=True)):
        if key not in cache:
            cache[key] = playbook_load(nom, *key)
        desk[i], visits[i], visit_h[i] = cache[key].desk_h, cache[key].visits, cache[key].visit_h
    for arr in (desk, visits, visit_h):
        arr.setflags(write=False)
    return WorkloadProfile(roles=ROLES, desk_h=desk, visits=visits, visit_h=visit_h)


#: Each visit is one round trip from the seller's base.
TRIPS_PER_VISIT = 2.0


def visit_travel_h(
    visits: NDArray[np.float64] | float, travel_min: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """Weekly hours on the road: ``visits × 2 × travel_min / 60`` (one round trip per visit).

    Parameters
    ----------
    visits
        Visits per week.
    travel_min
        One-way travel minutes from the seller's base (broadcast against ``visits``).

    Returns
    -------
    numpy.ndarray
        Hours per week.
    """
    return np.asarray(visits) * TRIPS_PER_VISIT * np.asarray(travel_min) / 60.0


def workload_hours(
    desk_h: NDArray[np.float64] | float, visits: NDArray[np.float64] | float, travel_min: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """THE weekly workload: ``desk_h + visits × round-trip travel hours``.

    Parameters
    ----------
    desk_h
        Hours per week of the account's operations (time on site included).
    visits
        Visits per week.
    travel_min
        One-way travel minutes from the serving seller's base.

    Returns
    -------
    numpy.ndarray
        Hours per week (see the module docstring).
    """
    return np.asarray(desk_h) + visit_travel_h(visits, travel_min)


def travel_minutes(instance: Instance, seller: NDArray[np.int64], account: NDArray[np.int64]) -> NDArray[np.float64]:
    """One-way travel minutes for the pairs ``(seller[k], account[k])``.

    Uses the instance's travel matrix where it has the pair, else the haversine estimate.

    Parameters
    ----------
    instance
        Seller bases, account positions, travel model and matrix.
    seller, account
        Seller and account indices of the pairs (same length).

    Returns
    -------
    numpy.ndarray
        Minutes of each pair.
    """
    from allocate.core.travel import haversine_km

    s = np.asarray(seller, dtype=np.int64)
    a = np.asarray(account, dtype=np.int64)
    sel, acc = instance.sellers, instance.accounts
    km = haversine_km(sel.lat[s], sel.lon[s], acc.lat[a], acc.lon[a])
    minutes = instance.travel.minutes(km)
    tm = instance.travel_matrix
    if tm is not None and len(s):
        hit, given = tm.lookup(s, a)
        minutes = np.where(hit, given, minutes)
    return minutes
