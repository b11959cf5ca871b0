"""Today's alignment (``current_seller_id``): who holds each account before any change.

Each account goes to a seller of the role that owns its stage (:data:`STAGE_OWNER_ROLE`)
and whose skills fit it, usually the nearest one, sometimes the second or third nearest;
every site of a multi-site group goes to one seller without skill restrictions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from allocate.core.travel import nearest_sellers

#: The stage's main role holds the account today.
STAGE_OWNER_ROLE: dict[str, str] = {
    "lead": "SDR",
    "prospect": "AE",
    "opportunity": "AE",
    "customer": "CSM",
}


def current_alignment(
    rng: np.random.Generator,
    accounts: pd.DataFrame,
    sellers: pd.DataFrame,
    group: NDArray[np.int64],
) -> list[str]:
    """Today's seller of each account.

    A seller of the stage's role able to serve the segment and the product lines (else a
    generalist, else any able seller, else any seller), the nearest one with probability
    0.8, else the 2nd (0.15) or 3rd (0.05) nearest; every site of a group follows one owner.

    Parameters
    ----------
    rng
        The generator's random stream (advanced: one pick per account).
    accounts
        Columns ``lat``, ``lon``, ``stage``, ``segment``, ``product_lines``.
    sellers
        Columns ``seller_id``, ``lat``, ``lon``, ``role``, ``segments``, ``product_lines``.
    group
        Group of each account, -1 for single sites.

    Returns
    -------
    list of str
        A ``seller_id`` per account.
    """
    n = len(accounts)
    roles = sellers["role"].to_numpy()
    seg_skill = [set(s.split(";")) - {""} for s in sellers["segments"]]
    line_skill = [set(s.split(";")) - {""} for s in sellers["product_lines"]]
    acc_lat, acc_lon = accounts["lat"].to_numpy(float), accounts["lon"].to_numpy(float)
    stage = accounts["stage"].to_numpy()
    segment = accounts["segment"].to_numpy()
    lines = accounts["product_lines"].to_numpy()
    pick = rng.choice(3, size=n, p=(0.8, 0.15, 0.05))
    current = np.empty(n, dtype=object)
    for st, seg, ln in sorted(set(zip(stage, segment, lines, strict=True))):
        acc = np.flatnonzero((stage == st) & (segment == seg) & (lines == ln))
        want = STAGE_OWNER_ROLE[st]
        need = set(ln.split(";"))
        ok = np.array(
            [
                (not sk or seg in sk) and (not lk or need <= lk)
                for sk, lk in zip(seg_skill, line_skill, strict=True)
            ]
        )
        for candidates in (
            (roles == want) & ok,
            (roles == "generalist") & ok,
            ok,
            np.ones(len(roles), dtype=bool),
        ):
            if candidates.any():
                break
        cand = np.flatnonzero(candidates)
        idx, _ = nearest_sellers(
            acc_lat[acc],
            acc_lon[acc],
            sellers["lat"].to_numpy(float)[cand],
            sellers["lon"].to_numpy(float)[cand],
            k=3,
        )
        col = np.minimum(pick[acc], idx.shape[1] - 1)
        chosen = idx[np.arange(len(acc)), col]
        # Rows padded with -1 (fewer sellers than asked at the farther bases): take the nearest.
        chosen = np.where(chosen < 0, idx[:, 0], chosen)
        current[acc] = sellers["seller_id"].to_numpy()[cand[chosen]]
    # A group's sites may differ in segment and lines: its owner is a seller without skill
    # restrictions (the first such seller among its sites' picks, else the nearest one).
    plain = np.array([not sk and not lk for sk, lk in zip(seg_skill, line_skill, strict=True)])
    ids = sellers["seller_id"].to_numpy()
    plain_ids = set(ids[plain].tolist())
    n_groups = int(group.max()) + 1
    for g in range(n_groups):
        sites = np.flatnonzero(group == g)
        owner = next((current[a] for a in sites if current[a] in plain_ids), None)
        if owner is None and plain.any():
            same_role = plain & (roles == roles[ids == current[sites[0]]][0])
            cand = np.flatnonzero(same_role if same_role.any() else plain)
            idx, _ = nearest_sellers(
                acc_lat[sites[:1]],
                acc_lon[sites[:1]],
                sellers["lat"].to_numpy(float)[cand],
                sellers["lon"].to_numpy(float)[cand],
                k=1,
            )
            owner = ids[cand[idx[0, 0]]]
        current[sites] = owner if owner is not None else current[sites[0]]
    return current.tolist()
