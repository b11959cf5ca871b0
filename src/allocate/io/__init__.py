"""Reading and writing instance folders and run outputs."""

from allocate.io.instance import check_instance, read_instance, read_nomenclature
from allocate.io.tables import read_table

__all__ = ["check_instance", "read_instance", "read_nomenclature", "read_table"]
