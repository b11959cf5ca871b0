"""The economics of the sales force: what the funnel is worth, and what one more seller adds.

The yearly expected margin of the funnel is ``Σ_a P(stage_a → deal) · deal_value(segment_a)``
with ``P(lead → deal) = c_lead · c_prospect · c_opportunity`` and so on from the nomenclature's
conversion rates. A team can only work the share ``min(1, capacity / workload)`` of it. One more
seller adds capacity (and shortens some trips); more leads add margin *and* workload: each new
lead brings its lead-stage actions, plus the prospect actions times ``c_lead``, plus the
opportunity actions times ``c_lead · c_prospect``. Workloads are build-up figures: travel to
the nearest base (:func:`allocate.sizing.buildup.nearest_base_travel_min`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from allocate.core.instance import Instance
from allocate.core.nomenclature import STAGES, Nomenclature
from allocate.core.workload import account_workload, workload_hours
from allocate.sizing.buildup import nearest_base_travel_min
from allocate.sizing.whatif import add_sellers


@dataclass(frozen=True)
class Marginal:
    """The yearly effect of a what-if on capacity, workload and expected funnel margin.

    Attributes
    ----------
    name
        The what-if (``today``, ``+1 seller``, ``+20% leads``).
    capacity_h, workload_h
        Weekly capacity and build-up workload of the team.
    pipeline_value
        Expected margin of the funnel if all of it is worked (per year).
    worked_share
        ``min(1, capacity / workload)``.
    """

    name: str
    capacity_h: float
    workload_h: float
    pipeline_value: float  # expected margin of the funnel if all of it is worked (per year)
    worked_share: float  # min(1, capacity / workload)

    @property
    def expected_margin(self) -> float:
        """The expected margin of the worked share of the funnel (per year)."""
        return self.pipeline_value * self.worked_share


def funnel_values(nomenclature: Nomenclature) -> dict[tuple[str, str], float]:
    """Expected margin of one account by (stage, segment): P(stage → deal) × deal value.

    Parameters
    ----------
    nomenclature
        Segments, conversion rates and deal values.

    Returns
    -------
    dict
        ``{(stage, segment): margin}``; customers are worth 0 (already won).
    """
    conv = nomenclature.conversion
    out: dict[tuple[str, str], float] = {}
    for seg in nomenclature.segments:
        dv = float(nomenclature.deal_value.get(seg, 0.0))
        p = 1.0
        for stage in reversed(STAGES[:-1]):  # opportunity, prospect, lead
            p *= float(conv.get(stage, 0.0))
            out[(stage, seg)] = p * dv
        out[("customer", seg)] = 0.0
    return out


def _lead_cycle_hours(instance: Instance, travel_min: NDArray[np.float64]) -> NDArray[np.float64]:
    """Expected weekly workload that one new lead brings over its funnel, per lead account.

    Lead actions, plus prospect actions × c_lead, plus opportunity actions × c_lead·c_prospect,
    each with the account's round trip ``travel_min`` per visit.
    """
    acc = instance.accounts
    conv = instance.nomenclature.conversion
    hours = np.zeros(len(acc))
    weight = 1.0
    for stage in ("lead", "prospect", "opportunity"):
        as_stage = replace(acc, stage=tuple(stage for _ in range(len(acc))))
        wl = account_workload(replace(instance, accounts=as_stage))
        hours += weight * workload_hours(wl.total_desk_h, wl.total_visits, travel_min)
        weight *= float(conv.get(stage, 0.0))
    return hours


def marginal_values(
    instance: Instance, lead_share: float = 0.2, seed: int = 0
) -> tuple[Marginal, ...]:
    """Today, +1 seller and +``lead_share`` leads: capacity, workload and expected margin.

    Workloads are the build-up figures (travel to the nearest base). The new leads are valued
    through the whole funnel (see the module docstring).

    Parameters
    ----------
    instance
        The team and its accounts.
    lead_share
        Share of today's leads added by the third what-if.
    seed
        Seed of the draw of the leads copied (the same draw as
        :func:`allocate.sizing.whatif.add_leads`).

    Returns
    -------
    tuple of Marginal
        Today, +1 seller, +``lead_share`` leads.
    """
    acc, sel = instance.accounts, instance.sellers
    values = funnel_values(instance.nomenclature)
    pipeline = float(sum(values[(st, sg)] for st, sg in zip(acc.stage, acc.segment, strict=True)))

    def buildup(inst: Instance) -> tuple[float, NDArray[np.float64]]:
        tmin = nearest_base_travel_min(inst)
        wl = account_workload(inst)
        return float(workload_hours(wl.total_desk_h, wl.total_visits, tmin).sum()), tmin

    work, tmin = buildup(instance)
    cap = float(sel.capacity_h.sum())
    out = [Marginal("today", cap, work, pipeline, min(1.0, cap / work) if work > 0 else 1.0)]

    plus = add_sellers(instance, 1)
    work1, _ = buildup(plus)
    cap1 = float(plus.sellers.capacity_h.sum())
    out.append(
        Marginal("+1 seller", cap1, work1, pipeline, min(1.0, cap1 / work1) if work1 > 0 else 1.0)
    )

    leads = np.flatnonzero(np.array(acc.stage) == "lead")
    n_new = int(round(lead_share * len(leads)))
    if n_new:
        rng = np.random.default_rng(seed)
        src = rng.choice(leads, size=n_new, replace=n_new > len(leads))
        cycle = _lead_cycle_hours(instance, tmin)
        extra_work = float(cycle[src].sum())
        extra_value = float(sum(values[("lead", acc.segment[a])] for a in src.tolist()))
    else:
        extra_work = extra_value = 0.0
    work2 = work + extra_work
    label = f"+{lead_share:.0%} leads"
    out.append(
        Marginal(
            label, cap, work2, pipeline + extra_value, min(1.0, cap / work2) if work2 > 0 else 1.0
        )
    )
    return tuple(out)

