"""``python -m allocate``: the command-line interface."""

from allocate.cli import main

main()
