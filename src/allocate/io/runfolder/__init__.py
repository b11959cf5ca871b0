"""Run folders: the one package that names, writes and reads the files of a run.

Every file name is spelled once, in :mod:`~allocate.io.runfolder.names`; the other modules,
one per kind of folder, write and read them. The layout of each kind of folder:

* a **solve** (``allocate solve``, one model of ``compare``, one batch scenario;
  :mod:`~allocate.io.runfolder.solve`, read back by :mod:`~allocate.io.runfolder.run`)::

      RUN/ALIGNMENT       account_id, seller_id (+ product_line or role when items are split)
      RUN/KPIS            status, objective, best bound, gap, wall time, per-seller KPIs, totals
      RUN/SELLERS_KPIS    one row per seller
      RUN/TERRITORIES     one polygon per seller, with its KPIs (:mod:`~.territories`)
      RUN/QUOTAS          one quota per seller, when the scenario has ``quota``
      RUN/EDITS           a version saved by ``allocate serve``: the hand edits

  a model without an alignment leaves ``RUN/INFEASIBLE`` or ``RUN/ERROR`` instead
  (:func:`write_failure`); :data:`KPIS` is read and merged by :mod:`~.kpis`;
* a **schedule** (``allocate schedule``; :mod:`~allocate.io.runfolder.plan`) adds to a run
  folder::

      RUN/SCHEDULE  RUN/LOAD  RUN/UNSCHEDULED  RUN/FUNNEL    and merges its keys into RUN/KPIS

* a **comparison** (``allocate compare``; :mod:`~allocate.io.runfolder.comparison`)::

      OUT/COMPARISON_CSV  OUT/COMPARISON_MD  OUT/COMPARISON_HTML
      OUT/<model>/        one run folder per model

* a **batch** (``allocate batch``; :mod:`~allocate.io.runfolder.batch`)::

      OUT/BATCH_PLAN                      the expanded grid
      OUT/BATCH_INDEX                     one row per finished scenario
      OUT/<scenario_id>/                  a run folder, complete once it holds DONE
      OUT/TMP_PREFIX<scenario_id>-<uid>/  a scenario being written (never read)

* a **design** (``allocate design``; :mod:`~allocate.io.runfolder.design`)::

      OUT/DESIGN_UNITS        unit_id, territory, is_centre
      OUT/DESIGN_ACCOUNTS     account_id, unit_id, territory (+ seller_id when staffed)
      OUT/DESIGN_TERRITORIES  one row per territory: totals, deviations, compactness, centre, seller
      OUT/DESIGN_LEVELS       with --levels: one row per territory of every level (KPIs per level)
      OUT/DESIGN              status, objective, checker verdicts, instance_dir, settings

  read back by :func:`read_design` (``map`` and ``report`` of a design folder);

* a **sizing** (``allocate size --out``; :mod:`~allocate.io.runfolder.sizing`)::

      OUT/<table>.csv     one per table (:func:`sizing_table`)
      OUT/SIZING          the summary

Every file is written atomically (:mod:`allocate.io.atomic`). A command checks its output path
before any work and writes a folder as one unit, built beside it and swapped in
(:mod:`~allocate.io.runfolder.target`), while holding the folder's lock
(:mod:`~allocate.io.runfolder.lock`). The library's :func:`write_run` (and
:func:`allocate.compare` with ``out``) do the same; :func:`write_run_files` writes into a folder
that its caller stages. The public names below are this package's API: importers
write ``from allocate.io.runfolder import X``.
"""

from typing import TYPE_CHECKING

from allocate.core.lazy import lazy_attributes

if TYPE_CHECKING:  # the names as the type checkers see them; at run time each loads on first use
    from allocate.io.runfolder.batch import (
        new_scenario_tmp,
        read_done,
        scenario_temporaries,
        write_batch_index,
        write_batch_plan,
        write_done,
    )
    from allocate.io.runfolder.comparison import write_comparison_files
    from allocate.io.runfolder.design import (
        DesignRun,
        is_design_folder,
        read_design,
        read_design_summary,
        write_design,
    )
    from allocate.io.runfolder.kpis import Kpis, merge_kpis, read_kpis
    from allocate.io.runfolder.lock import folder_lock, lock_path
    from allocate.io.runfolder.names import (
        ALIGNMENT,
        BATCH_INDEX,
        BATCH_PLAN,
        COMPARISON_CSV,
        COMPARISON_HTML,
        COMPARISON_MD,
        DESIGN,
        DESIGN_ACCOUNTS,
        DESIGN_LEVELS,
        DESIGN_TERRITORIES,
        DESIGN_UNITS,
        DONE,
        EDITS,
        ERROR,
        FUNNEL,
        INFEASIBLE,
        KPIS,
        LOAD,
        QUOTAS,
        SCHEDULE,
        SELLERS_KPIS,
        SIZING,
        TERRITORIES,
        TMP_PREFIX,
        UNSCHEDULED,
        sizing_table,
    )
    from allocate.io.runfolder.plan import read_plan_table, write_plan_files
    from allocate.io.runfolder.run import (
        RunData,
        read_alignment,
        read_run,
        read_seller_kpis,
        recorded_instance_dir,
        resolve_instance_dir,
    )
    from allocate.io.runfolder.sizing import write_sizing
    from allocate.io.runfolder.solve import (
        alignment_frame,
        write_failure,
        write_run,
        write_run_files,
    )
    from allocate.io.runfolder.target import check_out_dir, check_out_file, writing
    from allocate.io.runfolder.territories import account_owner, territories_geojson

