"""``allocate import`` / ``export`` end to end: import -> validate -> solve -> export -> re-import.

The ids of the export files are checked against the input files' ids, as text; re-importing
the ETM association files as the current alignment gives back the solved alignment.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from allocate.cli import app

runner = CliRunner()
FIX = Path(__file__).resolve().parents[1] / "io" / "crm" / "fixtures"
SF = FIX / "salesforce"
HS = FIX / "hubspot"
SCENARIO = """model: geography
quota: {total: 1000000, method: blend, blend: 0.7, floor: 150000, cap: 600000, rounding: 1000}
"""


def _run(*args: object):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def _csv(p: Path) -> pd.DataFrame:
    return pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python")


@pytest.fixture(scope="module")
def sf_round(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crm")
    r = _run("import", "--from", "salesforce", SF / "Account.csv", SF / "User.csv", SF / "Opportunity.csv",
             "--units", SF / "units.geojson", "--out", root / "inst")
    assert r.exit_code == 0, r.output
    r = _run("validate", root / "inst")
    assert r.exit_code == 0, r.output
    _solve_and_export(root)
    return root


def _solve_and_export(root: Path, *extra: object) -> None:
    """``solve`` ROOT/inst with the quota scenario into ROOT/run, ``export`` it to ROOT/sf."""
    (root / "scenario.yaml").write_text(SCENARIO, encoding="utf-8")
    r = _run("solve", root / "inst", "--scenario", root / "scenario.yaml", "--time-limit", "5", "--workers", "1",
             "--seed", "1", *extra, "--out", root / "run")
    assert r.exit_code == 0, r.output
    r = _run("export", root / "run", "--to", "salesforce", "--out", root / "sf")
    assert r.exit_code == 0, r.output


def test_ids_round_trip_exactly(sf_round: Path) -> None:
    accounts_in = _csv(SF / "Account.csv")["Id"].tolist()
    users_in = set(_csv(SF / "User.csv")["Id"])
    obj = _csv(sf_round / "sf" / "ObjectTerritory2Association.csv")
    skipped = {"0015e00000A1b2iAAB"}  # the ambiguous town
    assert obj["ObjectId"].tolist() == [a for a in accounts_in if a not in skipped]
    assert "0015e00000A1b2e" in set(obj["ObjectId"])  # the 15-character id, unchanged
    owners = _csv(sf_round / "sf" / "Account_owner_update.csv")
    assert set(owners["OwnerId"]) <= users_in
    assert set(_csv(sf_round / "sf" / "UserTerritory2Association.csv")["UserId"]) <= users_in


def test_export_follows_the_alignment_and_logs_every_change(sf_round: Path) -> None:
    alignment = _csv(sf_round / "run" / "alignment.csv").set_index("account_id")["seller_id"]
    owners = _csv(sf_round / "sf" / "Account_owner_update.csv").set_index("Id")["OwnerId"]
    assert owners.to_dict() == alignment.to_dict()
    current = _csv(sf_round / "inst" / "accounts.csv").set_index("account_id")["current_seller_id"]
    moved = {a for a in alignment.index if alignment[a] != current[a]}
    changes = _csv(sf_round / "sf" / "changes.csv")
    assert set(changes["account_id"]) == moved
    assert set(changes["reason"]) <= {"model", "group", "lock", "new"}


def test_quotas_are_written_and_add_up(sf_round: Path) -> None:
    for folder in ("run", "sf"):
        q = pd.read_csv(sf_round / folder / "quotas.csv")
        assert q["quota"].sum() == pytest.approx(1_000_000)
        assert q["quota"].between(150_000, 600_000).all() and (q["quota"] % 1000 == 0).all()


def test_reimporting_the_etm_files_gives_zero_moves(sf_round: Path) -> None:
    out = sf_round / "again"
    r = _run("import", "--from", "salesforce", SF / "Account.csv", SF / "User.csv",
             sf_round / "sf" / "ObjectTerritory2Association.csv", sf_round / "sf" / "UserTerritory2Association.csv",
             "--units", SF / "units.geojson", "--out", out)
    assert r.exit_code == 0, r.output
    current = _csv(out / "accounts.csv").set_index("account_id")["current_seller_id"]
    alignment = _csv(sf_round / "run" / "alignment.csv").set_index("account_id")["seller_id"]
    assert current.to_dict() == alignment.to_dict()


def _without_coordinates(src: Path, dst: Path) -> Path:
    """``src`` (the Salesforce Account fixture: BOM, ``;``) without its two Billing coordinate columns."""
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    cols = lines[0].split(";")
    drop = {cols.index("BillingLatitude"), cols.index("BillingLongitude")}
    dst.write_text("\ufeff" + "".join(";".join(c for k, c in enumerate(line.split(";")) if k not in drop) + "\n"
                                       for line in lines), encoding="utf-8")
    return dst


def test_an_export_without_coordinates_goes_round_the_loop(tmp_path: Path) -> None:
    """The issue's acceptance: a Salesforce export with no coordinates at all (no units file
    either) is imported, solved and exported; re-importing the ETM files as today's alignment
    and solving with no move allowed gives the same alignment, zero moves, an empty change log."""
    accounts = _without_coordinates(SF / "Account.csv", tmp_path / "Account.csv")
    assert "Latitude" not in accounts.read_text(encoding="utf-8")
    r = _run("import", "--from", "salesforce", accounts, SF / "User.csv", SF / "Opportunity.csv", "--out", tmp_path / "inst")
    assert r.exit_code == 0, r.output
    rep = _csv(tmp_path / "inst" / "import_report.csv")
    acc_rows = rep[rep["kind"] == "account"]
    assert len(acc_rows) == 12 and "given" not in set(acc_rows["method"])  # every point geocoded, said how
    assert set(acc_rows.loc[acc_rows["action"] == "imported", "method"]) == {"city"}
    _solve_and_export(tmp_path)
    for name in ("Territory2.csv", "UserTerritory2Association.csv", "ObjectTerritory2Association.csv",
                 "Account_owner_update.csv", "changes.csv", "quotas.csv"):
        assert (tmp_path / "sf" / name).is_file(), name
    solved = _csv(tmp_path / "run" / "alignment.csv").set_index("account_id")["seller_id"].to_dict()
    assert _csv(tmp_path / "sf" / "Account_owner_update.csv").set_index("Id")["OwnerId"].to_dict() == solved
    # round trip: the association files back as today's alignment
    r = _run("import", "--from", "salesforce", accounts, SF / "User.csv", SF / "Opportunity.csv",
             tmp_path / "sf" / "ObjectTerritory2Association.csv", tmp_path / "sf" / "UserTerritory2Association.csv",
             "--out", tmp_path / "again" / "inst")
    assert r.exit_code == 0, r.output
    again = tmp_path / "again"
    assert _csv(again / "inst" / "accounts.csv").set_index("account_id")["current_seller_id"].to_dict() == solved
    _solve_and_export(again, "--max-moves", "0")
    assert _csv(again / "run" / "alignment.csv").set_index("account_id")["seller_id"].to_dict() == solved
    assert json.loads((again / "run" / "kpis.json").read_text(encoding="utf-8"))["totals"]["moves"] == 0
    assert _csv(again / "sf" / "changes.csv").empty


def test_hubspot_import_solve_export(tmp_path: Path) -> None:
    r = _run("import", "--from", "hubspot", HS / "companies.csv", HS / "owners.csv", "--out", tmp_path / "inst")
    assert r.exit_code == 0, r.output
    r = _run("solve", tmp_path / "inst", "--model", "generalist", "--time-limit", "5", "--workers", "1",
             "--out", tmp_path / "run")
    assert r.exit_code == 0, r.output
    r = _run("export", tmp_path / "run", "--to", "hubspot", "--out", tmp_path / "hs")
    assert r.exit_code == 0, r.output
    hub = _csv(tmp_path / "hs" / "hubspot_company_owner_update.csv")
    assert set(hub["Record ID"]) <= set(_csv(HS / "companies.csv")["Record ID"])
    assert set(hub["Company owner"]) <= set(_csv(HS / "owners.csv")["Email"])  # HubSpot wants the e-mail
    assert "12345678901" in set(hub["Record ID"])  # a big numeric id, not 1.2345678901e10


def test_a_name_like_a_formula_goes_back_to_the_crm_unchanged(tmp_path: Path) -> None:
    """The instance's CSV files neutralize '@Home Services' ('@Home...); the HubSpot update
    gives the company its own name back (it would rename it otherwise); the change log, for
    spreadsheets, keeps it neutralized."""
    companies = tmp_path / "companies.csv"
    text = (HS / "companies.csv").read_text(encoding="utf-8-sig")
    assert "Cascade Foods" in text
    companies.write_text(text.replace("Cascade Foods", "@Home Services"), encoding="utf-8")
    r = _run("import", "--from", "hubspot", companies, HS / "owners.csv", "--out", tmp_path / "inst")
    assert r.exit_code == 0, r.output
    assert "'@Home Services" in set(_csv(tmp_path / "inst" / "accounts.csv")["name"])
    acc = _csv(tmp_path / "inst" / "accounts.csv").set_index("name")
    home = acc.loc["'@Home Services", "account_id"]
    owners = _csv(HS / "owners.csv")
    other = next(o for o in owners["Owner ID"] if o != acc.loc["'@Home Services", "current_seller_id"])
    r = _run("solve", tmp_path / "inst", "--model", "generalist", "--time-limit", "5", "--workers", "1", "--out", tmp_path / "run")
    assert r.exit_code == 0, r.output
    al = tmp_path / "run" / "alignment.csv"
    rows = _csv(al)
    rows.loc[rows["account_id"] == home, "seller_id"] = other  # moved: a line of the change log
    rows.to_csv(al, index=False)
    r = _run("export", tmp_path / "run", "--to", "hubspot", "--out", tmp_path / "hs")
    assert r.exit_code == 0, r.output
    hub = _csv(tmp_path / "hs" / "hubspot_company_owner_update.csv").set_index("Record ID")
    assert hub.loc[home, "Company name"] == "@Home Services"
    changes = _csv(tmp_path / "hs" / "changes.csv").set_index("account_id")
    assert changes.loc[home, "name"] == "'@Home Services"


def test_csv_import_with_mapping(tmp_path: Path) -> None:
    r = _run("import", "--from", "csv", FIX / "csv" / "accounts.csv", FIX / "csv" / "sellers.csv",
             "--mapping", FIX / "csv" / "mapping.yaml", "--out", tmp_path / "inst")
    assert r.exit_code == 0, r.output
    acc = _csv(tmp_path / "inst" / "accounts.csv")
    assert acc["account_id"].tolist() == ["C-0001", "C-0002", "C-0003", "C-0004", "C-0005"]
    assert acc["group_id"].tolist()[3:] == ["G-RIVE", "G-RIVE"]


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "hubspot", SF / "Account.csv", SF / "User.csv"],  # not the announced export
        ["--from", "salesforce", SF / "Account.csv"],  # no users
        ["--from", "dynamics", SF / "Account.csv", SF / "User.csv"],  # unknown source
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path, args: list) -> None:
    r = _run("import", *args, "--out", tmp_path / "inst")
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and "error:" in r.output
    assert not (tmp_path / "inst").exists()


def test_export_of_a_missing_run_exits_2(tmp_path: Path) -> None:
    r = _run("export", tmp_path / "nope", "--to", "salesforce", "--out", tmp_path / "x")
    assert r.exit_code == 2, r.output


def test_quotas_also_in_sellers_kpis(sf_round: Path) -> None:
    kpis = pd.read_csv(sf_round / "run" / "sellers_kpis.csv", dtype={"seller_id": str})
    q = pd.read_csv(sf_round / "run" / "quotas.csv", dtype={"seller_id": str})
    assert kpis.set_index("seller_id")["quota"].to_dict() == q.set_index("seller_id")["quota"].to_dict()


def test_quotas_in_the_report_and_the_map_tooltips(sf_round: Path) -> None:
    out = sf_round / "report"
    r = _run("report", sf_round / "run", "--out", out)
    assert r.exit_code == 0, r.output
    page = (out / "index.html").read_text(encoding="utf-8")
    q = pd.read_csv(sf_round / "run" / "quotas.csv")
    assert "<h3>Quotas</h3>" in page and "team target 1,000,000" in page
    table = page.split('class="kpis quotas"')[1].split("</table>")[0]
    assert table.count("<tr>") + table.count('<tr class="short">') == len(q) + 1  # header + sellers
    for quota in q["quota"]:
        assert f"<td>{quota:,.0f}</td>" in table
    maps = [p for p in out.glob("map_*.html")]
    assert maps and f"quota {q['quota'].iloc[0]:,.0f}" in maps[0].read_text(encoding="utf-8")


def _fake_org_ids(territory_csv: Path, dest: Path, skip: str = "") -> Path:
    """What Data Loader exports after inserting Territory2.csv: upper-case headers, 18-char ids."""
    dev = [d for d in _csv(territory_csv)["DeveloperName"] if d != skip]
    lines = ['"ID","DEVELOPERNAME"'] + [f'"0MI5e00000{i:05d}GAK","{d}"' for i, d in enumerate(dev)]
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


def test_team_hierarchy_then_territory_ids_then_reimport(sf_round: Path) -> None:
    out = sf_round / "sf_team"
    r = _run("export", sf_round / "run", "--to", "salesforce", "--hierarchy", "team", "--out", out)
    assert r.exit_code == 0, r.output
    ter = _csv(out / "Territory2.csv")
    seen: set[str] = set()
    for dev, parent in zip(ter["DeveloperName"], ter["ParentTerritory2DeveloperName"], strict=True):
        assert parent == "" or parent in seen  # parents first: Data Loader inserts in file order
        seen.add(dev)
    teams = dict(zip(_csv(sf_round / "inst" / "sellers.csv")["seller_id"],
                     _csv(sf_round / "inst" / "sellers.csv")["team"], strict=True))
    assert set(teams.values()) >= {"Paris & North", "South-East"}  # Department imported as the team
    names = dict(zip(ter["DeveloperName"], ter["Name"], strict=True))
    users = _csv(out / "UserTerritory2Association.csv")
    parent = dict(zip(ter["DeveloperName"], ter["ParentTerritory2DeveloperName"], strict=True))
    for uid, dev in zip(users["UserId"], users["Territory2DeveloperName"], strict=True):
        assert names[parent[dev]] == teams[uid] if teams[uid] else parent[dev] == ""
    # the org's ids: every association gets its Territory2Id, the parents an update by id
    ids = _fake_org_ids(out / "Territory2.csv", sf_round / "Territory2_export.csv")
    r = _run("export", sf_round / "run", "--to", "salesforce", "--hierarchy", "team", "--territory-ids", ids,
             "--out", out)
    assert r.exit_code == 0, r.output
    by_dev = dict(zip(_csv(ids)["DEVELOPERNAME"], _csv(ids)["ID"], strict=True))
    for name in ("UserTerritory2Association.csv", "ObjectTerritory2Association.csv"):
        df = _csv(out / name)
        assert df["Territory2Id"].tolist() == [by_dev[d] for d in df["Territory2DeveloperName"]]
    upd = _csv(out / "Territory2_parent_update.csv")
    children = ter[ter["ParentTerritory2DeveloperName"] != ""]
    assert upd.values.tolist() == [[by_dev[c], by_dev[p]] for c, p in
                                   zip(children["DeveloperName"], children["ParentTerritory2DeveloperName"],
                                       strict=True)]
    # re-importing the association files, now with Territory2Id, gives the alignment back
    again = sf_round / "again_ids"
    r = _run("import", "--from", "salesforce", SF / "Account.csv", SF / "User.csv",
             out / "ObjectTerritory2Association.csv", out / "UserTerritory2Association.csv",
             "--units", SF / "units.geojson", "--out", again)
    assert r.exit_code == 0, r.output
    current = _csv(again / "accounts.csv").set_index("account_id")["current_seller_id"]
    alignment = _csv(sf_round / "run" / "alignment.csv").set_index("account_id")["seller_id"]
    assert current.to_dict() == alignment.to_dict()


def test_a_territory_missing_from_the_ids_exits_2_and_keeps_the_export(sf_round: Path) -> None:
    out = sf_round / "sf_role"
    r = _run("export", sf_round / "run", "--to", "salesforce", "--hierarchy", "role", "--out", out)
    assert r.exit_code == 0, r.output
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    ids = _fake_org_ids(out / "Territory2.csv", sf_round / "partial.csv", skip="Role_AE")
    r = _run("export", sf_round / "run", "--to", "salesforce", "--hierarchy", "role", "--territory-ids", ids,
             "--out", out)
    assert r.exit_code == 2, r.output
    assert "partial.csv" in r.output and "column 'DeveloperName'" in r.output and "Role_AE" in r.output
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize(("args", "needle"), [
    (["--hierarchy", "galaxy"], "--hierarchy"),
    (["--to", "hubspot", "--hierarchy", "role"], "for Salesforce"),
    (["--design", "nowhere"], "--design"),
])
def test_bad_export_options_exit_2(sf_round: Path, args: list, needle: str) -> None:
    r = _run("export", sf_round / "run", *args, "--out", sf_round / "bad_export")
    assert r.exit_code == 2, r.output
    assert needle in r.output and "Traceback" not in r.output
    assert not (sf_round / "bad_export").exists()


def test_a_run_folder_given_as_design_is_named_so(sf_round: Path) -> None:
    # it said "the design found no territories", as if a design had run and failed
    r = _run("export", sf_round / "run", "--hierarchy", "design", "--design", sf_round / "run",
             "--out", sf_round / "bad_design")
    assert r.exit_code == 2, r.output
    assert "not a design folder" in r.output and "Traceback" not in r.output
    assert not (sf_round / "bad_design").exists()


def test_design_levels_as_parents(tmp_path: Path) -> None:
    from tests.unit_grid import write_grid

    grid = write_grid(tmp_path / "grid")
    r = _run("design", grid, "--levels", "1,3", "--tolerance", "0", "--time-limit", "3", "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    r = _run("solve", grid, "--time-limit", "3", "--workers", "1", "--seed", "1", "--out", tmp_path / "run")
    assert r.exit_code == 0, r.output
    r = _run("export", tmp_path / "run", "--design", tmp_path / "d", "--out", tmp_path / "sf")
    assert r.exit_code == 0, r.output
    ter = _csv(tmp_path / "sf" / "Territory2.csv")
    assert ter["DeveloperName"].iloc[0] == "Level1_0" and ter["ParentTerritory2DeveloperName"].iloc[0] == ""
    sellers = ter[ter["DeveloperName"].str.startswith("T_")]
    assert len(sellers) >= 1 and set(sellers["ParentTerritory2DeveloperName"]) == {"Level1_0"}


def test_export_refuses_a_folder_it_did_not_write(sf_round: Path) -> None:
    mine = sf_round / "my_documents"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    r = _run("export", sf_round / "run", "--to", "csv", "--out", mine)
    assert r.exit_code == 2 and "did not write" in r.output, r.output
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_import_checks_its_out_folder_before_reading(sf_round: Path, tmp_path: Path) -> None:
    base = ["import", "--from", "salesforce", SF / "Account.csv", SF / "User.csv"]
    (tmp_path / "afile").write_text("x")
    for out in (tmp_path / "afile", tmp_path / "afile" / "sub"):  # a file, a folder under a file
        r = _run(*base, "--out", out)
        assert r.exit_code == 2 and "error: --out" in r.output, r.output
    before = sorted(p.name for p in (sf_round / "run").iterdir())
    r = _run(*base, "--out", sf_round / "run")  # a run folder is not an earlier import
    assert r.exit_code == 2 and "did not write" in r.output, r.output
    assert sorted(p.name for p in (sf_round / "run").iterdir()) == before


def test_reimport_replaces_the_folder_as_one_unit(tmp_path: Path) -> None:
    r = _run("import", "--from", "salesforce", SF / "Account.csv", SF / "User.csv",
             "--units", SF / "units.geojson", "--out", tmp_path / "inst")
    assert r.exit_code == 0 and (tmp_path / "inst" / "units.geojson").is_file(), r.output
    r = _run("import", "--from", "salesforce", SF / "Account.csv", SF / "User.csv", "--out", tmp_path / "inst")
    assert r.exit_code == 0, r.output
    # this import used no units file: none of the earlier import's is left beside its files
    assert not (tmp_path / "inst" / "units.geojson").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["inst"]


def test_a_version_saved_with_breaches_is_not_exported_unless_accepted(sf_round: Path, tmp_path: Path) -> None:
    # allocate serve saves a version that breaks hard rules with status unknown and the
    # checker's breaches in kpis.json; export wrote it into the CRM files with exit 0 and no word
    run = tmp_path / "broken"
    shutil.copytree(sf_round / "run", run)
    kpis = json.loads((run / "kpis.json").read_text(encoding="utf-8"))
    kpis.update(status="unknown", breaches=["capacity: S1 carries 50 h/week, capacity 35 h"])
    (run / "kpis.json").write_text(json.dumps(kpis), encoding="utf-8")
    r = _run("export", run, "--to", "hubspot", "--out", tmp_path / "x")
    assert r.exit_code == 2 and "1 hard rule" in r.output and "--accept-breaches" in r.output, r.output
    assert not (tmp_path / "x").exists()
    r = _run("export", run, "--to", "hubspot", "--accept-breaches", "--out", tmp_path / "x")
    assert r.exit_code == 0 and "warning: exported with --accept-breaches" in r.output, r.output
    assert (tmp_path / "x" / "changes.csv").is_file()
    r = _run("export", sf_round / "run", "--to", "hubspot", "--out", tmp_path / "ok")  # a valid run
    assert r.exit_code == 0 and "warning" not in r.output, r.output
