"""CLI commands ``import`` and ``export``: CRM exports in, CRM update files out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from allocate.cli.app import console, run_guarded
from allocate.core.errors import InputError, unknown_choice


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``export`` to ``app``.

    Parameters
    ----------
    app
        The Typer application of :mod:`allocate.cli`.
    """
    app.command("import")(import_)
    app.command("export")(export)


def _source(value: str, option: str):  # -> allocate.io.crm.Source
    from allocate.io.crm import Source

    try:
        return Source(value.lower())
    except ValueError:
        raise InputError.single(option, unknown_choice("source", value, [s.value for s in Source])) from None


def import_(
    files: Annotated[list[Path], typer.Argument(help="The export's files: accounts, users, and optionally "
                                                     "opportunities and territory associations")],
    from_: Annotated[str, typer.Option("--from", help="salesforce|hubspot|csv")] = "salesforce",
    mapping: Annotated[Path | None, typer.Option(help="mapping.yaml laid over the source's mapping")] = None,
    nomenclature: Annotated[Path | None, typer.Option(help="nomenclature.yaml (default: built-in)")] = None,
    units: Annotated[Path | None, typer.Option(help="Units file whose unit_id is a postcode")] = None,
    out: Annotated[Path, typer.Option(help="Instance folder to write")] = Path("instance"),
) -> None:
    """Turn a CRM export into an instance folder, saying for each input row what was done."""

    def go() -> None:
        from allocate.io.crm import import_export
        from allocate.io.crm.names import IMPORT_REPORT
        from allocate.io.runfolder import check_out_dir

        source = _source(from_, "--from")
        # before any reading: an instance folder of an earlier import may be replaced, no other
        check_out_dir(out, markers=(IMPORT_REPORT,), inputs=[*files, mapping, nomenclature, units])
        result = import_export(out, source, files, mapping, nomenclature, units)
        console.print(result.summary(), highlight=False)
        console.print(f"wrote {out} ({len(result.accounts)} accounts, {len(result.sellers)} sellers) "
                      f"and {out / IMPORT_REPORT}", highlight=False)

    run_guarded(go)


def _edited(run_dir: Path, inst: Any, owner: Any) -> frozenset[int]:
    """The accounts of a version saved by ``allocate serve`` that were moved by hand to the
    seller they have in it (the last edit of each account counts)."""
    from allocate.io.runfolder import EDITS
    from allocate.serve.edits import read_edits

    if not (run_dir / EDITS).is_file():
        return frozenset()
    last = {e.account: e.to_seller for e in read_edits(run_dir / EDITS, inst) if e.moved}
    return frozenset(a for a, s in last.items() if s >= 0 and int(owner[a]) == s)


