"""The measures balanced by a design, per node of the design graph.

Built-in measures per account: ``count`` (1), ``potential`` and ``workload`` (desk hours per
week of its playbook, all roles, from :func:`allocate.core.workload.account_workload`: travel
is left out, as it depends on who serves the account). Any other name is a numeric column
given by the caller (the CLI reads it from the accounts table). Each measure is summed over
the accounts of a node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from allocate.core.errors import InputError
from allocate.core.instance import Instance
from allocate.core.workload import account_workload

BUILT_IN = ("count", "potential", "workload")


def account_measure(
    instance: Instance, name: str, columns: Mapping[str, NDArray[np.float64]]
) -> NDArray[np.float64]:
    """The value of measure ``name`` for each account.

    Raises
    ------
    InputError
        An unknown measure, or a column with a missing, negative or non-finite value.
    """
    n = len(instance.accounts)
    if name == "count":
        return np.ones(n)
    if name == "potential":
        return np.asarray(instance.accounts.potential, dtype=np.float64)
    if name == "workload":
        return np.asarray(account_workload(instance).total_desk_h, dtype=np.float64)
    if name not in columns:
        raise InputError.single(
            "accounts",
            f"unknown measure {name!r}: use {', '.join(BUILT_IN)} or a numeric column of the accounts",
            column=name,
        )
    v = np.asarray(columns[name], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(v) | (v < 0))
    if len(bad):
        raise InputError.single(
            "accounts", f"measure {name!r} needs a number >= 0", int(bad[0]) + 2, name
        )
    return v


def node_measures(
    instance: Instance,
    account_node: NDArray[np.int64],
    n_nodes: int,
    names: Sequence[str],
    columns: Mapping[str, NDArray[np.float64]] | None = None,
) -> NDArray[np.float64]:
    """``(nodes, measures)`` totals of each measure over the accounts of each node."""
    out = np.zeros((n_nodes, len(names)))
    for j, name in enumerate(names):
        np.add.at(out[:, j], account_node, account_measure(instance, name, columns or {}))
    return out
