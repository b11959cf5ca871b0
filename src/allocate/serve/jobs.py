"""Background solves of the app: one thread per job, progress, cancel, and a proposal at the end.

A job snapshots the session (its version, sellers and locks), solves in a thread and keeps
its :class:`~allocate.serve.reoptimize.Proposal`. Progress is the share of the time limit
spent and the objective of each improving solution. Cancelling asks the CP-SAT searches to
stop (:func:`allocate.solvers.cpsat.request_stop`) and drops the proposal. Accepting applies
the proposal as one undoable step, only while the session is still at the job's version (an
edit made meanwhile makes it stale: HTTP 409). One job runs at a time.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from allocate.core.errors import InfeasibleError, InputError
from allocate.serve.reoptimize import Proposal
from allocate.solvers.cpsat import clear_stop, request_stop


class Busy(Exception):
    """Another job is running (HTTP 409)."""


@dataclass
class Job:
    """One background solve and what it reported."""

    id: str
    kind: str
    version: int
    time_limit_s: float
    started: float = field(default_factory=time.monotonic)
    status: str = "running"  # running | done | failed | cancelled | accepted | rejected
    message: str = ""
    trace: list[tuple[float, float]] = field(default_factory=list)
    proposal: Proposal | None = None
    cancelled: bool = False
    ended: float | None = None

    def progress(self) -> float:
        """Share of the time limit spent (1 once the job ended)."""
        if self.status != "running":
            return 1.0
        return min(0.99, (time.monotonic() - self.started) / max(self.time_limit_s, 1e-9))


class JobRunner:
    """Starts, tracks and cancels the app's background solves."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}

    def running(self) -> Job | None:
        """The running job, if any."""
        return next((j for j in self.jobs.values() if j.status == "running"), None)

    def start(self, kind: str, version: int, time_limit_s: float,
              work: Callable[[Callable[[float, float], None]], Proposal]) -> Job:
        """Run ``work(on_solution)`` in a thread.

        Raises
        ------
        Busy
            When a job is already running.
        """
        with self._lock:
            if self.running() is not None:
                raise Busy("a solve is already running: wait for it or cancel it")
            job = Job(id=uuid.uuid4().hex[:12], kind=kind, version=version, time_limit_s=time_limit_s)
            self.jobs[job.id] = job
        clear_stop()

        def target() -> None:
            try:
                proposal = work(lambda t, obj: job.trace.append((round(t, 3), float(obj))))
                if job.cancelled:
                    job.status = "cancelled"
                else:
                    job.proposal, job.status = proposal, "done"
            except (InfeasibleError, InputError, ValueError) as exc:
                job.status, job.message = "failed", _one_line(exc)
            except Exception as exc:  # an internal error: reported to the page, never raised
                job.status, job.message = "failed", f"internal error: {type(exc).__name__}: {_one_line(exc)}"
            finally:
                job.ended = time.monotonic()

        t = threading.Thread(target=target, name=f"allocate-job-{job.id}", daemon=True)
        self._threads[job.id] = t
        t.start()
        return job

    def get(self, job_id: str) -> Job:
        """The job ``job_id`` (``KeyError`` when unknown)."""
        return self.jobs[job_id]

    def cancel(self, job_id: str) -> Job:
        """Stop the job's search and drop its proposal."""
        job = self.get(job_id)
        if job.status == "running":
            job.cancelled = True
            request_stop()
        return job

    def wait(self, job_id: str, timeout: float | None = None) -> Job:
        """Block until the job ends (tests and benchmarks)."""
        t = self._threads.get(job_id)
        if t is not None:
            t.join(timeout)
        return self.get(job_id)


def _one_line(exc: BaseException) -> str:
    text = getattr(exc, "reason", None) or str(exc)
    short = list(getattr(exc, "shortfalls", ()) or ())
    if short:
        text = f"{text}: " + "; ".join(str(x) for x in short[:3]) + (" ..." if len(short) > 3 else "")
    return " ".join(str(text).split())[:500]


def job_json(job: Job, describe: Callable[[Proposal], dict[str, Any]]) -> dict[str, Any]:
    """The JSON of ``GET /api/jobs/{id}``: status, progress, and the proposal once done."""
    out: dict[str, Any] = {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress(),
        "elapsed_s": round((job.ended or time.monotonic()) - job.started, 3),
        "message": job.message,
        "trace": job.trace[-50:],
        "version": job.version,
    }
    if job.proposal is not None and job.status in ("done", "accepted", "rejected"):
        out["proposal"] = describe(job.proposal)
    return out
