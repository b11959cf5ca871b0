"""Candidate towns and the p-median clients that are served from them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from allocate.core.travel import haversine_km
from allocate.core.workload import account_workload
from allocate.sizing import towns as towns_module
from allocate.sizing.towns import candidate_towns, pmedian_clients


def _neighbours(tiny):
    """Tiny with Saint-Denis moved into Versailles' ~1 km cell (48.80, 2.12)."""
    acc = tiny.accounts
    lat, lon = acc.lat.copy(), acc.lon.copy()
    lat[1], lon[1] = 48.8021, 2.1180
    return dataclasses.replace(tiny, accounts=dataclasses.replace(acc, lat=lat, lon=lon))


def test_accounts_in_one_cell_share_a_town_at_their_mean_position(tiny) -> None:
    towns = candidate_towns(_neighbours(tiny))
    assert len(towns.ids) == 3
    assert towns.of_account[0] == towns.of_account[1] != towns.of_account[2]
    k = towns.of_account[0]
    assert (towns.lat[k], towns.lon[k]) == pytest.approx(((48.8049 + 48.8021) / 2, (2.1204 + 2.1180) / 2))
    assert towns.ids[k] == f"{towns.lat[k]:.3f},{towns.lon[k]:.3f}"


def _clients(inst):
    wl = account_workload(inst)
    towns = candidate_towns(inst)
    return towns, pmedian_clients(inst, towns, wl.total_desk_h, wl.total_visits)


def test_client_costs_are_weekly_round_trips_to_each_town(tiny) -> None:
    towns, cl = _clients(tiny)
    assert not cl.aggregated and cl.cost.shape == (4, 4)
    assert cl.desk_h.tolist() == [1.5] * 4 and cl.other_desk_h == 0.0
    # one visit a week from Versailles' town to Vénissieux's: 2 x minutes / 60 hours
    a, b = towns.of_account[0], towns.of_account[3]
    km = haversine_km(towns.lat[a], towns.lon[a], towns.lat[b], towns.lon[b])
    assert cl.cost[3, a] == pytest.approx(2 * km * 1.3 / 70)
    assert np.diag(cl.cost[:, towns.of_account]) == pytest.approx(0.0, abs=1e-9)


def test_accounts_without_visits_are_left_out_and_their_desk_hours_kept(tiny) -> None:
    acc = tiny.accounts
    one_lead = dataclasses.replace(acc, stage=("lead", *acc.stage[1:]))  # a 1 h call, no visit
    _, cl = _clients(dataclasses.replace(tiny, accounts=one_lead))
    assert cl.cost.shape[0] == 3 and cl.other_desk_h == pytest.approx(1.0)


def test_too_many_pairs_aggregate_the_clients_by_town(tiny, monkeypatch) -> None:
    monkeypatch.setattr(towns_module, "MAX_PMEDIAN_PAIRS", 0)
    towns, cl = _clients(_neighbours(tiny))
    assert cl.aggregated and cl.cost.shape == (3, 3)
    k = towns.of_account[0]
    assert cl.desk_h[k] == pytest.approx(3.0)  # two accounts of 1.5 h in one town
    assert cl.cost[k, k] == 0.0  # visits from the town's own centre
