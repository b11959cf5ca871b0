"""Workload of an account: desk hours plus visits, and the travel that the visits cost.

For an account at stage *t* and segment *g*, the playbook ``P(t, g)`` of the nomenclature gives
operations *o* with a duration ``d_o`` (minutes) and ``f_o`` occurrences per year (``once`` = 1).
With ``W`` working weeks per year, per role *r*:

    desk_h[a, r]  = sum_{o in P, role(o) = r} d_o / 60 * f_o / W      (time on site included)
    visits[a, r]  = sum_{o in P, role(o) = r, channel(o) = visit} f_o / W

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

from .domain import Instance
from .nomenclature import ROLES


@dataclass(frozen=True)
class WorkloadProfile:
    """Per account and role: desk hours per week and visits per week (``roles`` gives columns)."""

    roles: tuple[str, ...]
    desk_h: NDArray[np.float64]
    visits: NDArray[np.float64]

    @property
    def total_desk_h(self) -> NDArray[np.float64]:
        return self.desk_h.sum(axis=1)

    @property
    def total_visits(self) -> NDArray[np.float64]:
        return self.visits.sum(axis=1)

    def role(self, role: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        k = self.roles.index(role)
        return self.desk_h[:, k], self.visits[:, k]


def account_workload(instance: Instance) -> WorkloadProfile:
    """The :class:`WorkloadProfile` of every account of ``instance``."""
    nom = instance.nomenclature
    acc = instance.accounts
    roles = ROLES
    cache: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    desk = np.zeros((len(acc), len(roles)))
    visits = np.zeros((len(acc), len(roles)))
    for i, (stage, seg) in enumerate(zip(acc.stage, acc.segment, strict=True)):
        key = (stage, seg)
        if key not in cache:
            d = np.zeros(len(roles))
            v = np.zeros(len(roles))
            pb = nom.playbook(stage, seg)
            for op in pb.operations if pb else ():
                k = roles.index(op.role)
                per_week = op.occurrences_per_year / nom.weeks_per_year
                d[k] += op.duration_min / 60.0 * per_week
                if op.is_visit:
                    v[k] += per_week
            cache[key] = (d, v)
        desk[i], visits[i] = cache[key]
    desk.setflags(write=False)
    visits.setflags(write=False)
    return WorkloadProfile(roles=roles, desk_h=desk, visits=visits)


def workload_hours(
    desk_h: NDArray[np.float64] | float, visits: NDArray[np.float64] | float, travel_min: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """``desk_h + visits × round-trip travel hours`` (weekly)."""
    return np.asarray(desk_h) + np.asarray(visits) * 2.0 * np.asarray(travel_min) / 60.0


def travel_minutes(instance: Instance, seller: NDArray[np.int64], account: NDArray[np.int64]) -> NDArray[np.float64]:
    """One-way travel minutes for the pairs ``(seller[k], account[k])``.

    Uses the instance's travel matrix where it has the pair, else the haversine estimate.
    """
    from .travel import haversine_km

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
