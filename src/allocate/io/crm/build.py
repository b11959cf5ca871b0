"""From the files of a CRM export to the tables of an instance, with one report row per input row.

:func:`build_import` checks everything before anything is written: an empty or duplicate id,
an owner who is not in the users file, an opportunity amount that is not a number are bad
input (:class:`~allocate.core.errors.InputError`, file, row and column named). Everything else
that is missing or odd is *handled and reported*: a default used, a row left out (no
location found, ambiguous town), an opportunity of an account not in the file.

Sellers without an address of their own are placed at the median point of the accounts they
own today (method ``owned_accounts``); a seller with neither is left out, and its accounts
keep no current seller (both reported).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from allocate.core.errors import InputError, Problem
from allocate.core.nomenclature import Nomenclature
from allocate.io.crm.derive import (
    SFID,
    OwnerIndex,
    group_roots,
    parse_number,
    role_of,
    segment_of,
    stage_of,
)
from allocate.io.crm.geocode import Geocoder, Place
from allocate.io.crm.mapping import Kind, Mapping
from allocate.io.crm.sources import ExportFile

#: Columns of the import report.
REPORT_COLUMNS: tuple[str, ...] = ("file", "row", "kind", "record_id", "action", "method", "detail")
#: Most problems gathered before giving up.
MAX_PROBLEMS = 50
_TRUE = {"true", "1", "yes", "y", "x", "oui", "vrai"}


@dataclass
class ImportResult:
    """The tables of the instance and the report.

    Attributes
    ----------
    accounts, sellers
        The rows of the instance's accounts and sellers files, with the extra columns
        ``history``, ``email`` and ``team`` (see :mod:`allocate.io.crm.extras`).
    origins
        For ``account`` and ``seller``: the input file, row and location column of each row of
        those tables (to name the input in a problem found later).
    report
        One row per input row (:data:`REPORT_COLUMNS`).
    counts
        Figures of the summary line.
    """

    accounts: pd.DataFrame
    sellers: pd.DataFrame
    report: list[dict[str, object]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    origins: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)

    def summary(self) -> str:
        """The summary line: accounts and sellers imported and skipped, and geocoding methods.

        Returns
        -------
        str
            e.g. ``accounts: 9 imported, 1 skipped; sellers: 3 imported, 0 skipped; ...``.
        """
        c = self.counts
        methods = ", ".join(
            f"{m} {c['geocode ' + m]}"
            for m in ("given", "units", "zip", "city", "owned_accounts", "none")
            if c["geocode " + m]
        )
        extra = ", ".join(
            f"{k} {c[k]}" for k in ("opportunities used", "opportunities ignored",
                                    "associations used", "associations ignored") if c[k]
        )
        return (
            f"accounts: {c['account imported']} imported, {c['account skipped']} skipped; "
            f"sellers: {c['seller imported']} imported, {c['seller skipped']} skipped; "
            f"geocoding: {methods or 'none'}" + (f"; {extra}" if extra else "")
        )


class AccountIndex:
    """Account ids of the accounts file; a Salesforce id given with 18 characters where the file
    has 15 (or the reverse) is the same account.

    Parameters
    ----------
    ids
        The account ids as exported.
    """

    def __init__(self, ids: list[str]) -> None:
        self._ids = set(ids)
        self._short = {a[:15]: a for a in ids if SFID.match(a)}

    def resolve(self, ref: str) -> str:
        """The id of the accounts file that ``ref`` names (``ref`` itself when none).

        Parameters
        ----------
        ref
            An account reference (``AccountId``, ``ObjectId``).

        Returns
        -------
        str
            The id as in the accounts file.
        """
        if ref in self._ids or not SFID.match(ref):
            return ref
        return self._short.get(ref[:15], ref)

    def __contains__(self, ref: object) -> bool:
        return ref in self._ids


def _row(f: ExportFile, i: int, record: str, action: str, method: str, detail: str) -> dict[str, object]:
    return {"file": f.path.name, "row": i + 2, "kind": f.kind.value, "record_id": record,
            "action": action, "method": method, "detail": detail}


def _ids(f: ExportFile, field_name: str, problems: list[Problem]) -> list[str]:
    """The ids of a file, with empty and duplicate ones reported as problems."""
    ids = [f.cell(i, field_name) for i in range(len(f))]
    first: dict[str, int] = {}
    # a 15-character Salesforce id and the 18-character id that starts with it are one record
    short: dict[str, int] = {}
    for i, v in enumerate(ids):
        k = v[:15] if SFID.match(v) else None
        if not v:
            problems.append(Problem(str(f.path), "empty id", row=i + 2, column=f.column(field_name)))
        elif v in first:
            problems.append(Problem(str(f.path), f"duplicate id {v!r} (first on row {first[v] + 2})",
                                    row=i + 2, column=f.column(field_name)))
        elif k is not None and k in short and len(ids[short[k]]) != len(v):
            problems.append(Problem(str(f.path), f"duplicate id {v!r}: the same Salesforce record as "
                                    f"{ids[short[k]]!r} on row {short[k] + 2} (15- and 18-character forms)",
                                    row=i + 2, column=f.column(field_name)))
        else:
            first[v] = i
            if k is not None:
                short.setdefault(k, i)
    return ids


def _locate(f: ExportFile, i: int, geo: Geocoder) -> Place:
    return geo.locate(lat=f.cell(i, "lat"), lon=f.cell(i, "lon"), postcode=f.cell(i, "postcode"),
                      city=f.cell(i, "city"), region=f.cell(i, "region"), country=f.cell(i, "country"))


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise InputError(problems[:MAX_PROBLEMS])


def build_import(
    files: dict[Kind, ExportFile],
    mapping: Mapping,
    nomenclature: Nomenclature,
    geocoder: Geocoder,
    units: set[str] | None = None,
) -> ImportResult:
    """Derive the accounts and sellers tables from the files of an export.

    Parameters
    ----------
    files
        The export's files by kind (accounts and users at least).
    mapping
        The mapping in force.
    nomenclature
        The instance's nomenclature (segments and deal values).
    geocoder
        The offline geocoder.
    units
        The ``unit_id`` of the units file, if any: an account whose postcode is one of them
        gets it as ``unit_id``.

    Returns
    -------
    ImportResult
        The tables and the report.

    Raises
    ------
    InputError
        On bad input (see the module docstring), before anything is written.
    """
    problems: list[Problem] = []
    users, accts = files[Kind.SELLER], files[Kind.ACCOUNT]
    user_ids = _ids(users, "id", problems)
    acct_ids = _ids(accts, "id", problems)
    _raise(problems)

    res = ImportResult(accounts=pd.DataFrame(), sellers=pd.DataFrame())
    names = [_user_name(users, i) for i in range(len(users))]
    owners = OwnerIndex(user_ids, [users.cell(i, "email") for i in range(len(users))], names)
    owner_of: list[str] = []
    owner_how: list[str] = []
    for i in range(len(accts)):
        cell = accts.cell(i, "owner")
        if not cell:
            owner_of.append("")
            owner_how.append("empty owner cell" if "owner" in accts.columns else "the file has no owner column")
            continue
        uid, how = owners.find(cell)
        if uid is None:
            problems.append(Problem(str(accts.path), f"owner {cell!r}: {how} ({users.path.name})",
                                    row=i + 2, column=accts.column("owner")))
        owner_of.append(uid or "")
        owner_how.append(how)
    acct_pos = AccountIndex(acct_ids)
    opp = _opportunities(files.get(Kind.OPPORTUNITY), mapping, acct_pos, res, problems)
    territory_user = _territory_users(files.get(Kind.USER_TERRITORY), set(user_ids), res, problems)
    current_by_etm = _etm_current(files.get(Kind.OBJECT_TERRITORY), territory_user, acct_pos, res, problems)
    _raise(problems)

    rows, acct_report, placed_owner = _account_rows(
        accts, acct_ids, owner_of, owner_how, opp, current_by_etm, mapping, nomenclature, geocoder, units, res
    )
    seller_rows, kept = _seller_rows(users, user_ids, names, placed_owner, mapping, geocoder, res)

    for r, rep in zip(rows, acct_report, strict=True):
        cur = r.get("current_seller_id")
        if cur and cur not in kept:
            r["current_seller_id"] = ""
            r["locked"] = False
            rep["detail"] = f"{rep['detail']}; current seller {cur} was left out, so none"
    res.report = acct_report + res.report
    cols = ["account_id", "name", "lat", "lon", "segment", "potential", "stage", "product_lines",
            "group_id", "current_seller_id", "locked", "unit_id", "history"]
    res.accounts = pd.DataFrame([r for r in rows if r], columns=cols)
    res.accounts = _drop_single_groups(res.accounts)
    res.sellers = pd.DataFrame(seller_rows, columns=["seller_id", "name", "lat", "lon", "role", "capacity_h",
                                                     "segments", "product_lines", "max_accounts",
                                                     "max_travel_min", "daily_h", "email", "team"])
    if res.sellers.empty:
        raise InputError.single(str(users.path), "no user could be located: the instance would have no seller")
    if res.accounts.empty:
        raise InputError.single(str(accts.path), "no account could be located: the instance would have no account")
    return res


def _account_rows(
    accts: ExportFile,
    acct_ids: list[str],
    owner_of: list[str],
    owner_how: list[str],
    opp: dict[str, dict[str, float]],
    current_by_etm: dict[str, str],
    mapping: Mapping,
    nomenclature: Nomenclature,
    geocoder: Geocoder,
    units: set[str] | None,
    res: ImportResult,
) -> tuple[list[dict[str, object]], list[dict[str, object]], dict[str, list[tuple[float, float]]]]:
    """One row per account (``{}`` when left out), its report row, and each owner's located accounts."""
    rows: list[dict[str, object]] = []
    groups, cycles = group_roots(acct_ids, [accts.cell(i, "parent") for i in range(len(accts))])
    cyc = set(cycles)
    placed_owner: dict[str, list[tuple[float, float]]] = defaultdict(list)
    acct_report: list[dict[str, object]] = []
    res.origins.setdefault("account", [])
    for i, aid in enumerate(acct_ids):
        place = _locate(accts, i, geocoder)
        notes: list[str] = []
        if not place.found:
            res.counts["account skipped"] += 1
            res.counts["geocode none"] += 1
            acct_report.append(_row(accts, i, aid, "skipped", "none", f"no location: {place.detail}"))
            rows.append({})
            continue
        res.counts["geocode " + place.method] += 1
        notes.append(place.detail)
        segment = _segment(accts, i, mapping, nomenclature, notes)
        stage = _stage(accts, i, mapping, opp.get(aid), notes)
        potential = _potential(accts, i, mapping, nomenclature, segment, opp.get(aid), notes)
        current = current_by_etm.get(aid, owner_of[i])
        if aid in current_by_etm:
            notes.append(f"current seller {current} from the territory associations")
        elif owner_of[i]:
            notes.append(f"owner matched by {owner_how[i]}")
        else:  # never silent: the account starts without a seller today (a 'new' change on export)
            notes.append(f"no current seller ({owner_how[i]})")
        if i in cyc:
            notes.append("parent chain loops; group cut where it closes")
        lines = accts.cell(i, "product_lines")
        product_lines = lines if lines else mapping.defaults.product_line
        locked = accts.cell(i, "locked").casefold() in _TRUE
        pc = accts.cell(i, "postcode")
        unit = pc if units and pc in units else pc.replace(" ", "") if units and pc.replace(" ", "") in units else ""
        hist_cell = parse_number(accts.cell(i, "history"))
        history = hist_cell if hist_cell is not None else (opp[aid]["won"] if aid in opp else 0.0)
        rows.append({
            "account_id": aid, "name": accts.cell(i, "name"), "lat": round(float(place.lat), 6),  # type: ignore[arg-type]
            "lon": round(float(place.lon), 6), "segment": segment, "potential": round(potential, 2),  # type: ignore[arg-type]
            "stage": stage, "product_lines": product_lines, "group_id": groups[i],
            "current_seller_id": current, "locked": locked, "unit_id": unit, "history": round(history, 2),
        })
        if current:
            placed_owner[current].append((float(place.lat), float(place.lon)))  # type: ignore[arg-type]
        res.counts["account imported"] += 1
        res.origins["account"].append((str(accts.path), i + 2, _where(accts, place.method)))
        acct_report.append(_row(accts, i, aid, "imported", place.method, "; ".join(notes)))

    return rows, acct_report, placed_owner


