"""Sellers' skills: key-account specialists and a product specialist.

Specialists carry the same load as the others and sit where their accounts are, but never
as the only seller of their role in an office, so small accounts stay coverable near every
office.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from allocate.generate.load import role_hours


def draw_skills(
    role: NDArray[np.object_],
    seller_office: NDArray[np.int64],
    account_office: NDArray[np.int64],
    desk: NDArray[np.float64],
    visits: NDArray[np.float64],
    travel_min: NDArray[np.float64],
    key: NDArray[np.bool_],
    role_cols: dict[str, list[int]],
) -> tuple[list[str], list[str]]:
    """Key-account specialists (``mid;large``) and a product specialist in large field teams.

    A field role of at least four sellers has ``round(n * share)`` key-account specialists,
    where ``share`` is the mid/large part of its workload, so specialists and the others
    carry the same load. They go to the offices with the most mid/large workload of that
    role, but an office always keeps one non-specialist of the role. An AE team of six or
    more has one ``accounting;analytics`` specialist, a non-key AE of the office with most
    AEs. Deterministic: no random draw.

    Parameters
    ----------
    role, seller_office
        Role and office of each seller.
    account_office
        Serving office of each account.
    desk, visits
        ``(n_accounts, len(ROLES))`` weekly desk hours and visits.
    travel_min
        One-way minutes from each account's serving office.
    key
        The mid/large accounts.
    role_cols
        Operation-role columns of each seller role.

    Returns
    -------
    tuple of list of str
        ``segments`` and ``product_lines`` of each seller (blank: no restriction).
    """
    n = len(role)
    segments = [""] * n
    products = [""] * n
    n_off = int(seller_office.max()) + 1 if n else 0
    for r in ("AE", "CSM", "generalist"):
        members = np.flatnonzero(role == r)
        if len(members) < 4 or r not in role_cols:
            continue
        cols = role_cols[r]
        work = role_hours(desk, visits, cols, travel_min)
        if work.sum() <= 0:
            continue
        n_key = int(round(len(members) * work[key].sum() / work.sum()))
        key_local = np.bincount(account_office[key], weights=work[key], minlength=n_off)
        heads = np.bincount(seller_office[members], minlength=n_off)
        fair = n_key * key_local / max(key_local.sum(), 1e-12)
        given = np.zeros(n_off, dtype=np.int64)
        for _ in range(n_key):
            room = given < heads - 1
            if not room.any():
                break
            o = int(np.argmax(np.where(room, fair - given, -np.inf)))
            given[o] += 1
        for off in np.flatnonzero(given):
            for i in members[seller_office[members] == off][: given[off]]:
                segments[i] = "mid;large"
        if r == "AE" and len(members) >= 6:
            top = int(np.argmax(heads))
            plain = [i for i in members if seller_office[i] == top and segments[i] == ""]
            if plain:
                products[plain[-1]] = "accounting;analytics"
    return segments, products
