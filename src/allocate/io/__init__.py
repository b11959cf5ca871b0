"""Reading and writing instance folders and run outputs."""

from typing import TYPE_CHECKING

from allocate.core.lazy import lazy_attributes

if TYPE_CHECKING:  # the names as the type checkers see them; at run time each loads on first use
    from allocate.io.instance import check_instance, read_instance, read_nomenclature
    from allocate.io.tables import read_table

_EXPORTS = {
    "check_instance": "allocate.io.instance",
    "read_instance": "allocate.io.instance",
    "read_nomenclature": "allocate.io.instance",
    "read_table": "allocate.io.tables",
}
__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)

__all__ = ["check_instance", "read_instance", "read_nomenclature", "read_table"]