def _seller_rows(
    users: ExportFile,
    user_ids: list[str],
    names: list[str],
    placed_owner: dict[str, list[tuple[float, float]]],
    mapping: Mapping,
    geocoder: Geocoder,
    res: ImportResult,
) -> tuple[list[dict[str, object]], set[str]]:
    """The rows of the sellers kept (located, active), and their ids; report rows go to ``res``."""
    seller_rows: list[dict[str, object]] = []
    res.origins.setdefault("seller", [])
    kept: set[str] = set()
    for i, uid in enumerate(user_ids):
        active = users.cell(i, "active")
        if active and active.casefold() not in _TRUE:
            res.counts["seller skipped"] += 1
            res.report.append(_row(users, i, uid, "skipped", "", f"inactive user ({users.column('active')}={active})"))
            continue
        place = _locate(users, i, geocoder)
        if not place.found and placed_owner.get(uid):
            pts = np.array(placed_owner[uid])
            med = np.median(pts, axis=0)
            place = Place(float(med[0]), float(med[1]), "owned_accounts",
                          f"no address found ({place.detail}); placed at the median of its {len(pts)} accounts")
        if not place.found:
            res.counts["seller skipped"] += 1
            res.counts["geocode none"] += 1
            res.report.append(_row(users, i, uid, "skipped", "none",
                                   f"no location and no located account: {place.detail}"))
            continue
        res.counts["geocode " + place.method] += 1
        title = users.cell(i, "role")
        role, how = role_of(title, mapping.values.get("role", {}), mapping.defaults.role)
        cap_text = users.cell(i, "capacity_h")
        cap = parse_number(cap_text)
        ok = cap is not None and 0 < cap <= 168
        capacity = cap if ok and cap is not None else mapping.defaults.capacity_h
        seller_rows.append({
            "seller_id": uid, "name": names[i], "lat": round(float(place.lat), 6),  # type: ignore[arg-type]
            "lon": round(float(place.lon), 6), "role": role, "capacity_h": capacity,  # type: ignore[arg-type]
            "segments": "", "product_lines": "", "max_accounts": "", "max_travel_min": "",
            # a day must be able to hold a fifth of the week
            "daily_h": max(mapping.defaults.daily_h, capacity / 5), "email": users.cell(i, "email"),
            "team": users.cell(i, "team"),
        })
        kept.add(uid)
        res.origins["seller"].append((str(users.path), i + 2, _where(users, place.method)))
        res.counts["seller imported"] += 1
        role_note = f"role {role} from {title!r} ({how})" if title else f"role {role} (default: no role given)"
        cap_note = "" if ok else (f"; capacity {capacity:g} h/week (default"
                                  + (f": {cap_text!r} is not in (0, 168])" if cap_text else ")"))
        res.report.append(_row(users, i, uid, "imported", place.method, f"{place.detail}; {role_note}{cap_note}"))
    return seller_rows, kept


