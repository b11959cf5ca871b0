"""Where the sellers' plans are solved: the mapper protocol and the local process pool.

Sellers are independent, so :func:`~allocate.schedule.plan.driver.plan_actions` hands the list of
per-seller problems to a *mapper*: a callable ``mapper(fn, items) -> [fn(x) for x in items]``
that may run the calls anywhere, as long as it returns the results in the order of ``items``.
Each solve is seeded and limited in deterministic time, so the mapper changes where and when
the work runs, never the plan (see :mod:`allocate.schedule.plan`).

The pool stops at once on Ctrl-C or SIGTERM (which the CLI turns into the same
:class:`KeyboardInterrupt`): the running solves are terminated and the exception propagates,
before anything has been written. The workers leave signals to their parent (Ctrl-C reaches
the whole process group, and a worker must not stop on its own), die at once when it
terminates them, and die with it when it is killed outright (Linux). The Dask mapper
(``--dask``, ``--scheduler``) is :func:`allocate.batch.dask.dask_map`.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class SellerMap(Protocol):
    """``mapper(fn, items)``: ``[fn(x) for x in items]``, computed anywhere, in input order."""

    def __call__(self, fn: Callable[[T], R], items: Sequence[T], /) -> list[R]: ...


def problem_size(item: object) -> int:
    """Size of a problem, to start the big ones first.

    Parameters
    ----------
    item
        A per-seller problem.

    Returns
    -------
    int
        Its attribute ``n``, 0 when it has none.
    """
    return int(getattr(item, "n", 0))


_PR_SET_PDEATHSIG = 1


def _worker_init(parent: int) -> None:
    """Signals in a worker: the parent decides (see the module's docstring)."""
    # a forked worker inherits the CLI's Python handlers, which would only run between two
    # CP-SAT calls: the defaults make terminate() immediate
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # forked while the parent held them (_signals_held)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    if sys.platform.startswith("linux"):
        with contextlib.suppress(AttributeError, OSError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while the pool starts: an exception raised half-way through
    its start leaves it unable to shut down cleanly (its wake-up pipe is closed at exit)."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def pool_map(workers: int) -> SellerMap:
    """A mapper on a process pool of ``workers`` processes (in-process when ``workers <= 1``).

    The pool uses the platform's default start method (fork on Linux, spawn elsewhere): spawn
    costs about a second per worker and needs the caller's script to guard its main block.
    The biggest problems (attribute ``n``) are submitted first.

    Parameters
    ----------
    workers
        Number of processes.

    Returns
    -------
    SellerMap
        ``run(fn, items)``: the results in the order of ``items``.
    """

    def run(fn: Callable[[T], R], items: Sequence[T], /) -> list[R]:
        if workers <= 1 or len(items) <= 1:
            return [fn(x) for x in items]
        ctx = multiprocessing.get_context()
        order = sorted(range(len(items)), key=lambda k: -problem_size(items[k]))  # big sellers first
        with _signals_held():  # delivered once every task is submitted, while waiting below
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                                       initargs=(os.getpid(),))
            futures = {k: pool.submit(fn, items[k]) for k in order}
        try:
            return [futures[k].result() for k in range(len(items))]
        except BaseException:
            # Ctrl-C, SIGTERM or an error: stop now rather than wait for the running sellers;
            # nothing has been written yet, so the caller leaves the output folder as it was.
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True)

    return run
