"""What-if transforms of an instance: more sellers, more leads, more capacity, one role's view."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.core.errors import InputError
from allocate.core.travel import haversine_km
from allocate.sizing.whatif import (
    add_leads,
    add_sellers,
    current_load,
    role_nomenclature,
    role_view,
    scale_capacity,
)


def _round_trip_h(a: tuple[float, float], b: tuple[float, float]) -> float:
    # the default travel model: 1.3 circuity at 70 km/h, one round trip
    return 2 * haversine_km(*a, *b) * 1.3 / 70


PARIS, LYON = (48.8566, 2.3522), (45.7640, 4.8357)


def test_current_load_counts_desk_hours_and_round_trips_from_today_s_owner(tiny) -> None:
    # every account: 1.5 h desk and one visit a week; PAR owns Saint-Denis and Vénissieux
    load = current_load(tiny)
    paris = 3.0 + _round_trip_h(PARIS, (48.9362, 2.3574)) + _round_trip_h(PARIS, (45.6975, 4.8867))
    lyon = 3.0 + _round_trip_h(LYON, (48.8049, 2.1204)) + _round_trip_h(LYON, (45.7719, 4.8902))
    assert load == pytest.approx([paris, lyon])


def test_plus_one_seller_copies_the_most_loaded(tiny) -> None:
    util = current_load(tiny) / tiny.sellers.capacity_h
    more = add_sellers(tiny, 1)
    s = int(np.argmax(util))
    assert len(more.sellers) == len(tiny.sellers) + 1
    assert more.sellers.ids[-1] == f"{tiny.sellers.ids[s]}+1"
    assert (more.sellers.lat[-1], more.sellers.lon[-1]) == (
        tiny.sellers.lat[s],
        tiny.sellers.lon[s],
    )


def test_more_leads_get_new_ids_and_no_owner(tiny) -> None:
    import dataclasses

    acc = tiny.accounts
    leads = dataclasses.replace(acc, stage=tuple("lead" for _ in range(len(acc))))
    inst = dataclasses.replace(tiny, accounts=leads)
    more = add_leads(inst, 0.5, seed=1)
    new = len(more.accounts) - len(acc)
    assert new == 2
    assert len(set(more.accounts.ids)) == len(more.accounts.ids)
    assert (more.accounts.current_seller[-new:] == -1).all() and set(
        more.accounts.stage[-new:]
    ) == {"lead"}


def test_no_new_seller_is_the_same_instance_and_a_negative_count_is_refused(tiny) -> None:
    assert add_sellers(tiny, 0) is tiny
    with pytest.raises(ValueError, match="count"):
        add_sellers(tiny, -1)


def test_scale_capacity_multiplies_every_seller(tiny) -> None:
    assert scale_capacity(tiny, 1.5).sellers.capacity_h.tolist() == [60.0, 60.0]
    assert scale_capacity(tiny, 1) is tiny
    with pytest.raises(ValueError, match="factor"):
        scale_capacity(tiny, 0)


def test_role_view_keeps_the_role_s_operations_and_forgets_today_s_owners(tiny) -> None:
    ae = role_view(tiny, "AE")
    # AE works prospects (visit) and opportunities (demo); no AE seller: the team is kept
    assert {pb.stage for pb in ae.nomenclature.playbooks} == {"prospect", "opportunity"}
    assert ae.sellers.ids == tiny.sellers.ids
    assert (ae.accounts.current_seller == -1).all() and not ae.accounts.locked.any()
    assert role_view(tiny, None) is tiny
    csm = role_view(tiny, "CSM")
    assert [op.id for pb in csm.nomenclature.playbooks for op in pb.operations] == ["visit", "call"]


def test_a_role_without_operations_is_an_input_error(tiny) -> None:
    with pytest.raises(InputError, match="MRR"):
        role_nomenclature(tiny.nomenclature, "MRR")