def _where(f: ExportFile, method: str) -> str:
    """The input column that gave a row its point."""
    name = {"given": "lat", "units": "postcode", "zip": "postcode", "city": "city"}.get(method, "owner")
    return f.column(name)


def _drop_single_groups(df: pd.DataFrame) -> pd.DataFrame:
    """A group with a single located site is no multi-site group."""
    sizes = df["group_id"].map(df["group_id"].value_counts())
    df.loc[(df["group_id"] != "") & (sizes < 2), "group_id"] = ""
    return df


def _user_name(users: ExportFile, i: int) -> str:
    name = users.cell(i, "name")
    if name:
        return name
    full = " ".join(p for p in (users.cell(i, "first_name"), users.cell(i, "last_name")) if p)
    return full or users.cell(i, "email")


def _segment(f: ExportFile, i: int, mapping: Mapping, nomenclature: Nomenclature, notes: list[str]) -> str:
    given = f.cell(i, "segment")
    if given:
        if given in nomenclature.segments:
            return given
        notes.append(f"segment {given!r} unknown")
    cell = f.cell(i, "employees")
    n = parse_number(cell)
    if n is not None and n >= 0:
        seg = segment_of(n, mapping.segments or {})
        notes.append(f"segment {seg} from {n:g} employees")
        return seg
    seg = mapping.defaults.segment
    notes.append(f"segment {seg} (default: " + (f"employees {cell!r} unreadable)" if cell else "no employees)"))
    return seg


