"""Parent territories of a Salesforce ETM export: the hierarchy above the sellers' territories.

``allocate export --to salesforce --hierarchy H`` puts each seller's territory under a parent
(``ParentTerritory2DeveloperName`` of ``Territory2.csv``); the parents are rows of the same
file, written before their children (Data Loader inserts in file order, and a parent must exist
before a child refers to it):

* ``flat`` (default): no parent;
* ``role``: one parent per role (``Role_AE``: *AE team*, ``Role_CSM``...);
* ``team``: one parent per value of the sellers' ``team`` column (``allocate import`` fills it
  from Salesforce's ``Department``/``Division`` or HubSpot's ``Teams``); a seller without a team
  has no parent;
* ``design``: the nested levels of ``allocate design --levels A,B,...`` (``--design DIR``): its
  ``design_units`` table gives each unit (or account) a label per level above the finest
  (``level_1`` the coarsest); each seller goes under the finest-but-one level that holds most
  of its accounts (ties: the smallest label), and each level's territory under the one of the
  level above that holds it. Parents are ``Level1_<label>``, ``Level2_<label>``...
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from allocate.core.errors import InputError
from allocate.core.instance import Instance
from allocate.io.runfolder.names import DESIGN, DESIGN_ACCOUNTS, DESIGN_UNITS
from allocate.io.tables import read_table

_DEVNAME_MAX = 80


class Hierarchy(StrEnum):
    """What the sellers' territories are grouped under."""

    FLAT = "flat"
    ROLE = "role"
    TEAM = "team"
    DESIGN = "design"


def clean_devname(text: str, taken: set[str]) -> str:
    """A Salesforce ``DeveloperName`` made of ``text``, unique in ``taken`` (which it joins).

    Letters, digits and single underscores, starting with a letter, not ending with an
    underscore, at most 80 characters; ``_2``, ``_3``... are added when needed. Salesforce
    compares API names without regard to case, so ``taken`` holds them case-folded: the
    territories of two 15-character ids that differ only in case get two names.

    Parameters
    ----------
    text
        The wished name (e.g. ``T_<seller id>``); it must start with a letter.
    taken
        Names already used, case-folded (the new name is added).

    Returns
    -------
    str
        The name.
    """
    base = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9]", "_", text)).strip("_") or "T"
    if not base[0].isalpha():
        base = f"T_{base}"
    base = base[: _DEVNAME_MAX - 6].rstrip("_")
    name, k = base, 2
    while name.casefold() in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name.casefold())
    return name


@dataclass(frozen=True)
class Parent:
    """One parent territory: a row of ``Territory2.csv`` above the sellers'."""

    developer_name: str
    name: str
    parent: str
    description: str


@dataclass(frozen=True)
class Tree:
    """The parents, top-down, and the parent of each seller's territory."""

    parents: tuple[Parent, ...]
    seller_parent: dict[int, str]


def build_tree(
    kind: Hierarchy,
    instance: Instance,
    owner: np.ndarray,
    sellers: list[int],
    taken: set[str],
    *,
    teams: tuple[str, ...] | None = None,
    design: Path | None = None,
    teams_source: str = "sellers",
) -> Tree:
    """The parent territories of ``kind`` above the territories of ``sellers``.

    Parameters
    ----------
    kind
        The hierarchy.
    instance
        The instance.
    owner
        The seller of each account (``-1``: none).
    sellers
        The sellers that have a territory.
    taken
        ``DeveloperName`` values already used, case-folded (the parents' are added).
    teams
        Each seller's team (``team``), ``None`` when the sellers file has no ``team`` column.
    design
        The design folder (``design``).
    teams_source
        The file named when the ``team`` column is missing.

    Returns
    -------
    Tree
        Parents (each after its own parent) and each seller's parent.

    Raises
    ------
    InputError
        Without a ``team`` column (``team``), or a design folder that is missing, has no
        levels or does not match the instance (``design``).
    """
    if kind == Hierarchy.FLAT:
        return Tree((), {})
    if kind == Hierarchy.ROLE:
        return _grouped([instance.sellers.role[s] for s in sellers], sellers, taken, "Role", "team")
    if kind == Hierarchy.TEAM:
        if teams is None:
            raise InputError.single(teams_source, "--hierarchy team needs a 'team' column in the sellers file",
                                    column="team")
        return _grouped([teams[s] for s in sellers], sellers, taken, "Team", "")
    if design is None:
        raise InputError.single("--design", "--hierarchy design needs --design DIR (a folder of allocate design --levels)")
    return _design_tree(Path(design), instance, owner, sellers, taken)


def _grouped(values: list[str], sellers: list[int], taken: set[str], prefix: str, suffix: str) -> Tree:
    """One parent per distinct non-empty value (sorted); a seller without a value has none."""
    devname: dict[str, str] = {}
    parents = []
    for v in sorted({v.strip() for v in values if v.strip()}):
        devname[v] = clean_devname(f"{prefix}_{v}", taken)
        label = f"{v} {suffix}".strip()
        parents.append(Parent(devname[v], label, "", f"allocate: sellers of {prefix.lower()} {v}"))
    return Tree(tuple(parents), {s: devname[v.strip()] for s, v in zip(sellers, values, strict=True) if v.strip()})


