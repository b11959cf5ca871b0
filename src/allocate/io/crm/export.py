"""``allocate export``: an alignment written back in the files a CRM imports.

Ids are written exactly as they were imported (text, never numbers): 15- or 18-character
Salesforce ids and HubSpot numeric ids come back unchanged.

**Salesforce** (Enterprise Territory Management, inserted with Data Loader in this order):

* ``Territory2.csv``: ``DeveloperName, Name, Territory2ModelId, Territory2TypeId,
  ParentTerritory2DeveloperName, Description``; one territory per seller. ``Territory2ModelId``
  and ``Territory2TypeId`` hold placeholders to replace with the ids of your model and type;
* ``UserTerritory2Association.csv``: ``UserId, Territory2DeveloperName, RoleInTerritory2``
  (our role: AE, CSM...; it must be a value of your ``RoleInTerritory2`` picklist);
* ``ObjectTerritory2Association.csv``: ``ObjectId, Territory2DeveloperName,
  AssociationCause`` (always ``Territory2Manual``).
  Data Loader needs ``Territory2Id``: after inserting ``Territory2.csv``, look the new ids up
  by ``DeveloperName`` in its success file. ``allocate import`` reads either column back;
* ``Account_owner_update.csv``: ``Id, OwnerId`` for orgs without territories (an update).

**HubSpot**: ``hubspot_company_owner_update.csv`` (``Record ID, Company name, Company owner``),
for the import tool's *update existing companies* on ``Record ID``; the owner is the user's
e-mail, as HubSpot's import wants it (HubSpot knowledge base, *Set up your import files*), or
the owner id of the owners export when the e-mail is unknown.

**CSV**: ``assignments.csv`` (``account_id, name, seller_id, seller_name, current_seller_id``).

Every export also writes ``changes.csv`` (``account_id, name, from_seller, to_seller, reason``),
a file for spreadsheets whose text cells are neutralized against formulas; the reason is
``manual edit`` (moved by hand in ``allocate serve``), ``group`` (a site that follows its
multi-site group), ``lock`` (held by a lock), ``new`` (no
seller before) or ``model`` (the optimizer moved it).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from allocate.core.instance import Instance
from allocate.core.result import Alignment
from allocate.io.atomic import atomic_write_text, write_csv
from allocate.io.crm.mapping import Source
from allocate.io.crm.names import (
    CHANGES,
    CSV_ASSIGNMENTS,
    HUBSPOT_OWNER_UPDATE,
    SF_OBJECT_TERRITORY,
    SF_OWNER_UPDATE,
    SF_TERRITORY,
    SF_USER_TERRITORY,
)
from allocate.io.runfolder.names import QUOTAS
from allocate.io.runfolder.territories import account_owner

#: What Data Loader needs replaced in ``Territory2.csv``.
MODEL_PLACEHOLDER = "REPLACE_WITH_Territory2ModelId"
TYPE_PLACEHOLDER = "REPLACE_WITH_Territory2TypeId"
MANUAL = "Territory2Manual"
_DEVNAME_MAX = 80


def developer_name(seller_id: str, taken: set[str]) -> str:
    """A Salesforce ``DeveloperName`` for the territory of ``seller_id``, unique in ``taken``.

    Letters, digits and single underscores, starting with a letter, not ending with an
    underscore, at most 80 characters.

    Parameters
    ----------
    seller_id
        The seller's id.
    taken
        Names already used (the new name is added).

    Returns
    -------
    str
        ``T_<id>`` cleaned, with ``_2``, ``_3``... when needed.
    """
    base = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9]", "_", f"T_{seller_id}")).strip("_")
    base = base[: _DEVNAME_MAX - 6].rstrip("_")
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


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


def salesforce_tables(instance: Instance, alignment: Alignment) -> dict[str, pd.DataFrame]:
    """The four Salesforce files of an alignment.

    Parameters
    ----------
    instance
        The instance solved.
    alignment
        Its alignment (an account may sit in several territories in split models).

    Returns
    -------
    dict
        File name → table.
    """
    sel, acc = instance.sellers, instance.accounts
    used = sorted({int(s) for s in alignment.seller if s >= 0})
    taken: set[str] = set()
    dev = {s: developer_name(sel.ids[s], taken) for s in used}
    territory = pd.DataFrame({
        "DeveloperName": [dev[s] for s in used],
        "Name": [f"{sel.names[s] or sel.ids[s]}" for s in used],
        "Territory2ModelId": MODEL_PLACEHOLDER,
        "Territory2TypeId": TYPE_PLACEHOLDER,
        "ParentTerritory2DeveloperName": "",
        "Description": [f"allocate {alignment.model}: {sel.role[s]} {sel.ids[s]}" for s in used],
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
    return {SF_TERRITORY: territory, SF_USER_TERRITORY: users, SF_OBJECT_TERRITORY: objects,
            SF_OWNER_UPDATE: owners}


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
    df = pd.DataFrame({"Record ID": [acc.ids[a] for a in has], "Company name": [acc.names[a] for a in has],
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
    source: Source, instance: Instance, alignment: Alignment, emails: tuple[str, ...] | None = None
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

    Returns
    -------
    dict
        File name → table.
    """
    if source == Source.HUBSPOT:
        return hubspot_tables(instance, alignment, emails)
    if source == Source.SALESFORCE:
        return salesforce_tables(instance, alignment)
    return csv_tables(instance, alignment)


def write_export(
    out: Path,
    source: Source,
    instance: Instance,
    alignment: Alignment,
    quotas: pd.DataFrame | None = None,
    emails: tuple[str, ...] | None = None,
    edited: frozenset[int] = frozenset(),
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

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in export_tables(source, instance, alignment, emails).items():
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
