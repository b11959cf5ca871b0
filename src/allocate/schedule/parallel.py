"""Where the sellers' plans are solved: a local process pool or a Dask cluster.

Sellers are independent, so :func:`~allocate.schedule.plan.plan_actions` hands the list of
per-seller problems to a *mapper*: a callable ``mapper(fn, items) -> [fn(x) for x in items]``
that may run the calls anywhere, as long as it returns the results in the order of ``items``.
Each solve is seeded and limited in deterministic time, so the mapper changes where and when
the work runs, never the plan (see :mod:`allocate.schedule.plan`).

Both mappers stop at once on Ctrl-C: the running solves are terminated (pool) or cancelled
(Dask) and :class:`KeyboardInterrupt` propagates, before anything has been written.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: Seconds between two looks at the Dask tasks.
POLL_S = 0.1


class SellerMap(Protocol):
    """``mapper(fn, items)``: ``[fn(x) for x in items]``, computed anywhere, in input order."""

    def __call__(self, fn: Callable[[T], R], items: Sequence[T], /) -> list[R]: ...


def _size(item: object) -> int:
    """Size of a problem, to start the big ones first (0 when unknown)."""
    return int(getattr(item, "n", 0))


def pool_map(workers: int) -> SellerMap:
    """A mapper on a process pool of ``workers`` processes (in-process when ``workers <= 1``).

    The pool uses the platform's default start method (fork on Linux, spawn elsewhere): spawn
    costs about a second per worker and needs the caller's script to guard its main block.
    """

    def run(fn: Callable[[T], R], items: Sequence[T], /) -> list[R]:
        if workers <= 1 or len(items) <= 1:
            return [fn(x) for x in items]
        ctx = multiprocessing.get_context()
        order = sorted(range(len(items)), key=lambda k: -_size(items[k]))  # big sellers first
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        try:
            futures = {k: pool.submit(fn, items[k]) for k in order}
            return [futures[k].result() for k in range(len(items))]
        except KeyboardInterrupt:
            # Ctrl-C: stop now rather than wait for the running sellers; nothing has been
            # written yet, so the caller leaves the output folder as it was.
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True)

    return run


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
    """

    def run(fn: Callable[[T], R], items: Sequence[T], /) -> list[R]:
        if not items:
            return []
        token = uuid.uuid4().hex[:8]
        futures = [
            client.submit(fn, x, key=f"allocate-seller-{k}-{token}", priority=_size(x), pure=False)
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
