"""Command-line interface: ``allocate COMMAND``. Each command group is a module with ``register(app)``.

Registered in the order of ``allocate --help``: instance commands, ``solve``, ``schedule``,
``map`` and ``report``, ``compare``, ``batch``, ``size``, ``design``. Exit codes: 0 ok, 1 internal
error, 2 bad input, 3 infeasible (see :mod:`allocate.cli.app`); ``design`` exits 4 when it found
no checked design (not a proof).
"""

from allocate.cli import batch, compare, design, instance, publish, schedule, size, solve
from allocate.cli.app import app, main

for _group in (instance, solve, schedule, publish, compare, batch, size, design):
    _group.register(app)

__all__ = ["app", "main"]