def _stage(f: ExportFile, i: int, mapping: Mapping, opp: dict[str, float] | None, notes: list[str]) -> str:
    cell = f.cell(i, "stage")
    stage = stage_of(cell, mapping.values.get("stage", {})) if cell else None
    if stage is None:
        stage = mapping.defaults.stage
        notes.append(f"stage {stage} (default" + (f": {cell!r} unknown)" if cell else ")"))
    if opp:
        if opp["won_n"] and stage != "customer":
            notes.append(f"stage customer (won opportunity; was {stage})")
            stage = "customer"
        elif opp["open_n"] and stage in ("lead", "prospect"):
            notes.append(f"stage opportunity (open opportunity; was {stage})")
            stage = "opportunity"
    return stage


def _potential(
    f: ExportFile, i: int, mapping: Mapping, nomenclature: Nomenclature, segment: str,
    opp: dict[str, float] | None, notes: list[str],
) -> float:
    rule = mapping.potential
    if rule.source == "column":
        v = parse_number(f.cell(i, "potential"))
        if v is not None and v >= 0:
            return v
    if rule.source in ("auto", "opportunities") and opp and opp["open"] + opp["won"] > 0:
        v = opp["open"] + opp["won"]
        notes.append(f"potential {v:,.0f} from opportunities")
        return v
    if rule.source in ("auto", "revenue"):
        rev = parse_number(f.cell(i, "revenue"))
        if rev is not None and rev > 0:
            v = rev * rule.revenue_share
            notes.append(f"potential {v:,.0f} = {rule.revenue_share:g} x revenue")
            return v
    v = float(nomenclature.deal_value.get(segment, 0.0))
    notes.append(f"potential {v:,.0f} (deal value of segment {segment})")
    return v


