"""Static HTML reports (inline SVG charts, embedded maps) and the gallery page of a maps folder."""

from allocate.publish.report.build import kpi_table, write_report
from allocate.publish.report.design import write_design_report
from allocate.publish.report.gallery import INDEX_PAGE, update_index

__all__ = ["INDEX_PAGE", "kpi_table", "update_index", "write_design_report", "write_report"]
