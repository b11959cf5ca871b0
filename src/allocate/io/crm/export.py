"""``allocate export``: an alignment written back in the files a CRM imports.

Ids are written exactly as they were imported (text, never numbers): 15- or 18-character
Salesforce ids and HubSpot numeric ids come back unchanged.

**Salesforce** (Enterprise Territory Management, inserted with Data Loader in this order):

* ``Territory2.csv``: ``DeveloperName, Name, Territory2ModelId, Territory2TypeId,
  ParentTerritory2DeveloperName, Description``; one territory per seller, under the parents of
  the hierarchy chosen (:mod:`allocate.io.crm.hierarchy`: none, per role, per team or the
  levels of ``allocate design --levels``), parents first (Data Loader inserts in file order).
  ``Territory2ModelId`` and ``Territory2TypeId`` hold placeholders to replace with the ids of
  your model and type;
* ``UserTerritory2Association.csv``: ``UserId, Territory2DeveloperName, RoleInTerritory2``
  (our role: AE, CSM...; it must be a value of your ``RoleInTerritory2`` picklist);
* ``ObjectTerritory2Association.csv``: ``ObjectId, Territory2DeveloperName,
  AssociationCause`` (always ``Territory2Manual``);
* ``Account_owner_update.csv``: ``Id, OwnerId`` for orgs without territories (an update).

Data Loader needs ``Territory2Id`` in the association files and ``ParentTerritory2Id`` for a
parent: ids that exist once ``Territory2.csv`` is inserted. Given the org's ``Territory2`` ids
(``--territory-ids``, :mod:`allocate.io.crm.territory_ids`), both association files get a
``Territory2Id`` column and ``Territory2_parent_update.csv`` (``Id, ParentTerritory2Id``) sets
the parents. ``allocate import`` reads either column back.

**HubSpot**: ``hubspot_company_owner_update.csv`` (``Record ID, Company name, Company owner``),
for the import tool's *update existing companies* on ``Record ID``; the owner is the user's
e-mail, as HubSpot's import wants it (HubSpot knowledge base, *Set up your import files*), or
the owner id of the owners export when the e-mail is unknown.

The files for the CRM give names as the CRM has them: the apostrophe that the instance's CSV
files put before a name starting like a formula (``'@Home``) is taken off again (``@Home``).

**CSV**: ``assignments.csv`` (``account_id, name, seller_id, seller_name, current_seller_id``).

Every export also writes ``changes.csv`` (``account_id, name, from_seller, to_seller, reason``),
a file for spreadsheets whose text cells are neutralized against formulas; the reason is
``manual edit`` (moved by hand in ``allocate serve``), ``group`` (a site that follows its
multi-site group), ``lock`` (held by a lock), ``new`` (no
seller before) or ``model`` (the optimizer moved it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from allocate.core.instance import Instance
from allocate.core.result import Alignment
from allocate.io.atomic import atomic_write_text, restore_cell, write_csv
from allocate.io.crm.hierarchy import Tree, clean_devname
from allocate.io.crm.mapping import Source
from allocate.io.crm.names import (
    CHANGES,
    CSV_ASSIGNMENTS,
    HUBSPOT_OWNER_UPDATE,
    SF_OBJECT_TERRITORY,
    SF_OWNER_UPDATE,
    SF_PARENT_UPDATE,
    SF_TERRITORY,
    SF_USER_TERRITORY,
)
from allocate.io.runfolder.names import QUOTAS
from allocate.io.runfolder.territories import account_owner

#: What Data Loader needs replaced in ``Territory2.csv``.
MODEL_PLACEHOLDER = "REPLACE_WITH_Territory2ModelId"
TYPE_PLACEHOLDER = "REPLACE_WITH_Territory2TypeId"
MANUAL = "Territory2Manual"


def developer_name(seller_id: str, taken: set[str]) -> str:
    """A Salesforce ``DeveloperName`` for the territory of ``seller_id``, unique in ``taken``.

    Letters, digits and single underscores, starting with a letter, not ending with an
    underscore, at most 80 characters.

    Parameters
    ----------
    seller_id
        The seller's id.
    taken
        Names already used, case-folded (the new name is added).

    Returns
    -------
    str
        ``T_<id>`` cleaned, with ``_2``, ``_3``... when needed.
    """
    return clean_devname(f"T_{seller_id}", taken)


def change_log(
    instance: Instance, owner: np.ndarray, edited: frozenset[int] = frozenset()
) -> pd.DataFrame:
    """The accounts whose seller changes, with the reason.

    Parameters
    ----------
    instance
        The instance (today's sellers, groups, locks).
    owner
        The new seller of each account (``-1``: none).
    edited
        The accounts that a person moved by hand to the seller they now have (a version saved
        by ``allocate serve``): their reason is ``manual edit``.

    Returns
    -------
    pandas.DataFrame
        ``account_id, name, from_seller, to_seller, reason``.
    """
    acc, sid = instance.accounts, instance.sellers.ids
    rows = []
    moved_groups = {int(acc.group[a]) for a in range(len(acc))
                    if acc.group[a] >= 0 and owner[a] != acc.current_seller[a]}
    for a in range(len(acc)):
        cur, new = int(acc.current_seller[a]), int(owner[a])
        if cur == new:
            continue
        if a in edited:
            reason = "manual edit"
        elif acc.locked[a]:
            reason = "lock"
        elif cur < 0:
            reason = "new"
        elif acc.group[a] >= 0 and int(acc.group[a]) in moved_groups:
            reason = "group"
        else:
            reason = "model"
        rows.append({"account_id": acc.ids[a], "name": acc.names[a],
                     "from_seller": sid[cur] if cur >= 0 else "",
                     "to_seller": sid[new] if new >= 0 else "", "reason": reason})
    return pd.DataFrame(rows, columns=["account_id", "name", "from_seller", "to_seller", "reason"])


def salesforce_tables(
    instance: Instance,
    alignment: Alignment,
    tree: Tree | None = None,
    territory_ids: dict[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The Salesforce files of an alignment.

    Parameters
    ----------
    instance
        The instance solved.
    alignment
        Its alignment (an account may sit in several territories in split models).
    tree
        The parent territories (:func:`allocate.io.crm.hierarchy.build_tree`); ``None``: none.
        Its DeveloperNames must not be those of the sellers' territories (``T_...``).
    territory_ids
        DeveloperName → ``Territory2`` id of the org, for every territory written
        (:func:`allocate.io.crm.territory_ids.territory_id_of`), or ``None``.

    Returns
    -------
    dict
        File name → table: the four files, and the parent update with ``territory_ids`` and a
        hierarchy.
    """
    sel, acc = instance.sellers, instance.accounts
    tree = tree or Tree((), {})
    used = sorted({int(s) for s in alignment.seller if s >= 0})
    taken = {p.developer_name.casefold() for p in tree.parents}
    dev = {s: developer_name(sel.ids[s], taken) for s in used}
    rows = [(p.developer_name, p.name, p.parent, p.description) for p in tree.parents]
    rows += [(dev[s], restore_cell(sel.names[s] or sel.ids[s]), tree.seller_parent.get(s, ""),
              f"allocate {alignment.model}: {sel.role[s]} {sel.ids[s]}") for s in used]
    territory = pd.DataFrame({
        "DeveloperName": [r[0] for r in rows],
        "Name": [r[1] for r in rows],
        "Territory2ModelId": MODEL_PLACEHOLDER,
        "Territory2TypeId": TYPE_PLACEHOLDER,
        "ParentTerritory2DeveloperName": [r[2] for r in rows],
        "Description": [r[3] for r in rows],
    }, columns=["DeveloperName", "Name", "Territory2ModelId", "Territory2TypeId",
                "ParentTerritory2DeveloperName", "Description"])
    users = pd.DataFrame({
        "UserId": [sel.ids[s] for s in used],
        "Territory2DeveloperName": [dev[s] for s in used],
        "RoleInTerritory2": [sel.role[s] for s in used],
    }, columns=["UserId", "Territory2DeveloperName", "RoleInTerritory2"])
    pairs = list(dict.fromkeys((int(a), int(s)) for a, s in zip(alignment.account, alignment.seller, strict=True)
                               if s >= 0))
    objects = pd.DataFrame({
        "ObjectId": [acc.ids[a] for a, _ in pairs],
        "Territory2DeveloperName": [dev[s] for _, s in pairs],
        "AssociationCause": MANUAL,
    }, columns=["ObjectId", "Territory2DeveloperName", "AssociationCause"])
    owner = account_owner(instance, alignment)
    has = np.flatnonzero(owner >= 0)
    owners = pd.DataFrame({"Id": [acc.ids[a] for a in has], "OwnerId": [sel.ids[owner[a]] for a in has]},
                          columns=["Id", "OwnerId"])
    out = {SF_TERRITORY: territory, SF_USER_TERRITORY: users, SF_OBJECT_TERRITORY: objects,
           SF_OWNER_UPDATE: owners}
    if territory_ids is not None:
        for df in (users, objects):
            df.insert(1, "Territory2Id", [territory_ids[d] for d in df["Territory2DeveloperName"]])
        child = territory[territory["ParentTerritory2DeveloperName"] != ""]
        out[SF_PARENT_UPDATE] = pd.DataFrame({
            "Id": [territory_ids[d] for d in child["DeveloperName"]],
            "ParentTerritory2Id": [territory_ids[d] for d in child["ParentTerritory2DeveloperName"]],
        }, columns=["Id", "ParentTerritory2Id"])
    return out


def territory_names(instance: Instance, alignment: Alignment, tree: Tree | None = None) -> list[str]:
    """The DeveloperNames of every territory :func:`salesforce_tables` writes, parents first.

    Parameters
    ----------
    instance, alignment, tree
        As :func:`salesforce_tables`.

    Returns
    -------
    list of str
        The ``DeveloperName`` column of ``Territory2.csv``.
    """
    return list(salesforce_tables(instance, alignment, tree)[SF_TERRITORY]["DeveloperName"])


def hubspot_tables(
    instance: Instance, alignment: Alignment, emails: tuple[str, ...] | None = None
) -> dict[str, pd.DataFrame]:
    """The HubSpot company owner update.

    Parameters
    ----------
    instance, alignment
        The instance and its alignment.
    emails
        Each seller's e-mail (``""``: unknown), or ``None``: the owner ids are written.

    Returns
    -------
    dict
        File name → table (``Record ID, Company name, Company owner``).
    """
    acc, sel = instance.accounts, instance.sellers
    owner = account_owner(instance, alignment)
    has = np.flatnonzero(owner >= 0)
    who = [(emails[s] if emails and emails[s] else sel.ids[s]) for s in range(len(sel))]
    df = pd.DataFrame({"Record ID": [acc.ids[a] for a in has], "Company name": [restore_cell(acc.names[a]) for a in has],
                       "Company owner": [who[owner[a]] for a in has]},
                      columns=["Record ID", "Company name", "Company owner"])
    return {HUBSPOT_OWNER_UPDATE: df}


def csv_tables(instance: Instance, alignment: Alignment) -> dict[str, pd.DataFrame]:
    """The generic assignment table.

    Parameters
    ----------
    instance, alignment
        The instance and its alignment.

    Returns
    -------
    dict
        File name → table (one row per account).
    """
    acc, sel = instance.accounts, instance.sellers
    owner = account_owner(instance, alignment)
    df = pd.DataFrame({
        "account_id": list(acc.ids), "name": list(acc.names),
        "seller_id": [sel.ids[s] if s >= 0 else "" for s in owner],
        "seller_name": [sel.names[s] if s >= 0 else "" for s in owner],
        "current_seller_id": [sel.ids[s] if s >= 0 else "" for s in acc.current_seller],
    })
    return {CSV_ASSIGNMENTS: df}


def export_tables(
    source: Source,
    instance: Instance,
    alignment: Alignment,
    emails: tuple[str, ...] | None = None,
    tree: Tree | None = None,
    territory_ids: dict[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The CRM files of ``source`` for an alignment (without the change log).

    Parameters
    ----------
    source
        The CRM.
    instance, alignment
        The instance and its alignment.
    emails
        Each seller's e-mail, for HubSpot.
    tree, territory_ids
        The hierarchy and the org's territory ids, for Salesforce (see :func:`salesforce_tables`).

    Returns
    -------
    dict
        File name → table.
    """
    if source == Source.HUBSPOT:
        return hubspot_tables(instance, alignment, emails)
    if source == Source.SALESFORCE:
        return salesforce_tables(instance, alignment, tree, territory_ids)
    return csv_tables(instance, alignment)


def write_export(
    out: Path,
    source: Source,
    instance: Instance,
    alignment: Alignment,
    quotas: pd.DataFrame | None = None,
    emails: tuple[str, ...] | None = None,
    edited: frozenset[int] = frozenset(),
    tree: Tree | None = None,
    territory_ids: dict[str, str] | None = None,
) -> list[Path]:
    """Write the CRM files, the change log and the quotas into ``out`` (each atomically).

    The CRM files are written as is (they are for Data Loader and the HubSpot import, not for
    spreadsheets); ``changes.csv`` and the quotas are neutralized against formulas.

    Parameters
    ----------
    out
        The folder (created).
    source
        The CRM.
    instance, alignment
        The instance and its alignment.
    quotas
        The seller quotas (:func:`allocate.sizing.quota.seller_quotas`), or ``None``.
    emails
        Each seller's e-mail (:func:`allocate.io.crm.extras.read_seller_emails`), for HubSpot.
    edited
        The accounts moved by hand (see :func:`change_log`).
    tree, territory_ids
        The hierarchy and the org's territory ids, for Salesforce (see :func:`salesforce_tables`).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in export_tables(source, instance, alignment, emails, tree, territory_ids).items():
        p = out / name
        atomic_write_text(p, df.to_csv(index=False, lineterminator="\n"))
        written.append(p)
    p = out / CHANGES
    write_csv(p, change_log(instance, account_owner(instance, alignment), edited))
    written.append(p)
    if quotas is not None:
        p = out / QUOTAS
        write_csv(p, quotas)
        written.append(p)
    return written