def _opportunities(
    f: ExportFile | None, mapping: Mapping, acct_pos: AccountIndex, res: ImportResult,
    problems: list[Problem],
) -> dict[str, dict[str, float]]:
    """Open and won amounts (and counts) per account; every row reported."""
    out: dict[str, dict[str, float]] = {}
    if f is None:
        return out
    status = {" ".join(k.split()).casefold(): v for k, v in mapping.values.get("opportunity", {}).items()}
    for i in range(len(f)):
        aid, stage, amount_text = acct_pos.resolve(f.cell(i, "account")), f.cell(i, "stage"), f.cell(i, "amount")
        amount = parse_number(amount_text) if amount_text else 0.0
        if amount is None or amount < 0:
            problems.append(Problem(str(f.path), f"amount {amount_text!r} is not a non-negative number",
                                    row=i + 2, column=f.column("amount")))
            continue
        if aid not in acct_pos:
            res.counts["opportunities ignored"] += 1
            res.report.append(_row(f, i, aid, "ignored", "", "account not in the accounts file"))
            continue
        kind = status.get(" ".join(stage.split()).casefold(), "open")
        d = out.setdefault(aid, {"open": 0.0, "won": 0.0, "open_n": 0, "won_n": 0})
        if kind in ("open", "won"):
            d[kind] += amount
            d[kind + "_n"] += 1
        res.counts["opportunities used"] += 1
        res.report.append(_row(f, i, aid, "used", "", f"{kind} opportunity {stage!r}, amount {amount:,.2f}"))
    return out


def _territory_users(
    f: ExportFile | None, users: set[str], res: ImportResult, problems: list[Problem]
) -> dict[str, str]:
    """Territory → its user (the first listed whose role mentions owner, else the first)."""
    out: dict[str, str] = {}
    if f is None:
        return out
    owner_like: set[str] = set()
    for i in range(len(f)):
        uid, terr, role = f.cell(i, "user"), f.cell(i, "territory"), f.cell(i, "role")
        if uid not in users:
            problems.append(Problem(str(f.path), f"user {uid!r} is not in the users file",
                                    row=i + 2, column=f.column("user")))
            continue
        is_owner = "owner" in role.casefold()
        if terr not in out or (is_owner and terr not in owner_like):
            out[terr] = uid
            if is_owner:
                owner_like.add(terr)
            res.report.append(_row(f, i, terr, "used", "", f"territory {terr} -> user {uid}"))
            res.counts["associations used"] += 1
        else:
            res.report.append(_row(f, i, terr, "ignored", "", f"territory {terr} already has user {out[terr]}"))
            res.counts["associations ignored"] += 1
    return out


def _etm_current(
    f: ExportFile | None, territory_user: dict[str, str], acct_pos: AccountIndex,
    res: ImportResult, problems: list[Problem],
) -> dict[str, str]:
    """Account → today's seller through its territory (the first territory listed)."""
    out: dict[str, str] = {}
    if f is None:
        return out
    for i in range(len(f)):
        aid, terr = acct_pos.resolve(f.cell(i, "object")), f.cell(i, "territory")
        if aid not in acct_pos:
            res.report.append(_row(f, i, aid, "ignored", "", "account not in the accounts file"))
            res.counts["associations ignored"] += 1
            continue
        if terr not in territory_user:
            problems.append(Problem(str(f.path), f"territory {terr!r} has no user in the UserTerritory2Association file",
                                    row=i + 2, column=f.column("territory")))
            continue
        if aid in out:
            res.report.append(_row(f, i, aid, "ignored", "", f"account already in a territory (user {out[aid]})"))
            res.counts["associations ignored"] += 1
            continue
        out[aid] = territory_user[terr]
        res.report.append(_row(f, i, aid, "used", "", f"territory {terr} -> current seller {out[aid]}"))
        res.counts["associations used"] += 1
    return out
