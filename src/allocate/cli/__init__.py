"""Command-line interface: ``allocate COMMAND``. Each command group is a module with ``register(app)``.

Registered in the order of ``allocate --help``: instance commands, ``import`` and ``export``, ``solve``, ``schedule``,
``map`` and ``report``, ``compare``, ``batch``, ``size``, ``serve``, ``design``. Exit codes: 0 ok,
1 internal error, 2 bad input, 3 infeasible (proven), 4 no valid result (``solve``/``design``: none
found that the independent check accepts, nothing proven; ``batch``: a scenario failed),
130 Ctrl-C, 143 SIGTERM (see :mod:`allocate.cli.app`).
"""

from allocate.cli import (
    batch,
    compare,
    crm,
    design,
    instance,
    publish,
    schedule,
    serve,
    size,
    solve,
)
from allocate.cli.app import app, main

for _group in (instance, crm, solve, schedule, publish, compare, batch, size, serve, design):
    _group.register(app)

__all__ = ["app", "main"]
