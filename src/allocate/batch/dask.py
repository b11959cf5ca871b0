"""Dask distributed: the client, the check of a scheduler address, and the sellers' mapper.

``allocate batch`` runs its scenarios on a :func:`dask_client`; ``allocate schedule --dask`` /
``--scheduler`` and ``allocate compare --schedule --scheduler`` solve the sellers of a plan
with :func:`dask_map` (the generic mapper protocol and the process pool are in
:mod:`allocate.schedule.parallel`). ``distributed`` is imported only when a client is made.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from allocate.core.errors import InputError
from allocate.schedule.parallel import SellerMap, problem_size

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: Seconds between two looks at the Dask tasks.
POLL_S = 0.1
#: URL schemes of a Dask scheduler address.
SCHEDULER_SCHEMES = ("tcp://", "tls://", "ws://", "wss://", "inproc://")


def check_scheduler(address: str | None) -> None:
    """Refuse a ``--scheduler`` that does not look like a Dask address.

    Parameters
    ----------
    address
        The option's value (``None``: not given, accepted).

    Returns
    -------
    None

    Raises
    ------
    InputError
        Unless ``address`` starts with one of :data:`SCHEDULER_SCHEMES`.
    """
    if address is not None and not address.startswith(SCHEDULER_SCHEMES):
        raise InputError.single(
            "--scheduler", f"expected an address like tcp://HOST:8786, got {address!r}"
        )


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int = 2) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler`` if given, else to an embedded ``LocalCluster``.

    The local cluster runs ``workers`` processes with one thread each (CP-SAT and numpy hold
    the GIL for long stretches, so processes, not threads, give parallelism).

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://HOST:8786``); ``None`` for a local cluster.
    workers
        Processes of the local cluster.

    Returns
    -------
    iterator
        Yields the client; the client (and the local cluster) are closed on exit.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler, timeout="20s")
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def dask_map(client: Any) -> SellerMap:
    """A mapper that runs each call as one task on the Dask ``client`` (a ``distributed.Client``).

    Tasks get keys unique to the call (a scheduler shared with other jobs never hands back an
    older result), and a priority equal to the problem's size so that big sellers start first,
    as in the pool. Results are gathered in input order. On Ctrl-C or any error the tasks
    still pending are cancelled before the exception propagates.

    The plan equals the pool's when the cluster runs the solves as fast as the pool would: each
    seller's CP-SAT stops at a deterministic limit, and only its wall-clock safety limit and the
    plan's deadline (``time.time()`` on the worker, so clocks must agree) depend on the
    cluster. A cluster with fewer threads than ``PlanConfig.workers`` queues the solves, and
    the last ones may reach the deadline and keep their greedy plan.

    Parameters
    ----------
    client
        A ``distributed.Client``.

    Returns
    -------
    SellerMap
        ``run(fn, items)``: the results in the order of ``items``.
    """

    def run(fn: Callable[[T], R], items: Sequence[T], /) -> list[R]:
        if not items:
            return []
        token = uuid.uuid4().hex[:8]
        futures = [
            client.submit(fn, x, key=f"allocate-seller-{k}-{token}", priority=problem_size(x), pure=False)
            for k, x in enumerate(items)
        ]
        try:
            # poll rather than block in gather: Ctrl-C then lands in this thread's sleep, not
            # in the middle of the client's event loop (which would print stray tracebacks)
            while not all(f.done() for f in futures):
                if any(f.status == "error" for f in futures):
                    break  # gather raises the error of the first failed seller
                time.sleep(POLL_S)
            return list(client.gather(futures))
        except BaseException:
            logger.info("cancelling %d seller tasks", len(futures))
            client.cancel(futures, force=True)
            raise

    return run
