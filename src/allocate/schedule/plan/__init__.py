"""The sales action plan: each seller's dated actions under daily capacity, travel included.

:mod:`.config` (the options), :mod:`.actions` (alignment and nomenclature to actions),
:mod:`.calendars` (working days and capacities), :mod:`.tours` (a day's tour),
:mod:`.seller` (one seller's problem), :mod:`.daymodel` (its CP-SAT day model),
:mod:`.daybook` and :mod:`.moves` (the local search's state and operators) and :mod:`.driver`
(:func:`~.driver.plan_actions`, the whole plan). All times here are days and minutes.
"""
