"""Scheduling: a generic CP-SAT engine and the sales action plan built on it.

The engine (:mod:`.engine`, :mod:`.sgs`, :mod:`.psplib`) schedules tasks, precedences with lags
and renewable resources; all its times are integers in a unit chosen by the caller. The action
plan (:mod:`.actions`, :mod:`.calendars`, :mod:`.tours`, :mod:`.plan`, :mod:`.outputs`) turns
an alignment and the nomenclature into each seller's dated actions, in days.
"""

from allocate.io.benchmarks.psplib import RcpspInstance, read_psplib
from allocate.schedule.actions import Actions, expand_actions
from allocate.schedule.calendars import Horizon, parse_holidays
from allocate.schedule.engine import (
    Budget,
    Downtime,
    Precedence,
    Resource,
    ScheduleProblem,
    ScheduleResult,
    SchedulingModel,
    Task,
    check_schedule,
    solve_schedule,
)
from allocate.schedule.outputs import write_plan
from allocate.schedule.plan import ActionPlan, PlanConfig, plan_actions
from allocate.schedule.rcpsp import to_schedule_problem
from allocate.schedule.run import schedule_run
from allocate.schedule.sgs import best_serial_schedule, greedy_value_schedule, priority_rules

__all__ = [
    "ActionPlan",
    "Actions",
    "Horizon",
    "PlanConfig",
    "expand_actions",
    "parse_holidays",
    "plan_actions",
    "schedule_run",
    "write_plan",
    "Budget",
    "Downtime",
    "Precedence",
    "RcpspInstance",
    "Resource",
    "ScheduleProblem",
    "ScheduleResult",
    "SchedulingModel",
    "Task",
    "best_serial_schedule",
    "check_schedule",
    "greedy_value_schedule",
    "priority_rules",
    "read_psplib",
    "solve_schedule",
    "to_schedule_problem",
]
