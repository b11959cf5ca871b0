"""The state of one seller's local search: each day's actions, tour and free minutes.

This module is one concept, the :class:`DayBook`: the mutable plan of one seller that the
operators of :mod:`allocate.schedule.plan.moves` read and change. Tours are estimated in
:mod:`allocate.schedule.plan.tours` and the operators live in ``moves``; what is here is the
state and the many small questions the operators ask of it, each a documented method (hence
the module's length).

A :class:`DayBook` holds the days of a seller's plan with their real tours (nearest neighbour
and 2-opt, re-estimated when a day changes) and answers: the free minutes of a day (and of its
week), the cost of inserting or removing a visit, the days an action may take given its chain's
planned days. It books and unbooks actions, snapshots days and rolls a sequence of moves back.
Its :meth:`DayBook.timetable` turns the final days into start minutes and travel.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from allocate.schedule.plan.seller import SellerProblem
from allocate.schedule.plan.tours import estimate_tour, tour_length, travel_matrix_min

#: Minutes from midnight at which a working day starts (08:30).
DAY_START_MIN = 8 * 60 + 30
#: Largest day (in stops) whose tour is re-estimated from scratch after a change.
REOPTIMIZE_STOPS = 12

#: A day's stops, tasks, desk minutes, tour minutes and index (see :meth:`DayBook.snapshot`).
_Snapshot = tuple[list[int], list[int], float, float, int]


class DayBook:
    """The days of one seller with their real tours: the local search's state.

    Parameters
    ----------
    p
        The seller's problem.
    day
        Day of each action (``-1`` = not planned), e.g. from the day model; copied.
    max_evals
        Evaluations (of a day for an action) allowed to the relocation fill and the
        consolidation (:func:`~allocate.schedule.plan.moves.relocate_fill`).

    Attributes
    ----------
    day
        Day of each action (``-1`` = not planned).
    stops, tasks
        Per day: its visits in tour order, and all its actions.
    desk, vmin, tour
        Per day: minutes of desk work, of visits (without travel) and of the tour.
    place, matrix
        Row of each action's place in ``matrix``, the travel minutes between the visited
        places (row 0 = the base).
    weekly
        Whether some week holds fewer minutes than its days (then weeks are checked too).
    evals
        Evaluations made so far.
    clock_stopped
        Whether the wall-clock safety limit (:attr:`stop_at`), not the evaluations, stopped
        the relocation fill or the consolidation.
    stop_at
        ``time.time()`` after which the search stops (default: ``p.stop_at``).
    """

    def __init__(self, p: SellerProblem, day: NDArray[np.int64], max_evals: int = 0) -> None:
        self.p = p
        self.max_evals = max_evals  # evaluations allowed to the relocation fill and consolidation
        self.day = day.copy()
        n_days = len(p.day_cap)
        # per-day minutes as Python lists: read one at a time in the search's inner loops
        self.desk = [0.0] * n_days
        self.stops: list[list[int]] = [[] for _ in range(n_days)]  # visit actions in tour order
        self.tour = [0.0] * n_days
        self.tasks: list[list[int]] = [[] for _ in range(n_days)]
        self.vmin = [0.0] * n_days  # minutes of the day's visits (without travel)
        # travel minutes between the visited places (0 = base), computed once per seller
        vis = np.flatnonzero(p.is_visit)
        places, first, inv = np.unique(
            np.c_[p.lat[vis], p.lon[vis]], axis=0, return_index=True, return_inverse=True
        )
        self.place = np.zeros(p.n, dtype=np.int64)
        self.place[vis] = np.asarray(inv).reshape(-1) + 1
        k = len(places) + 1
        self.matrix = np.zeros((k, k))
        if len(places):
            self.matrix[1:, 1:] = travel_matrix_min(places[:, 0], places[:, 1], p.travel)
            self.matrix[0, 1:] = self.matrix[1:, 0] = p.base_min[vis[first]]
        self.arcs_in: dict[int, list[tuple[int, int, int]]] = {}
        self.arcs_out: dict[int, list[tuple[int, int, int]]] = {}
        for a, b, lo, hi in p.lags:
            self.arcs_in.setdefault(b, []).append((a, lo, hi))
            self.arcs_out.setdefault(a, []).append((b, lo, hi))
        self._journal: tuple[dict[int, _Snapshot], dict[int, int]] | None = None
        self.evals = 0
        self.clock_stopped = False  # the wall clock, not the evaluations, stopped the search
        self.stop_at = p.stop_at  # time.time() of the wall-clock safety net
        # weeks are checked only when some week holds fewer minutes than its days
        self.weekly = bool(p.binding_weeks.any()) and n_days % 7 == 0
        self.week_cap = p.week_cap.astype(float) if self.weekly else np.zeros(0)
        for i in np.flatnonzero(self.day >= 0):
            self.add(int(i), int(self.day[i]))
        for d in range(n_days):
            self.retour(d, fresh=True)

    def dist(self, stops: list[int]) -> NDArray[np.float64]:
        """Travel minutes between the base (row 0) and ``stops`` (rows 1..).

        Parameters
        ----------
        stops
            Visit actions, in any order.

        Returns
        -------
        ndarray
            Square matrix of minutes, ``len(stops) + 1`` rows; row and column 0 are the base.
        """
        at = np.r_[0, self.place[stops]] if stops else np.zeros(1, dtype=np.int64)
        return self.matrix[np.ix_(at, at)]

    def add(self, i: int, d: int, at: int | None = None) -> None:
        """Book action ``i`` on day ``d``, a visit at position ``at`` of the tour (not updated).

        Parameters
        ----------
        i
            An unplanned action.
        d
            The day to book it on.
        at
            Where a visit joins the day's :attr:`stops` (``None``: last).
        """
        self.day[i] = d
        self.tasks[d].append(i)
        if self.p.is_visit[i]:
            if at is None:
                self.stops[d].append(i)
            else:
                self.stops[d].insert(at, i)
            self.vmin[d] += float(self.p.duration[i])
        else:
            self.desk[d] += float(self.p.duration[i])

    def unbook(self, i: int) -> int:
        """Take planned action ``i`` off its day, the reverse of :meth:`add` (tour not updated).

        Parameters
        ----------
        i
            A planned action.

        Returns
        -------
        int
            The day it was on.
        """
        d = int(self.day[i])
        self.tasks[d].remove(i)
        if self.p.is_visit[i]:
            self.stops[d].remove(i)
            self.vmin[d] -= float(self.p.duration[i])
        else:
            self.desk[d] -= float(self.p.duration[i])
        self.day[i] = -1
        return d

    def retour(self, d: int, fresh: bool = False) -> None:
        """Tour length of day ``d``: keep the current order unless NN + 2-opt is shorter.

        Parameters
        ----------
        d
            The day whose :attr:`tour` is updated (and its :attr:`stops` reordered if shorter).
        fresh
            Re-estimate whatever the day's size and take the new order even if not shorter.
        """
        stops = self.stops[d]
        if not stops:
            self.tour[d] = 0.0
            return
        dist = self.dist(stops)
        current = tour_length(dist, list(range(1, len(stops) + 1)))
        if fresh or len(stops) <= REOPTIMIZE_STOPS:
            order, length = estimate_tour(dist)
            if fresh or length < current - 1e-9:
                self.stops[d] = [stops[k - 1] for k in order]
                current = length
        self.tour[d] = current

    def load(self, d: int) -> float:
        """Minutes used on day ``d``: desk work, visits and the tour.

        Parameters
        ----------
        d
            The day.

        Returns
        -------
        float
            Desk minutes plus visit minutes plus tour minutes.
        """
        return float(self.desk[d] + self.vmin[d] + self.tour[d])

    def room(self, d: int) -> float:
        """Free minutes of day ``d``: what its own capacity and its week's leave.

        Parameters
        ----------
        d
            The day.

        Returns
        -------
        float
            The day's capacity minus its load, capped by its week's free minutes when
            :attr:`weekly`; negative when overbooked.
        """
        free = float(self.p.day_cap[d]) - self.load(d)
        return min(free, self.week_free(d // 7)) if self.weekly else free

    def week_free(self, w: int) -> float:
        """Minutes left in week ``w`` (only meaningful when :attr:`weekly`).

        Parameters
        ----------
        w
            The week (days ``7 * w`` to ``7 * w + 6``).

        Returns
        -------
        float
            The week's capacity minus the minutes used on its days.
        """
        a, b = 7 * w, 7 * w + 7
        used = sum(self.desk[a:b]) + sum(self.vmin[a:b]) + sum(self.tour[a:b])
        return float(self.week_cap[w] - used)

    def rooms(self) -> NDArray[np.float64]:
        """:meth:`room` of every day.

        Returns
        -------
        ndarray
            Free minutes per day of the horizon.
        """
        n_days = len(self.p.day_cap)
        load = np.add(np.add(self.desk, self.vmin), self.tour)
        free = self.p.day_cap.astype(np.float64) - load
        if self.weekly:  # as week_free sums them: desk, visits and tours, each day by day
            starts = np.arange(0, n_days, 7)
            used = (
                np.add.reduceat(np.asarray(self.desk), starts)
                + np.add.reduceat(np.asarray(self.vmin), starts)
                + np.add.reduceat(np.asarray(self.tour), starts)
            )
            free = np.minimum(free, np.repeat(self.week_cap - used, 7)[:n_days])
        return free

    def remove_group(self, g: int) -> None:
        """Take every planned action of group ``g`` off its day.

        Parameters
        ----------
        g
            An all-or-nothing group of actions; the touched days' tours are updated.
        """
        members = np.flatnonzero((self.p.group == g) & (self.day >= 0))
        touched = set()
        for i in members:
            touched.add(self.unbook(int(i)))
        for d in touched:
            self.retour(d)

    def remove_one(self, i: int) -> None:
        """Take planned action ``i`` off its day.

        Parameters
        ----------
        i
            A planned action; its day's tour is updated if it is a visit.
        """
        d = self.unbook(i)
        if self.p.is_visit[i]:
            self.retour(d)

    def insert(self, i: int, d: int) -> None:
        """Put unplanned action ``i`` on day ``d``, a visit at its cheapest place in the tour.

        Parameters
        ----------
        i
            An unplanned action.
        d
            The day to put it on (not checked against the day's capacity).
        """
        if not self.p.is_visit[i]:
            self.add(i, d)
            return
        self.add(i, d, at=self.cheapest_slot(i, self.stops[d])[0])
        self.retour(d)  # sets the day's tour whatever it was

    def cheapest_slot(self, i: int, stops: list[int]) -> tuple[int, np.float64]:
        """Where visit ``i`` joins the tour ``stops`` at least cost.

        Parameters
        ----------
        i
            A visit action.
        stops
            A day's visits in tour order (from and back to the base).

        Returns
        -------
        tuple
            The position in ``stops`` to insert ``i`` at and the extra tour minutes.
        """
        m, here = self.matrix, self.place[i]
        path = [0, *self.place[stops], 0]
        add = [
            m[path[k - 1], here] + m[here, path[k]] - m[path[k - 1], path[k]]
            for k in range(1, len(path))
        ]
        k = int(np.argmin(add))
        return k, add[k]

    def insertion(self, i: int, d: int) -> float:
        """Extra tour minutes if visit ``i`` joins day ``d`` (0 for desk work).

        Parameters
        ----------
        i
            An action not on day ``d``.
        d
            The day.

        Returns
        -------
        float
            The cheapest detour, in minutes.
        """
        return self.insertion_into(i, self.stops[d])

    def insertion_into(self, i: int, stops: list[int]) -> float:
        """Extra tour minutes if visit ``i`` joins a day whose tour is ``stops`` (0 for desk).

        Parameters
        ----------
        i
            An action.
        stops
            A day's visits in tour order.

        Returns
        -------
        float
            The cheapest detour, in minutes.
        """
        if not self.p.is_visit[i]:
            return 0.0
        return float(self.cheapest_slot(i, stops)[1])

    def freed(self, j: int, d: int) -> float:
        """Minutes day ``d`` gains if action ``j`` leaves it (its detour for a visit).

        Parameters
        ----------
        j
            An action planned on day ``d``.
        d
            The day.

        Returns
        -------
        float
            Its duration, plus for a visit the detour saved when its neighbours are joined directly.
        """
        if not self.p.is_visit[j]:
            return float(self.p.duration[j])
        m = self.matrix
        prev, here, nxt = self.neighbours(j, d)
        return float(self.p.duration[j] + m[prev, here] + m[here, nxt] - m[prev, nxt])

    def neighbours(self, j: int, d: int) -> tuple[int, int, int]:
        """Places before, of and after visit ``j`` in the tour of day ``d`` (0 = the base).

        Parameters
        ----------
        j
            A visit planned on day ``d``.
        d
            The day.

        Returns
        -------
        tuple of int
            Rows of :attr:`matrix`: the previous stop, ``j``'s place and the next stop.
        """
        stops = self.stops[d]
        k = stops.index(j)
        prev = self.place[stops[k - 1]] if k > 0 else 0
        nxt = self.place[stops[k + 1]] if k + 1 < len(stops) else 0
        return prev, self.place[j], nxt

    def fits(self, i: int, d: int) -> bool:
        """Whether action ``i`` fits the free minutes of day ``d`` (one evaluation).

        Parameters
        ----------
        i
            An action not on day ``d``.
        d
            The day.

        Returns
        -------
        bool
            True when its duration and detour fit the day's :meth:`room`; counts in :attr:`evals`.
        """
        self.evals += 1
        room = self.room(d)
        return bool(
            room >= self.p.duration[i] - 1e-9
            and self.p.duration[i] + self.insertion(i, d) <= room + 1e-9
        )

    def window(self, i: int) -> tuple[int, int]:
        """Days where action ``i`` may go given the days of its planned chain neighbours.

        Parameters
        ----------
        i
            An action.

        Returns
        -------
        tuple of int
            First and last allowed day (the window is empty when the first is after the last).
        """
        lo, hi = int(self.p.release[i]), len(self.p.day_cap) - 1
        for a, lag_lo, lag_hi in self.arcs_in.get(i, ()):
            if self.day[a] >= 0:
                lo = max(lo, int(self.day[a]) + lag_lo)
                if lag_hi >= 0:
                    hi = min(hi, int(self.day[a]) + lag_hi)
        for b, lag_lo, lag_hi in self.arcs_out.get(i, ()):
            if self.day[b] >= 0:
                hi = min(hi, int(self.day[b]) - lag_lo)
                if lag_hi >= 0:
                    lo = max(lo, int(self.day[b]) - lag_hi)
        return lo, hi

    def spent(self) -> bool:
        """Whether the local search has used its evaluations, or its wall-clock safety limit.

        Returns
        -------
        bool
            True when the search must stop.
        """
        if self.evals >= self.max_evals:
            return True
        if time.time() > self.stop_at:
            self.clock_stopped = True
            return True
        return False

    def move(self, i: int, d: int) -> None:
        """Put ``i`` on day ``d`` (off its current day), recording both days for a rollback.

        Parameters
        ----------
        i
            An action, planned or not.
        d
            The day to put it on.
        """
        if self._journal is not None:
            days, acts = self._journal
            for x in (int(self.day[i]), d):
                if x >= 0 and x not in days:
                    days[x] = self.snapshot(x)
            acts.setdefault(i, int(self.day[i]))
        if self.day[i] >= 0:
            self.remove_one(i)
        self.insert(i, d)

    def begin(self) -> None:
        """Start recording the days that :meth:`move` changes, for :meth:`rollback`."""
        self._journal = ({}, {})

    def commit(self) -> None:
        """Keep the moves made since :meth:`begin`."""
        self._journal = None

    def rollback(self) -> None:
        """Undo the moves made since :meth:`begin`."""
        assert self._journal is not None
        days, acts = self._journal
        for d, snap in days.items():
            self.restore(d, snap)
        for i, d in acts.items():
            self.day[i] = d
        self._journal = None

    def snapshot(self, d: int) -> _Snapshot:
        """Everything about day ``d``, for :meth:`restore`.

        Parameters
        ----------
        d
            The day.

        Returns
        -------
        tuple
            Copies of its stops and tasks, its desk and tour minutes, and ``d``.
        """
        return (
            list(self.stops[d]),
            list(self.tasks[d]),
            float(self.desk[d]),
            float(self.tour[d]),
            d,
        )

    def restore(self, d: int, snap: _Snapshot) -> None:
        """Put day ``d`` back as :meth:`snapshot` saw it (other days keep their actions' days).

        Parameters
        ----------
        d
            The day.
        snap
            What :meth:`snapshot` returned for that day.
        """
        self.stops[d], self.tasks[d] = list(snap[0]), list(snap[1])
        self.vmin[d] = float(self.p.duration[self.stops[d]].sum()) if self.stops[d] else 0.0
        self.desk[d], self.tour[d] = snap[2], snap[3]
        for j in self.tasks[d]:
            self.day[j] = d

    def sync_days(self) -> None:
        """After a rollback, the day of each action is the day whose list holds it."""
        on_day = np.full(self.p.n, -1, dtype=np.int64)
        for d, tasks in enumerate(self.tasks):
            for j in tasks:
                on_day[j] = d
        self.day = on_day

    def timetable(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Start minute and travel of each action: the tour first from 08:30, then desk work.

        A visit's travel is the leg that reaches it; the last visit also carries the drive
        back to the base, so a day's travel column sums to its tour.

        Returns
        -------
        start : ndarray
            Minute of the day (from midnight) each action starts at, ``-1`` if not planned.
        travel : ndarray
            Travel minutes charged to each action.
        """
        p = self.p
        start = np.full(p.n, -1, dtype=np.int64)
        travel = np.zeros(p.n)
        for d in range(len(p.day_cap)):
            clock = float(DAY_START_MIN)
            stops = self.stops[d]
            if stops:
                dist = self.dist(stops)
                path = [0, *range(1, len(stops) + 1), 0]
                for k, i in enumerate(stops):
                    leg = dist[path[k], path[k + 1]]
                    clock += leg
                    start[i] = int(round(clock))
                    travel[i] = leg
                    clock += p.duration[i]
                back = dist[len(stops), 0]
                travel[stops[-1]] += back
                clock += back
            for i in sorted(
                set(self.tasks[d]) - set(stops), key=lambda j: (p.group[j], p.chain_rank[j], j)
            ):
                start[i] = int(round(clock))
                clock += p.duration[i]
        return start, travel
