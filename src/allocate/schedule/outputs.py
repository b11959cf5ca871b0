"""Tables and indicators of an :class:`~allocate.schedule.plan.driver.Schedule`.

The planned actions, the weekly load, the actions left out, the expected funnel and the keys
added to the run's KPIs; :func:`write_plan` hands them to :func:`allocate.io.runfolder.write_plan_files`,
which names and writes the files.

**Funnel (expected output).** When the chain of one-off operations of a lead, a prospect or an
opportunity is completed (its last action's week), the account moves on with the stage
conversion rates ``c`` of the nomenclature. The plan is credited in that week with the
expected downstream output: a *contact* for a lead or a prospect; an *offer* with probability
``c_lead * c_prospect`` (lead), ``c_prospect`` (prospect) or 1 (opportunity: the proposal is
made); a *deal* with the offer probability times ``c_opportunity``; and *margin* = deal
probability times the segment's ``deal_value``. An account with several chains (several
specialists, or several chains in its playbook) shares one unit of credit among them.
To stand still, the plan must win ``customers * churn_rate * weeks / 52`` new customers.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from allocate.core.instance import Instance
from allocate.io.runfolder import write_plan_files
from allocate.schedule.plan.driver import REASONS, Schedule


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def action_columns(
    instance: Instance, plan: Schedule, idx: NDArray[np.int64]
) -> dict[str, list[str]]:
    """The columns that name actions ``idx`` in the tables: seller, account and operation.

    Parameters
    ----------
    instance
        The instance of the plan.
    plan
        The action plan.
    idx
        Indices of actions, in the tables' row order.

    Returns
    -------
    dict of str to list of str
        ``seller_id``, ``account_id`` and ``operation`` of each action, in that order.
    """
    a = plan.actions
    return {
        "seller_id": [instance.sellers.ids[a.seller[i]] for i in idx],
        "account_id": [instance.accounts.ids[a.account[i]] for i in idx],
        "operation": [a.operation[i] for i in idx],
    }


def schedule_frame(instance: Instance, plan: Schedule) -> pd.DataFrame:
    """One row per planned action, by seller, date and start.

    Parameters
    ----------
    instance
        The instance of the plan.
    plan
        The action plan.

    Returns
    -------
    pandas.DataFrame
        The table, as written in the run folder.
    """
    a = plan.actions
    idx = np.flatnonzero(plan.placed)
    idx = idx[np.lexsort((plan.start_min[idx], plan.day[idx], a.seller[idx]))]
    return pd.DataFrame(
        {
            **action_columns(instance, plan, idx),
            "date": [plan.horizon.date(int(plan.day[i])).isoformat() for i in idx],
            "start": [_hhmm(int(plan.start_min[i])) for i in idx],
            "duration_min": a.duration_min[idx].astype(int),
            "travel_min": np.round(plan.travel_min[idx], 1),
            "channel": [a.channel[i] for i in idx],
        }
    )


def unscheduled_frame(instance: Instance, plan: Schedule) -> pd.DataFrame:
    """One row per action left out, with its reason (capacity, lag, horizon, calendar or
    time_limit: not offered a day before the plan's work budget or time ran out).

    Parameters
    ----------
    instance
        The instance of the plan.
    plan
        The action plan.

    Returns
    -------
    pandas.DataFrame
        The table, as written in the run folder.
    """
    a = plan.actions
    idx = np.flatnonzero(~plan.placed)
    idx = idx[np.lexsort((idx, a.seller[idx]))]
    return pd.DataFrame(
        {
            **action_columns(instance, plan, idx),
            "reason": [plan.reason[i] for i in idx],
            "duration_min": a.duration_min[idx].astype(int),
            "due_date": [
                plan.horizon.date(int(a.due[i])).isoformat() if a.due[i] >= 0 else "" for i in idx
            ],
        },
        columns=["seller_id", "account_id", "operation", "reason", "duration_min", "due_date"],
    )


def load_frame(instance: Instance, plan: Schedule) -> pd.DataFrame:
    """Seller x week: hours planned (work + travel), capacity and utilization.

    Parameters
    ----------
    instance
        The instance of the plan.
    plan
        The action plan.

    Returns
    -------
    pandas.DataFrame
        The table, as written in the run folder.
    """
    a = plan.actions
    weeks = plan.horizon.weeks
    n_sel = len(instance.sellers)
    planned = np.zeros((n_sel, weeks))
    idx = np.flatnonzero(plan.placed)
    np.add.at(
        planned,
        (a.seller[idx], plan.day[idx] // 7),
        (a.duration_min[idx] + plan.travel_min[idx]) / 60.0,
    )
    days = plan.day_capacity_min.reshape(n_sel, weeks, 7).sum(axis=2)
    weekly = plan.week_capacity_min
    cap = (np.minimum(days, weekly) if weekly.shape == days.shape else days) / 60.0
    rows = []
    for s in sorted(set(int(x) for x in a.seller)):
        for w in range(weeks):
            rows.append(
                {
                    "seller_id": instance.sellers.ids[s],
                    "week": w + 1,
                    "week_start": plan.horizon.date(7 * w).isoformat(),
                    "planned_h": round(float(planned[s, w]), 2),
                    "capacity_h": round(float(cap[s, w]), 2),
                    "utilization": round(float(planned[s, w] / cap[s, w]), 4)
                    if cap[s, w] > 0
                    else 0.0,
                }
            )
    return pd.DataFrame(
        rows, columns=["seller_id", "week", "week_start", "planned_h", "capacity_h", "utilization"]
    )


def funnel_frame(instance: Instance, plan: Schedule) -> pd.DataFrame:
    """Expected contacts, offers, deals and margin per week (see the module docstring).

    Parameters
    ----------
    instance
        The instance of the plan.
    plan
        The action plan.

    Returns
    -------
    pandas.DataFrame
        The table, as written in the run folder.
    """
    a = plan.actions
    acc = instance.accounts
    conv = instance.nomenclature.conversion
    c_lead, c_pro, c_opp = (float(conv.get(k, 0.0)) for k in ("lead", "prospect", "opportunity"))
    offer_p = {"lead": c_lead * c_pro, "prospect": c_pro, "opportunity": 1.0}
    contact = {"lead": 1.0, "prospect": 1.0, "opportunity": 0.0}
    chains: dict[int, list[int]] = defaultdict(list)
    for i in np.flatnonzero(a.once):
        chains[int(a.group[i])].append(int(i))
    per_account: dict[int, int] = defaultdict(int)
    for members in chains.values():
        per_account[int(a.account[members[0]])] += 1
    weeks = plan.horizon.weeks
    out = np.zeros((weeks, 4))
    for members in chains.values():
        acct = int(a.account[members[0]])
        stage = acc.stage[acct]
        if stage not in offer_p or not all(plan.day[i] >= 0 for i in members):
            continue
        w = int(max(plan.day[i] for i in members)) // 7
        credit = 1.0 / per_account[acct]
        deal = offer_p[stage] * c_opp
        value = float(instance.nomenclature.deal_value.get(acc.segment[acct], 0.0))
        out[w] += credit * np.array([contact[stage], offer_p[stage], deal, deal * value])
    return pd.DataFrame(
        {
            "week": np.arange(1, weeks + 1),
            "week_start": [plan.horizon.date(7 * w).isoformat() for w in range(weeks)],
            "contacts": np.round(out[:, 0], 3),
            "offers": np.round(out[:, 1], 3),
            "deals": np.round(out[:, 2], 3),
            "margin": np.round(out[:, 3], 2),
        }
    )


def plan_kpis(
    instance: Instance, plan: Schedule, load: pd.DataFrame, funnel: pd.DataFrame
) -> dict[str, Any]:
    """The keys that the plan adds to the run's KPIs.

    Parameters
    ----------
    instance
        The instance of the plan.
    plan
        The action plan.
    load, funnel
        Its :func:`load_frame` and :func:`funnel_frame`.

    Returns
    -------
    dict
        Share scheduled, backlog, weekly utilization, funnel output, the churn to beat and the
        schedule's settings.
    """
    a = plan.actions
    placed = plan.placed
    weekly = load.groupby("week")[["planned_h", "capacity_h"]].sum()
    util = (weekly["planned_h"] / weekly["capacity_h"].where(weekly["capacity_h"] > 0)).fillna(0.0)
    customers = int(sum(1 for s in instance.accounts.stage if s == "customer"))
    weeks = plan.horizon.weeks
    reasons = {
        r: int(sum(1 for x in plan.reason if x == r))
        for r in REASONS
    }
    return {
        "share_scheduled": round(float(placed.mean()) if len(a) else 1.0, 4),
        "backlog_h": round(float(a.duration_min[~placed].sum()) / 60.0, 2),
        "weekly_utilization": [round(float(u), 4) for u in util.to_numpy()],
        "funnel_output": {
            "contacts": round(float(funnel["contacts"].sum()), 2),
            "offers": round(float(funnel["offers"].sum()), 2),
            "deals": round(float(funnel["deals"].sum()), 2),
            "margin": round(float(funnel["margin"].sum()), 2),
        },
        "new_customers_to_stand_still": round(customers * plan.churn_rate * weeks / 52.0, 2),
        "schedule": {
            "start": plan.horizon.start.isoformat(),
            "weeks": weeks,
            "actions": len(a),
            "scheduled": int(placed.sum()),
            "unscheduled_by_reason": reasons,
            "travel_h": round(float(plan.travel_min.sum()) / 60.0, 2),
            "churn_rate": plan.churn_rate,
            "wall_s": round(plan.wall_s, 3),
            **plan.meta,
        },
    }


def write_plan(folder: str | Path, instance: Instance, plan: Schedule) -> list[Path]:
    """Write the plan's tables into the run folder ``folder`` and add its keys to the run's KPIs.

    Parameters
    ----------
    folder
        The run folder (its KPIs from ``allocate solve`` are kept).
    instance
        The instance of the plan.
    plan
        The action plan.

    Returns
    -------
    list of pathlib.Path
        The files written (see :func:`allocate.io.runfolder.write_plan_files`).
    """
    load = load_frame(instance, plan)
    funnel = funnel_frame(instance, plan)
    return write_plan_files(
        Path(folder),
        instance.name,
        schedule=schedule_frame(instance, plan),
        load=load,
        unscheduled=unscheduled_frame(instance, plan),
        funnel=funnel,
        kpis=plan_kpis(instance, plan, load, funnel),
    )
