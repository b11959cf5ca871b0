"""Scheduling core: tasks, precedences with lags and renewable resources, solved by CP-SAT.

All times are integers in a unit chosen by the caller (minutes, days or abstract periods).
"""

from allocate.schedule.engine import (
    Downtime,
    Precedence,
    Resource,
    ScheduleProblem,
    ScheduleResult,
    SchedulingModel,
    SolveStatus,
    Task,
    check_schedule,
    solve_schedule,
)
from allocate.schedule.psplib import RcpspInstance, read_psplib, to_schedule_problem
from allocate.schedule.sgs import best_serial_schedule, greedy_value_schedule, priority_rules

__all__ = [
    "Downtime",
    "Precedence",
    "RcpspInstance",
    "Resource",
    "ScheduleProblem",
    "ScheduleResult",
    "SchedulingModel",
    "SolveStatus",
    "Task",
    "best_serial_schedule",
    "check_schedule",
    "greedy_value_schedule",
    "priority_rules",
    "read_psplib",
    "solve_schedule",
    "to_schedule_problem",
]