def export(
    run_dir: Annotated[Path, typer.Argument(help="Run folder of allocate solve")],
    to: Annotated[str, typer.Option("--to", help="salesforce|hubspot|csv")] = "salesforce",
    instance: Annotated[Path | None, typer.Option(help="Instance folder (default: the one the run recorded)")] = None,
    scenario: Annotated[Path | None, typer.Option(help="Scenario YAML with a quota section "
                                                       "(default: the run's scenario)")] = None,
    hierarchy: Annotated[str, typer.Option(help="Salesforce parent territories: flat|role|team|design")] = "flat",
    design: Annotated[Path | None, typer.Option(help="Folder of allocate design --levels: its levels are the "
                                                     "parents (implies --hierarchy design)")] = None,
    territory_ids: Annotated[Path | None, typer.Option("--territory-ids", help="Data Loader export of Territory2 "
                                                       "(Id, DeveloperName): fills Territory2Id")] = None,
    accept_breaches: Annotated[bool, typer.Option("--accept-breaches", help="Export an alignment that breaks "
                                                  "hard rules (a version saved by allocate serve with breaches)")] = False,
    out: Annotated[Path, typer.Option(help="Folder to write")] = Path("export"),
) -> None:
    """Write an alignment back as CRM files (Salesforce ETM, HubSpot owners, CSV), a change log and quotas."""

    def go() -> None:
        from allocate.core.scenario import Scenario
        from allocate.io import read_instance
        from allocate.io.crm import read_history, read_seller_emails, write_export
        from allocate.io.crm.export import territory_names
        from allocate.io.crm.extras import read_seller_teams
        from allocate.io.crm.hierarchy import Hierarchy, build_tree
        from allocate.io.crm.names import CHANGES
        from allocate.io.crm.territory_ids import read_territory_ids, territory_id_of
        from allocate.io.runfolder import (
            KPIS,
            account_owner,
            check_out_dir,
            read_alignment,
            read_kpis,
            resolve_instance_dir,
            writing,
        )
        from allocate.io.runfolder.names import ALIGNMENT
        from allocate.io.scenario import read_scenario
        from allocate.io.tables import find_table
        from allocate.sizing.quota import seller_quotas

        source = _source(to, "--to")
        kind = _hierarchy(hierarchy, design)
        if source.value != "salesforce" and (kind != Hierarchy.FLAT or territory_ids is not None):
            raise InputError.single("--to", f"--hierarchy, --design and --territory-ids are for Salesforce, "
                                    f"not {source.value}")
        # an export folder holds changes.csv: it may be replaced, a folder of other files may not
        check_out_dir(out, markers=(CHANGES,), inputs=[run_dir, instance, scenario, design, territory_ids])
        folder = resolve_instance_dir(run_dir, instance)
        inst = read_instance(folder)
        alignment = read_alignment(Path(run_dir) / ALIGNMENT, inst)
        if scenario is not None:
            sc, where = read_scenario(scenario), str(scenario)
        else:
            sc, where = Scenario.model_validate(read_kpis(Path(run_dir)).get("scenario") or {}), str(Path(run_dir) / KPIS)
        # a version saved by allocate serve that breaks hard rules (status unknown, the checker's
        # breaches in its kpis.json) is not pushed into the CRM unless the user says so; the
        # verdict is the one recorded with the run, as its locks and today's sellers may come
        # from the editor's journal or from --from
        recorded = read_kpis(Path(run_dir))
        breaches = [str(b) for b in recorded.get("breaches") or []]
        if recorded.get("status") == "unknown" and not breaches:
            breaches = ["the run's status is unknown (no valid solution)"]
        if breaches and not accept_breaches:
            raise InputError.single(
                str(Path(run_dir) / ALIGNMENT),
                f"the alignment breaks {len(breaches)} hard rule(s), first: {breaches[0]}; "
                "fix it, or pass --accept-breaches to export it anyway",
            )
        owner = account_owner(inst, alignment)
        quotas = None
        if sc.quota is not None:
            quotas = seller_quotas(inst, owner, sc.quota, read_history(folder, inst), source=where)
        used = sorted({int(s) for s in alignment.seller if s >= 0})
        tree = build_tree(kind, inst, owner, used, set(), teams=read_seller_teams(folder, inst), design=design,
                          teams_source=str(find_table(Path(folder), "sellers")))
        ids = None
        if territory_ids is not None:
            ids = territory_id_of(read_territory_ids(territory_ids), territory_names(inst, alignment, tree),
                                  territory_ids)
        with writing(out) as tmp:  # one unit: the previous export or this one
            written = write_export(
                tmp, source, inst, alignment, quotas, read_seller_emails(folder, inst),
                _edited(Path(run_dir), inst, owner), tree, ids,
            )
        console.print(f"wrote {', '.join(p.name for p in written)} to {out}", highlight=False)
        if breaches:
            console.print(f"warning: exported with --accept-breaches: the alignment breaks {len(breaches)} "
                          "hard rule(s)", highlight=False)
        if tree.parents:
            console.print(f"{len(tree.parents)} parent territories ({kind.value}) come first in Territory2.csv",
                          highlight=False)
        if ids is None and source.value == "salesforce":
            console.print("Territory2Id: insert Territory2.csv, export Territory2 (Id, DeveloperName) with Data "
                          "Loader and rerun with --territory-ids FILE", highlight=False)

    run_guarded(go)


def _hierarchy(value: str, design: Path | None):  # -> allocate.io.crm.hierarchy.Hierarchy
    from allocate.io.crm.hierarchy import Hierarchy

    try:
        kind = Hierarchy(value.lower())
    except ValueError:
        raise InputError.single("--hierarchy", unknown_choice("hierarchy", value, [h.value for h in Hierarchy])) from None
    if design is not None:
        if kind not in (Hierarchy.FLAT, Hierarchy.DESIGN):
            raise InputError.single("--design", f"gives the design's levels as parents, not with --hierarchy {kind.value}")
        return Hierarchy.DESIGN
    return kind
