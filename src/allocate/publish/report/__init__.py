"""Static HTML reports (inline SVG charts, embedded maps) and the ``maps/index.html`` gallery."""

from allocate.publish.report.build import kpi_table, write_report
from allocate.publish.report.gallery import update_index

__all__ = ["kpi_table", "update_index", "write_report"]
