"""Command-line interface: ``allocate COMMAND``. Each command group is a module with ``register(app)``.

Exit codes: 0 ok, 1 internal error, 2 bad input, 3 infeasible (see :mod:`allocate.cli.app`).
"""

from allocate.cli import compare, instance, publish, schedule, solve
from allocate.cli.app import app, main

for _group in (instance, solve, schedule, publish, compare):
    _group.register(app)

__all__ = ["app", "main"]
