"""Derivations of the import: segment, stage, role, owner match and group, one rule each.

* **segment** from the number of employees: the first segment whose bound is above it
  (default: micro < 10, small < 50, mid < 250, large otherwise; ``segments`` of the mapping);
* **stage** from the export's value (``values.stage``, or a stage name as is), then raised by
  the opportunities: a won one makes a customer, an open one an opportunity;
* **role** from the role or job title: ``values.role`` first, then words of the title
  (``SDR``, ``Account Executive``, ``Customer Success``...), else ``defaults.role``;
* **owner**: the user whose id equals it, else (Salesforce) whose 15-character id is its first
  15 characters, else whose e-mail or name equals it (HubSpot exports the owner's name);
* **group**: the top of the chain of parents (``ParentId``), so that every site of a
  multi-site company carries the same ``group_id``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as MappingType

from allocate.core.nomenclature import ROLES, STAGES
from allocate.io.crm.mapping import role_words

#: A Salesforce id: 15 characters, or 18 with the case-safe suffix.
SFID = re.compile(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$")


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def parse_number(text: str) -> float | None:
    """A number as CRMs export it (``1234.5``, ``1 234,5``, ``$1,234``, ``12 k€`` is refused).

    Parameters
    ----------
    text
        The cell.

    Returns
    -------
    float or None
        The value; ``None`` for an empty or unreadable cell.
    """
    t = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    t = re.sub(r"^[$€£]\s*|\s*[$€£]$|\s*(EUR|USD|GBP)$", "", t)
    if not t:
        return None
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", t):
        t = t.replace(",", "")
    elif re.fullmatch(r"[-+]?\d{1,3}( \d{3})+(,\d+)?", t):
        t = t.replace(" ", "").replace(",", ".")
    elif re.fullmatch(r"[-+]?\d+,\d+", t):
        t = t.replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        return None
    return v if v == v and abs(v) != float("inf") else None


def segment_of(employees: float, bounds: MappingType[str, float | None]) -> str:
    """The segment of a company of ``employees`` employees.

    Parameters
    ----------
    employees
        Head count.
    bounds
        Segment → exclusive upper bound, increasing, the last ``None``.

    Returns
    -------
    str
        The first segment whose bound is above ``employees``.
    """
    for name, bound in bounds.items():
        if bound is None or employees < bound:
            return name
    return list(bounds)[-1]


def stage_of(value: str, table: MappingType[str, str]) -> str | None:
    """Our funnel stage for the export's value, or ``None`` when unknown.

    Parameters
    ----------
    value
        The cell (``Customer - Direct``, ``Sales Qualified Lead``, ``prospect``).
    table
        ``values.stage`` of the mapping.

    Returns
    -------
    str or None
        One of ``lead``, ``prospect``, ``opportunity``, ``customer``.
    """
    keyed = {_key(k): v for k, v in table.items()}
    k = _key(value)
    if k in keyed:
        return keyed[k]
    return k if k in STAGES else None


def role_of(title: str, table: MappingType[str, str], default: str) -> tuple[str, str]:
    """Our role for a role name or job title, and how it was found.

    Parameters
    ----------
    title
        The cell (``Account Executive - West``, ``SDR``, ``00E5e000001AbCd``).
    table
        ``values.role`` of the mapping.
    default
        ``defaults.role``.

    Returns
    -------
    role : str
        One of :data:`~allocate.core.nomenclature.ROLES`.
    how : str
        ``values.role``, ``word 'x'``, ``role name`` or ``default``.
    """
    keyed = {_key(k): v for k, v in table.items()}
    k = _key(title)
    if k in keyed:
        return keyed[k], "values.role"
    for r in ROLES:
        if k == r.casefold():
            return r, "role name"
    words = re.sub(r"[^a-z0-9 ]", " ", k).split()
    text = " ".join(words)
    for word, role in role_words():
        # a phrase may take a plural ("account executives"); a short word must match whole
        if (" " in word and f" {word}" in f" {text}") or word in words:
            return role, f"word {word!r}"
    return default, "default"


class OwnerIndex:
    """Finds the user of an owner cell: by id, 15-character id, e-mail or name.

    Parameters
    ----------
    ids
        The users' ids, as exported.
    emails, names
        The users' e-mails and names (same order; ``""`` when unknown).
    """

    def __init__(self, ids: list[str], emails: list[str], names: list[str]) -> None:
        self._ids = {u: u for u in ids}
        self._short = {u[:15]: u for u in ids if SFID.match(u)}
        self._emails: dict[str, list[str]] = {}
        self._names: dict[str, list[str]] = {}
        for u, e, n in zip(ids, emails, names, strict=True):
            if e:
                self._emails.setdefault(_key(e), []).append(u)
            if n:
                self._names.setdefault(_key(n), []).append(u)

    def find(self, owner: str) -> tuple[str | None, str]:
        """The user id of ``owner`` and how it matched.

        Parameters
        ----------
        owner
            The owner cell.

        Returns
        -------
        user : str or None
            The user's id as exported, ``None`` when no user (or two users) match.
        how : str
            ``id``, ``15-character id``, ``e-mail``, ``name``, or why it failed.
        """
        if owner in self._ids:
            return owner, "id"
        if SFID.match(owner) and owner[:15] in self._short:
            return self._short[owner[:15]], "15-character id"
        for table, how in ((self._emails, "e-mail"), (self._names, "name")):
            found = table.get(_key(owner), [])
            if len(found) == 1:
                return found[0], how
            if len(found) > 1:
                return None, f"{len(found)} users share the {how} {owner!r}"
        return None, "not in the users file"


def group_roots(ids: list[str], parents: list[str]) -> tuple[list[str], list[int]]:
    """The ``group_id`` of each account: the top of its chain of parents.

    Accounts with neither parent nor child get ``""``; a parent that is not in the file is the
    top of its chain (its id is the group id). A cycle stops where it closes.

    Parameters
    ----------
    ids
        Account ids.
    parents
        Parent id of each account (``""``: none).

    Returns
    -------
    groups : list of str
        Group id per account.
    cycles : list of int
        Rows whose chain of parents loops.
    """
    parent = {i: p for i, p in zip(ids, parents, strict=True) if p and p != i}
    has_child = set(parent.values())
    groups: list[str] = []
    cycles: list[int] = []
    for k, a in enumerate(ids):
        if a not in parent and a not in has_child:
            groups.append("")
            continue
        seen = {a}
        top = a
        while top in parent:
            nxt = parent[top]
            if nxt in seen:
                cycles.append(k)
                break
            seen.add(nxt)
            top = nxt
        groups.append(top)
    return groups, cycles
