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
    rank = {seg: k for k, seg in enumerate(instance.nomenclature.segments)}
    largest: dict[int, str] = {}
    for a, seg in enumerate(acc.segment):
        g = int(acc.group[a])
        if g >= 0 and (g not in largest or rank.get(seg, -1) > rank.get(largest[g], -1)):
            largest[g] = seg
    return tuple(largest[int(g)] if g >= 0 else seg for g, seg in zip(acc.group, acc.segment, strict=True))