def _design_tree(folder: Path, instance: Instance, owner: np.ndarray, sellers: list[int], taken: set[str]) -> Tree:
    """Parents from the nested levels of a design folder (see the module)."""
    if not folder.is_dir():
        raise InputError.single(f"--design {folder}", "is not a folder (give the --out folder of allocate design)")
    units_path = folder / DESIGN_UNITS
    if not units_path.is_file() and not (folder / DESIGN).is_file():
        raise InputError.single(
            f"--design {folder}", f"is not a design folder (no {DESIGN}: give the --out folder of allocate design)"
        )
    if not units_path.is_file():
        raise InputError.single(str(units_path), "is missing: the design found no territories")
    units = read_table(units_path)
    key = units.columns[0] if len(units.columns) else ""
    levels = sorted((c for c in units.columns if re.fullmatch(r"level_\d+", c)), key=lambda c: int(c[6:]))
    if key not in ("unit_id", "account_id") or not levels:
        raise InputError.single(str(units_path), "has no level_1 column: run allocate design with --levels A,B,... "
                                "(two levels or more) to get a hierarchy", column="level_1")
    labels: dict[str, tuple[str, ...]] = {}
    for i, row in enumerate(units.itertuples(index=False)):
        cells = tuple(str(getattr(row, c)).strip() for c in levels)
        node = str(getattr(row, key)).strip()
        empty = [c for c, v in zip(levels, cells, strict=True) if not v]
        if not node or empty:
            raise InputError.single(str(units_path), "empty cell", row=i + 2, column=empty[0] if empty else key)
        labels[node] = cells
    # each account's labels: through its unit (a unit design) or directly (an account design)
    acc_labels: dict[str, tuple[str, ...]] = {}
    if key == "unit_id":
        acc_path = folder / DESIGN_ACCOUNTS
        if not acc_path.is_file():
            raise InputError.single(str(acc_path), "is missing: it maps the accounts to the design's units")
        accounts = read_table(acc_path)
        for col in ("account_id", "unit_id"):
            if col not in accounts.columns:
                raise InputError.single(str(acc_path), "column missing", row=1, column=col)
        for i, (aid, uid) in enumerate(zip(accounts["account_id"], accounts["unit_id"], strict=True)):
            uid = str(uid).strip()
            if uid not in labels:
                raise InputError.single(str(acc_path), f"unit {uid!r} is not in {DESIGN_UNITS}", row=i + 2,
                                        column="unit_id")
            acc_labels[str(aid).strip()] = labels[uid]
    else:
        acc_labels = labels
    ids = instance.accounts.ids
    known = [a for a in range(len(ids)) if ids[a] in acc_labels]
    if not known:
        raise InputError.single(str(folder), "the design names none of this instance's accounts: it was made "
                                "on another instance")
    # the level above each level's territory (nested designs: one value); a break is refused
    up: list[dict[str, str]] = [{} for _ in levels]
    for node, cells in labels.items():
        for j in range(1, len(levels)):
            prev = up[j].setdefault(cells[j], cells[j - 1])
            if prev != cells[j - 1]:
                raise InputError.single(str(units_path), f"{levels[j]} {cells[j]} lies in {levels[j - 1]} {prev} and "
                                        f"{cells[j - 1]} (node {node}): the levels are not nested", column=levels[j])
    votes: dict[int, Counter[str]] = {s: Counter() for s in sellers}
    for a in known:
        s = int(owner[a])
        if s in votes:
            votes[s][acc_labels[ids[a]][-1]] += 1
    used: list[set[str]] = [set() for _ in levels]
    seller_label: dict[int, str] = {}
    for s, c in votes.items():
        if c:
            best = max(c.values())
            seller_label[s] = min((lab for lab, n in c.items() if n == best), key=_label_key)
            used[-1].add(seller_label[s])
    for j in range(len(levels) - 1, 0, -1):
        used[j - 1] |= {up[j][lab] for lab in used[j]}
    devname: list[dict[str, str]] = [{} for _ in levels]
    parents = []
    for j, col in enumerate(levels):
        for lab in sorted(used[j], key=_label_key):
            devname[j][lab] = clean_devname(f"Level{j + 1}_{lab}", taken)
            parent = devname[j - 1][up[j][lab]] if j > 0 else ""
            parents.append(Parent(devname[j][lab], f"Level {j + 1} territory {lab}", parent,
                                  f"allocate design: {col} = {lab}"))
    return Tree(tuple(parents), {s: devname[-1][lab] for s, lab in seller_label.items()})


def _label_key(label: str) -> tuple[int, float, str]:
    """Numeric labels in numeric order, before the others."""
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)
