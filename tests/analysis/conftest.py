"""Helpers of the analysis tests: a 30-account instance on which value_proposition is infeasible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from allocate.core.nomenclature import default_nomenclature_dict


def three_city_folder(tmp_path: Path) -> Path:
    """Three generalists, 30 accounts; one account needs the "hr" line nobody sells."""
    rng = np.random.default_rng(1)
    cities = [(48.8566, 2.3522), (45.7640, 4.8357), (43.2965, 5.3698)]
    rows = [
        "account_id,name,lat,lon,segment,potential,stage,product_lines,group_id,current_seller_id,locked,unit_id"
    ]
    for i in range(30):
        lat, lon = cities[i % 3]
        stage = ["lead", "prospect", "opportunity", "customer"][i % 4]
        # "hr" has no specialist: value_proposition is infeasible, the other models are not
        line = "hr" if i == 7 else "payroll"
        rows.append(
            f"A{i},<b>Co {i}</b>,{lat + rng.normal(0, 0.2):.4f},{lon + rng.normal(0, 0.2):.4f},small,{1000 + i},{stage},{line},,S{i % 3},false,"
        )
    sellers = [
        "seller_id,name,lat,lon,role,capacity_h,segments,product_lines,max_accounts,max_travel_min"
    ]
    sellers += [
        f"S{c},Seller {c},{lat},{lon},generalist,20,,payroll,,"
        for c, (lat, lon) in enumerate(cities)
    ]
    folder = tmp_path / "inst"
    folder.mkdir()
    (folder / "accounts.csv").write_text("\n".join(rows) + "\n")
    (folder / "sellers.csv").write_text("\n".join(sellers) + "\n")
    (folder / "nomenclature.yaml").write_text(yaml.safe_dump(default_nomenclature_dict()))
    return folder


