"""What-if transforms and the proved sales-force size."""

from __future__ import annotations

import numpy as np

from allocate.sizing.whatif import add_leads, add_sellers, current_load, size_sales_force


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


def test_size_is_proved_by_the_capacity_check(tiny) -> None:
    rep = size_sales_force(tiny, time_limit_s=2, workers=1)
    k = rep.lower_bound
    # k - 1 sellers fail the capacity check (desk + proven travel bound > capacity)
    assert all(not s.passes for s in rep.steps if s.sellers < k)
    assert any(s.sellers == k and s.passes for s in rep.steps)
    assert rep.minimum is not None and rep.minimum >= k
    # 4 customers x (1 h visit + 0.5 h call) per week = 6 h desk; 40 h sellers: one seller
    assert rep.desk_h == 6.0 and k == 1
