"""The file names that ``allocate import`` and ``allocate export`` write (spelled only here).

The Salesforce names are the objects that Data Loader inserts (Enterprise Territory
Management: ``Territory2``, ``UserTerritory2Association``, ``ObjectTerritory2Association``);
see the Salesforce Object Reference.
"""

from __future__ import annotations

#: The import's report: one row per input row, then a summary row.
IMPORT_REPORT = "import_report.csv"
#: The instance files that an import writes.
ACCOUNTS = "accounts.csv"
SELLERS = "sellers.csv"
NOMENCLATURE = "nomenclature.yaml"
UNITS_STEM = "units"
#: Salesforce ETM and owner files (Data Loader inserts/updates).
SF_TERRITORY = "Territory2.csv"
SF_USER_TERRITORY = "UserTerritory2Association.csv"
SF_OBJECT_TERRITORY = "ObjectTerritory2Association.csv"
SF_OWNER_UPDATE = "Account_owner_update.csv"
#: The parents of a hierarchy by id (an update), written with ``--territory-ids``.
SF_PARENT_UPDATE = "Territory2_parent_update.csv"
#: HubSpot company owner update (import tool, companies, matched on Record ID).
HUBSPOT_OWNER_UPDATE = "hubspot_company_owner_update.csv"
#: Generic CSV: one row per account and its new seller.
CSV_ASSIGNMENTS = "assignments.csv"
#: Every export: the change log (for spreadsheets: formulas neutralized). The quotas keep the
#: run folder's name (:data:`allocate.io.runfolder.names.QUOTAS`).
CHANGES = "changes.csv"
