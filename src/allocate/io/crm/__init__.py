"""CRM exports in and out: Salesforce, HubSpot and generic CSV (``allocate import`` / ``export``).

* :mod:`~.mapping`: the built-in column mappings and ``mapping.yaml``;
* :mod:`~.sources`: reading the files and recognising each one's kind;
* :mod:`~.geocode`: offline geocoding (units file, US ZIP codes, towns);
* :mod:`~.regions`: region names and codes (France, US) → the admin-1 codes of the towns;
* :mod:`~.derive`: segment, stage, role, owner and group derivations;
* :mod:`~.build`: the accounts and sellers tables and the import report;
* :mod:`~.importer`: the whole import, checked before written;
* :mod:`~.export`: the Salesforce ETM, HubSpot and CSV files and the change log;
* :mod:`~.hierarchy`: the parent territories of a Salesforce export (role, team, design levels);
* :mod:`~.territory_ids`: the org's ``Territory2`` ids (a Data Loader export) for the export;
* :mod:`~.extras`: the extra columns of an import (won revenue, e-mails, teams);
* :mod:`~.names`: the file names written.
"""

from allocate.io.crm.export import change_log, export_tables, write_export
from allocate.io.crm.extras import read_history, read_seller_emails
from allocate.io.crm.geocode import Geocoder, Place
from allocate.io.crm.importer import import_export, prepare_import, report_frame, write_import
from allocate.io.crm.mapping import Mapping, Source, read_mapping

__all__ = [
    "Geocoder",
    "Mapping",
    "Place",
    "Source",
    "change_log",
    "export_tables",
    "import_export",
    "prepare_import",
    "read_history",
    "read_mapping",
    "read_seller_emails",
    "report_frame",
    "write_export",
    "write_import",
]
