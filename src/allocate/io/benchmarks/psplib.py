"""Read PSPLIB single-mode RCPSP files (``.sm``) (plain data; :func:`allocate.schedule.engine.rcpsp.to_schedule_problem` maps them onto the scheduling engine).

The RCPSP (resource-constrained project scheduling problem) is the classic check of a
scheduling core: jobs with durations, finish-to-start precedences and demands on renewable
resources of constant capacity; minimise the makespan. PSPLIB (Kolisch & Sprecher 1996) files
have the sections ``PRECEDENCE RELATIONS:`` (``job #modes #succ succ...``),
``REQUESTS/DURATIONS:`` (``job mode duration R1..Rk``) and ``RESOURCEAVAILABILITIES:``.

Time is the abstract PSPLIB period; the adapter keeps it as the engine's integer unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RcpspInstance:
    """A single-mode RCPSP as read from a PSPLIB file (jobs 0-based, dummies included).

    Parameters
    ----------
    name
        Instance name (file stem).
    durations
        Duration of each job, in PSPLIB periods.
    demands
        ``demands[j][r]``: use of resource ``r`` by job ``j``.
    successors
        ``successors[j]``: 0-based successors of job ``j``.
    capacities
        Constant capacity of each renewable resource.
    horizon
        The file's horizon (a valid upper bound on the makespan).
    """

    name: str
    durations: tuple[int, ...]
    demands: tuple[tuple[int, ...], ...]
    successors: tuple[tuple[int, ...], ...]
    capacities: tuple[int, ...]
    horizon: int

    def __post_init__(self) -> None:
        n = len(self.durations)
        if len(self.demands) != n or len(self.successors) != n:
            raise ValueError(f"{self.name}: {n} durations but {len(self.demands)} demand rows")
        for j, succ in enumerate(self.successors):
            for s in succ:
                if not 0 <= s < n:
                    raise ValueError(f"{self.name}: job {j + 1} has unknown successor {s + 1}")
        for j, row in enumerate(self.demands):
            if len(row) != len(self.capacities):
                raise ValueError(f"{self.name}: job {j + 1} has {len(row)} demands")

    @property
    def n_jobs(self) -> int:
        """Number of jobs, the two dummies included."""
        return len(self.durations)


def _section(lines: list[str], title: str) -> list[str]:
    """Data lines of the section that starts with ``title`` (after any column header)."""
    for k, line in enumerate(lines):
        if line.strip().startswith(title):
            out: list[str] = []
            for body in lines[k + 1 :]:
                s = body.strip()
                if s.startswith("*"):
                    break
                if s and (s[0].isdigit()):
                    out.append(s)
            return out
    raise ValueError(f"section {title!r} not found")


def read_psplib(path: str | Path) -> RcpspInstance:
    """Read a PSPLIB single-mode ``.sm`` file.

    Parameters
    ----------
    path
        The ``.sm`` file.

    Returns
    -------
    RcpspInstance
        Jobs, durations, demands, successors (0-based), capacities and horizon.

    Raises
    ------
    ValueError
        When a section is missing or a line does not have the expected numbers (the message
        names the file and the job).
    """
    path = Path(path)
    text = path.read_text()
    lines = text.splitlines()
    m = re.search(r"horizon\s*:\s*(\d+)", text)
    if m is None:
        raise ValueError(f"{path}: no horizon line")
    horizon = int(m.group(1))
    prec = _section(lines, "PRECEDENCE RELATIONS:")
    req = _section(lines, "REQUESTS/DURATIONS:")
    cap_lines = _section(lines, "RESOURCEAVAILABILITIES:")
    if len(cap_lines) != 1:
        raise ValueError(f"{path}: expected one line of resource availabilities")
    capacities = tuple(int(v) for v in cap_lines[0].split())
    n = len(req)
    successors: list[tuple[int, ...]] = [()] * n
    for line in prec:
        v = [int(x) for x in line.split()]
        job, n_succ = v[0], v[2]
        if len(v) != 3 + n_succ or not 1 <= job <= n:
            raise ValueError(f"{path}: bad precedence line for job {job}: {line!r}")
        successors[job - 1] = tuple(s - 1 for s in v[3:])
    durations: list[int] = [0] * n
    demands: list[tuple[int, ...]] = [()] * n
    for line in req:
        v = [int(x) for x in line.split()]
        job = v[0]
        if len(v) != 3 + len(capacities) or not 1 <= job <= n:
            raise ValueError(f"{path}: bad request line for job {job}: {line!r}")
        durations[job - 1] = v[2]
        demands[job - 1] = tuple(v[3:])
    return RcpspInstance(
        name=path.stem,
        durations=tuple(durations),
        demands=tuple(demands),
        successors=tuple(successors),
        capacities=capacities,
        horizon=horizon,
    )