_EXPORTS = {
    "ALIGNMENT": "allocate.io.runfolder.names",
    "BATCH_INDEX": "allocate.io.runfolder.names",
    "BATCH_PLAN": "allocate.io.runfolder.names",
    "COMPARISON_CSV": "allocate.io.runfolder.names",
    "COMPARISON_HTML": "allocate.io.runfolder.names",
    "COMPARISON_MD": "allocate.io.runfolder.names",
    "DESIGN": "allocate.io.runfolder.names",
    "DESIGN_ACCOUNTS": "allocate.io.runfolder.names",
    "DESIGN_LEVELS": "allocate.io.runfolder.names",
    "DESIGN_TERRITORIES": "allocate.io.runfolder.names",
    "DESIGN_UNITS": "allocate.io.runfolder.names",
    "DONE": "allocate.io.runfolder.names",
    "DesignRun": "allocate.io.runfolder.design",
    "EDITS": "allocate.io.runfolder.names",
    "ERROR": "allocate.io.runfolder.names",
    "FUNNEL": "allocate.io.runfolder.names",
    "INFEASIBLE": "allocate.io.runfolder.names",
    "KPIS": "allocate.io.runfolder.names",
    "Kpis": "allocate.io.runfolder.kpis",
    "LOAD": "allocate.io.runfolder.names",
    "QUOTAS": "allocate.io.runfolder.names",
    "RunData": "allocate.io.runfolder.run",
    "SCHEDULE": "allocate.io.runfolder.names",
    "SELLERS_KPIS": "allocate.io.runfolder.names",
    "SIZING": "allocate.io.runfolder.names",
    "TERRITORIES": "allocate.io.runfolder.names",
    "TMP_PREFIX": "allocate.io.runfolder.names",
    "UNSCHEDULED": "allocate.io.runfolder.names",
    "account_owner": "allocate.io.runfolder.territories",
    "alignment_frame": "allocate.io.runfolder.solve",
    "check_out_dir": "allocate.io.runfolder.target",
    "check_out_file": "allocate.io.runfolder.target",
    "folder_lock": "allocate.io.runfolder.lock",
    "is_design_folder": "allocate.io.runfolder.design",
    "lock_path": "allocate.io.runfolder.lock",
    "merge_kpis": "allocate.io.runfolder.kpis",
    "new_scenario_tmp": "allocate.io.runfolder.batch",
    "read_alignment": "allocate.io.runfolder.run",
    "read_design": "allocate.io.runfolder.design",
    "read_design_summary": "allocate.io.runfolder.design",
    "read_done": "allocate.io.runfolder.batch",
    "read_kpis": "allocate.io.runfolder.kpis",
    "read_plan_table": "allocate.io.runfolder.plan",
    "read_run": "allocate.io.runfolder.run",
    "read_seller_kpis": "allocate.io.runfolder.run",
    "recorded_instance_dir": "allocate.io.runfolder.run",
    "resolve_instance_dir": "allocate.io.runfolder.run",
    "scenario_temporaries": "allocate.io.runfolder.batch",
    "sizing_table": "allocate.io.runfolder.names",
    "territories_geojson": "allocate.io.runfolder.territories",
    "write_batch_index": "allocate.io.runfolder.batch",
    "write_batch_plan": "allocate.io.runfolder.batch",
    "write_comparison_files": "allocate.io.runfolder.comparison",
    "write_design": "allocate.io.runfolder.design",
    "write_done": "allocate.io.runfolder.batch",
    "write_failure": "allocate.io.runfolder.solve",
    "write_plan_files": "allocate.io.runfolder.plan",
    "write_run": "allocate.io.runfolder.solve",
    "write_run_files": "allocate.io.runfolder.solve",
    "write_sizing": "allocate.io.runfolder.sizing",
    "writing": "allocate.io.runfolder.target",
}
__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)

__all__ = [
    "ALIGNMENT",
    "BATCH_INDEX",
    "BATCH_PLAN",
    "COMPARISON_CSV",
    "COMPARISON_HTML",
    "COMPARISON_MD",
    "DESIGN",
    "DESIGN_ACCOUNTS",
    "DESIGN_LEVELS",
    "DESIGN_TERRITORIES",
    "DESIGN_UNITS",
    "DONE",
    "EDITS",
    "ERROR",
    "FUNNEL",
    "INFEASIBLE",
    "KPIS",
    "LOAD",
    "QUOTAS",
    "SCHEDULE",
    "SELLERS_KPIS",
    "SIZING",
    "TERRITORIES",
    "TMP_PREFIX",
    "UNSCHEDULED",
    "Kpis",
    "RunData",
    "account_owner",
    "alignment_frame",
    "check_out_dir",
    "check_out_file",
    "folder_lock",
    "lock_path",
    "merge_kpis",
    "new_scenario_tmp",
    "read_alignment",
    "read_done",
    "read_kpis",
    "read_plan_table",
    "read_run",
    "read_seller_kpis",
    "recorded_instance_dir",
    "resolve_instance_dir",
    "scenario_temporaries",
    "sizing_table",
    "territories_geojson",
    "write_batch_index",
    "write_batch_plan",
    "write_comparison_files",
    "write_design",
    "DesignRun",
    "is_design_folder",
    "read_design",
    "read_design_summary",
    "write_done",
    "write_failure",
    "write_plan_files",
    "write_run",
    "write_run_files",
    "write_sizing",
    "writing",
]
