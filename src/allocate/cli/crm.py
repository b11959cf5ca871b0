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

        source = _source(from_, "--from")
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
    out: Annotated[Path, typer.Option(help="Folder to write")] = Path("export"),
) -> None:
    """Write an alignment back as CRM files (Salesforce ETM, HubSpot owners, CSV), a change log and quotas."""

    def go() -> None:
        from allocate.core.scenario import Scenario
        from allocate.io import read_instance
        from allocate.io.crm import read_history, read_seller_emails, write_export
        from allocate.io.runfolder import (
            KPIS,
            account_owner,
            read_alignment,
            read_kpis,
            resolve_instance_dir,
        )
        from allocate.io.runfolder.names import ALIGNMENT
        from allocate.io.scenario import read_scenario
        from allocate.sizing.quota import seller_quotas

        source = _source(to, "--to")
        folder = resolve_instance_dir(run_dir, instance)
        inst = read_instance(folder)
        alignment = read_alignment(Path(run_dir) / ALIGNMENT, inst)
        if scenario is not None:
            sc, where = read_scenario(scenario), str(scenario)
        else:
            sc, where = Scenario.model_validate(read_kpis(Path(run_dir)).get("scenario") or {}), str(Path(run_dir) / KPIS)
        quotas = None
        if sc.quota is not None:
            owner = account_owner(inst, alignment)
            quotas = seller_quotas(inst, owner, sc.quota, read_history(folder, inst), source=where)
        written = write_export(
            out, source, inst, alignment, quotas, read_seller_emails(folder, inst),
            _edited(Path(run_dir), inst, account_owner(inst, alignment)),
        )
        console.print(f"wrote {', '.join(p.name for p in written)} to {out}", highlight=False)

    run_guarded(go)
