"""The territories file: one polygon per seller that owns accounts, with rounded coordinates."""

from __future__ import annotations

import json

import numpy as np

from allocate.core.result import Alignment
from allocate.io.runfolder.territories import account_owner, territories_geojson


def _coords(g):  # type: ignore[no-untyped-def]
    if isinstance(g, list):
        for v in g:
            yield from _coords(v)
    else:
        yield g


def test_the_owner_of_a_split_account_is_its_first_row(tiny) -> None:  # type: ignore[no-untyped-def]
    split = Alignment("roles", np.array([0, 0, 2]), np.array([1, 0, 0]), ("CSM", "AE", "CSM"), "role")
    assert account_owner(tiny, split).tolist() == [1, -1, 0, -1]


def test_territories_without_kpis_carry_the_sellers_only(tiny) -> None:  # type: ignore[no-untyped-def]
    alignment = Alignment("geography", np.arange(4), np.array([0, 0, 1, 1]), ("",) * 4, "")
    text = territories_geojson(tiny, alignment)
    assert text.endswith("\n") and ": " not in text  # compact
    geo = json.loads(text)
    assert geo["type"] == "FeatureCollection"
    props = {f["properties"]["seller_id"]: f["properties"] for f in geo["features"]}
    assert props["PAR"] == {"seller_id": "PAR", "seller_name": "Paris Seller", "role": "CSM"}
    for f in geo["features"]:
        assert all(round(c, 5) == c for c in _coords(f["geometry"]["coordinates"]))
