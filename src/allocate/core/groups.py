"""Who may own a multi-site group: the segment that the whole group is served as.

A multi-site group (``group_id``) is one customer with one owner. Its sites may fall into
different company-size segments (a large head office and small branches), and a model that
lets a seller serve only some segments (``size``, ``hybrid``) needs one segment for the whole
group, decided once: the **largest** segment of its sites, in the nomenclature's order
(``micro < small < mid < large`` by default). The customer is as large as its largest site,
and the seller who serves that site has the skills its branches need in that customer's
relationship. Each site keeps its own playbook (its workload follows its own segment); only
who may own it follows the group.
"""

from __future__ import annotations

import numpy as np

from allocate.core.instance import Instance


def owner_segments(instance: Instance) -> tuple[str, ...]:
    """The segment each account is owned as: its own, or its group's (see the module docstring).

    Parameters
    ----------
    instance
        The instance (accounts' segments and groups, the nomenclature's segment order).

    Returns
    -------
    tuple of str
        Per account, the segment whose sellers may own it.
    """
    acc = instance.accounts
    in_group = np.flatnonzero(acc.group >= 0)
    if len(in_group) == 0:
        return tuple(acc.segment)
    rank = {seg: k for k, seg in enumerate(instance.nomenclature.segments)}
    seg_rank = np.array([rank.get(acc.segment[a], -1) for a in in_group], dtype=np.int64)
    best = np.full(int(acc.group.max()) + 1, -2, dtype=np.int64)
    np.maximum.at(best, acc.group[in_group], seg_rank)
    largest: dict[int, str] = {}
    for a, r in zip(in_group, seg_rank, strict=True):
        g = int(acc.group[a])
        if r == best[g] and g not in largest:
            largest[g] = acc.segment[a]  # the first site of the largest segment names it
    out = list(acc.segment)
    for a in in_group:
        out[a] = largest[int(acc.group[a])]
    return tuple(out)
