"""Today's alignment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocate.core.travel import haversine_km
from allocate.generate import GeneratedInstance
from allocate.generate.alignment import current_alignment


def test_current_alignment_is_mostly_near(fr: GeneratedInstance) -> None:
    acc, sel = fr.accounts, fr.sellers.set_index("seller_id")
    cur = sel.loc[acc["current_seller_id"]]
    km_current = haversine_km(acc["lat"], acc["lon"], cur["lat"], cur["lon"])
    km_all = haversine_km(
        acc["lat"].to_numpy()[:, None],
        acc["lon"].to_numpy()[:, None],
        sel["lat"].to_numpy()[None, :],
        sel["lon"].to_numpy()[None, :],
    )
    assert np.median(km_current) < 0.5 * np.median(km_all)
    # The current seller holds the stage's role (or is a generalist).
    owner = {"lead": {"SDR", "MRR"}, "prospect": {"AE"}, "opportunity": {"AE"}, "customer": {"CSM"}}
    single = acc["group_id"] == ""
    fits = [
        role in owner[stage] or role == "generalist"
        for role, stage in zip(cur["role"][single.to_numpy()], acc.loc[single, "stage"], strict=True)
    ]
    assert np.mean(fits) > 0.95


def _sellers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seller_id": ["AE1", "AE2", "CSM1", "KEY"],
            "lat": [45.0, 48.0, 45.0, 45.0],
            "lon": [5.0, 2.0, 5.0, 5.0],
            "role": ["AE", "AE", "CSM", "CSM"],
            "segments": ["", "", "", "mid;large"],
            "product_lines": ["", "", "", ""],
        }
    )


def test_role_skills_and_groups_decide_the_seller() -> None:
    accounts = pd.DataFrame(
        {
            "lat": [45.1, 45.1, 45.1, 47.9, 45.1],
            "lon": [5.0, 5.0, 5.0, 2.0, 5.0],
            "stage": ["prospect", "customer", "customer", "customer", "customer"],
            "segment": ["micro", "micro", "large", "large", "large"],
            "product_lines": ["hr", "hr", "hr", "hr", "hr"],
        }
    )
    group = np.array([-1, -1, -1, 0, 0])
    current = current_alignment(np.random.default_rng(0), accounts, _sellers(), group)
    # a prospect goes to an AE, a micro customer to the plain CSM (the key CSM does not
    # serve micro), a large single-site customer to one of the CSMs at its base
    assert current[0] in {"AE1", "AE2"} and current[1] == "CSM1" and current[2] in {"CSM1", "KEY"}
    # a group goes to one seller without skill restrictions
    assert current[3] == current[4] and current[3] in {"AE1", "AE2", "CSM1"}
    assert current[3] != "KEY"
