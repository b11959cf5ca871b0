"""A generic CP-SAT scheduling engine: plain data in, a :class:`~.problem.ScheduleResult` out.

The engine knows nothing about sellers or accounts. It schedules *tasks* on *renewable
resources* under finish-to-start precedences with minimum and maximum lags, release dates,
deadlines, calendars (allowed windows or forbidden intervals per task, downtimes per resource)
and optional tasks that may be left out, alone or as all-or-nothing *chains*.

**Time unit.** Every time in this package (durations, releases, due dates, lags, windows,
downtimes, the horizon, the resulting starts) is a non-negative integer in a unit chosen by the
caller: minutes for a day-level action plan, days for a coarse plan, abstract periods for the
PSPLIB benchmark. The engine never converts units; scale once, upstream, and keep the scale
factor named there. Weights and values are integers as well (CP-SAT needs integer coefficients).

Two objectives are available:

``"makespan"``
    minimise the end of the last task (every task must be mandatory), as in the RCPSP;
``"value"``
    maximise the value of the tasks kept, minus a penalty per time unit of delay after each
    task's release and a penalty per time unit of lateness after its due date.

Modules: :mod:`.problem` (the data and the result), :mod:`.bounds` (makespan lower bound,
energy delays), :mod:`.model` (the CP-SAT model), :mod:`.solve` (:func:`~.solve.solve_schedule`),
:mod:`.check` (:func:`~.check.check_schedule`), :mod:`.sgs` (constructive heuristics) and
:mod:`.rcpsp` (the PSPLIB RCPSP as a problem of the engine).
"""
