"""Static HTML reports (inline SVG charts, embedded maps) and the ``maps/index.html`` gallery."""

from .build import kpi_table, write_report
from .gallery import update_index

__all__ = ["kpi_table", "update_index", "write_report"]
