"""Scheduling: a generic CP-SAT engine and the sales action plan built on it.

The engine (:mod:`.engine`) schedules tasks, precedences with lags and renewable resources;
all its times are integers in a unit chosen by the caller. The action plan (:mod:`.plan`, with
its files written by :mod:`.outputs`, run by :mod:`.run` and mapped over sellers by
:mod:`.parallel`) turns an alignment and the nomenclature into each seller's dated actions,
in days.
"""

from allocate.io.benchmarks.psplib import RcpspInstance, read_psplib
from allocate.schedule.engine.check import check_schedule
from allocate.schedule.engine.model import SchedulingModel
from allocate.schedule.engine.problem import (
    Budget,
    Downtime,
    Precedence,
    Resource,
    ScheduleProblem,
    ScheduleResult,
    Task,
)
from allocate.schedule.engine.rcpsp import to_schedule_problem
from allocate.schedule.engine.sgs import best_serial_schedule, greedy_value_schedule, priority_rules
from allocate.schedule.engine.solve import solve_schedule
from allocate.schedule.outputs import write_plan
from allocate.schedule.plan.actions import Actions, expand_actions
from allocate.schedule.plan.calendars import Horizon, parse_holidays
from allocate.schedule.plan.config import PlanConfig
from allocate.schedule.plan.driver import Schedule, plan_actions
from allocate.schedule.run import schedule_run

__all__ = [
    "Schedule",
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
