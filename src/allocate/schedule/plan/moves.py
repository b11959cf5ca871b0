"""The operators of one seller's local search, applied to a :class:`DayBook`.

After the day model, :func:`~allocate.schedule.plan.driver.plan_seller` runs them in turn:
:func:`repair` (overloaded days drop their least valuable groups), :func:`refill` (unplanned
groups take their earliest days that fit), :func:`regroup` (visits move to days whose tours
pass nearby), :func:`eject_fill` (unplanned groups take the place of cheaper single actions),
:func:`relocate_fill` (unplanned groups take days freed by moving planned actions) and
:func:`consolidate` (free minutes gathered into larger gaps). The last two count their
evaluations, so that the plan does not depend on the machine's speed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from allocate.schedule.engine.stop import WorkLimit
from allocate.schedule.plan.daybook import DayBook
from allocate.schedule.plan.tours import cheapest_insertion

#: Places near a visit whose days are tried when the visit is moved (regrouping).
NEAR = 8
#: Work units charged per day tried by the regrouping (a cheapest insertion: about three
#: times a day tried by the fills).
REGROUP_UNITS_PER_DAY = 3


def repair(book: DayBook) -> None:
    """Drop the least valuable groups of each overloaded day (then week), visits first.

    Parameters
    ----------
    book
        The seller's days, changed in place.

    Returns
    -------
    None
    """
    p = book.p
    for d in range(len(p.day_cap)):
        while book.tasks[d] and book.load(d) > p.day_cap[d] + 1e-6:
            _drop_cheapest(book, [d])
    for w in range(len(book.week_cap)):
        days = list(range(7 * w, 7 * w + 7))
        while any(book.tasks[d] for d in days) and book.week_free(w) < -1e-6:
            _drop_cheapest(book, days)


def _drop_cheapest(book: DayBook, days: list[int]) -> None:
    """Drop the least valuable group with an action on ``days``, visits first."""
    p = book.p
    pool = [i for d in days for i in book.stops[d]] or [i for d in days for i in book.tasks[d]]
    gval = {int(p.group[i]): float(p.value[p.group == p.group[i]].sum()) for i in pool}
    g = min(gval, key=lambda k: (gval[k], k))
    book.remove_group(g)


def unplanned_groups(
    book: DayBook, groups: list[list[int]], per_minute: bool = False
) -> list[list[int]]:
    """The groups with no planned action, most valuable first (ties: lowest first action).

    Parameters
    ----------
    book
        The seller's days.
    groups
        Every group that may be planned (each in chain order).
    per_minute
        Rank by value per minute of work instead of by value.

    Returns
    -------
    list of list of int
        The unplanned groups, in the order the fills offer them days.
    """
    p = book.p
    todo = [g for g in groups if all(book.day[i] < 0 for i in g)]
    if per_minute:
        todo.sort(key=lambda g: (-p.value[g].sum() / max(1, p.duration[g].sum()), g[0]))
    else:
        todo.sort(key=lambda g: (-p.value[g].sum(), g[0]))
    return todo


def regroup(book: DayBook, passes: int = 3, limit: WorkLimit | None = None) -> None:
    """Move single visits to days whose tour passes nearby when that shortens the travel.

    Relocation local search: a visit leaves its day (saving its detour) for another day
    that holds one of the ``NEAR`` closest places, within its release and lags, if the
    cheapest insertion there costs less and fits the day's free minutes.

    Parameters
    ----------
    book
        The seller's days, changed in place.
    passes
        Most passes over the visits (stops earlier when one moves none).
    limit
        Optional budget, :data:`REGROUP_UNITS_PER_DAY` units per day tried for a visit.

    Returns
    -------
    None
    """
    p = book.p
    if book.matrix.shape[0] <= 2:
        return
    near = np.argsort(book.matrix[1:, 1:], axis=1)[:, 1 : NEAR + 1] + 1  # by place - 1
    for _ in range(passes):
        moved = 0
        days_of: dict[int, set[int]] = {}
        for d, stops in enumerate(book.stops):
            for i in stops:
                days_of.setdefault(int(book.place[i]), set()).add(d)
        for i in np.flatnonzero(p.is_visit & (book.day >= 0)).tolist():
            d = int(book.day[i])
            m = book.matrix
            prev, here, nxt = book.neighbours(i, d)
            saving = m[prev, here] + m[here, nxt] - m[prev, nxt]
            lo_day, hi_day = book.window(i)  # its chain is planned whole
            best: tuple[float, int] | None = None
            cands = set().union(*(days_of.get(int(q), set()) for q in near[here - 1]))
            if limit is not None and limit.charge(REGROUP_UNITS_PER_DAY * len(cands)):
                return
            for e in sorted(cands):
                if e == d or not lo_day <= e <= hi_day:
                    continue
                room = book.room(e)
                extra = book.cheapest_slot(i, book.stops[e])[1]
                fits = p.duration[i] + extra <= room + 1e-9
                if fits and extra < saving - 1.0 and (best is None or extra < best[0]):
                    best = (extra, e)
            if best is None:
                continue
            e = best[1]
            book.move(i, e)  # at the cheapest slot found above: day e has not changed
            days_of.setdefault(int(here), set()).add(e)
            moved += 1
        if not moved:
            break


def eject_fill(
    book: DayBook, groups: list[list[int]], max_groups: int = 400, limit: WorkLimit | None = None
) -> None:
    """Place unplanned groups by ejecting single actions to other days.

    For each unplanned group (most valuable first), each action goes to the earliest day
    of its window where it fits once some single actions (recurring occurrences, lowest
    value per minute first) leave that day. The ejected actions then try the other days;
    the move is kept only if the group is worth more than the ejected actions that found
    no other day, else every day is restored. This packs long chains into days that small
    actions had fragmented, and moves the small ones into the leftover minutes.

    Parameters
    ----------
    book
        The seller's days, changed in place.
    groups
        Every group that may be planned (each in chain order); the planned ones are skipped.
    max_groups
        Most unplanned groups tried.
    limit
        Optional budget, one unit per day tried (for a group's action or an ejected one);
        once it is reached, the group being placed is rolled back and the others are not
        tried.

    Returns
    -------
    None
    """
    p = book.p
    todo = unplanned_groups(book, groups)
    size = np.bincount(p.group - p.group.min(), minlength=1) if p.n else np.zeros(1, dtype=np.int64)
    single = size[p.group - p.group.min()] == 1 if p.n else np.zeros(0, dtype=bool)
    density = p.value / np.maximum(1, p.duration)
    for g in todo[:max_groups]:
        if limit is not None and limit.over():
            return
        g_density = p.value[g].sum() / max(1, p.duration[g].sum())
        saved = {d: book.snapshot(d) for d in range(len(p.day_cap))}
        ejected: list[int] = []
        ok = True
        for i in g:
            lo_day, hi_day = book.window(i)
            placed = False
            for d in range(lo_day, hi_day + 1):
                if p.day_cap[d] < p.duration[i]:
                    continue
                if limit is not None and limit.charge():
                    break
                before = book.snapshot(d)
                victims = sorted(
                    (j for j in book.tasks[d] if single[j] and j not in g),
                    key=lambda j: (density[j] >= g_density, density[j], j),
                )
                out: list[int] = []
                while True:
                    cost = book.insertion(i, d)
                    if p.duration[i] + cost <= book.room(d) + 1e-9:
                        break
                    if not victims:
                        cost = -1.0
                        break
                    j = victims.pop(0)
                    book.remove_one(j)
                    out.append(j)
                if cost < 0:  # cannot make room here: put the day back as it was
                    book.restore(d, before)
                    continue
                book.insert(i, d)
                ejected += out
                placed = True
                break
            if not placed:
                ok = False
                break
        if ok:  # the ejected actions try the other days; what stays out is the price
            for j in sorted(ejected, key=lambda j: (-density[j], j)):
                _place(book, [j], limit)
            lost = sum(p.value[j] for j in ejected if book.day[j] < 0)
            # a move cut short by the limit is not judged: the day is put back as it was
            ok = lost < p.value[g].sum() and not (limit is not None and limit.over())
        if not ok:
            for d in range(len(p.day_cap)):
                book.restore(d, saved[d])
            book.sync_days()


def relocate_fill(book: DayBook, groups: list[list[int]]) -> int:
    """Place unplanned groups on days freed by moving planned actions elsewhere.

    For each unplanned group (most valuable first), each action in chain order tries the
    days of its window, earliest first, and takes the first one where it fits once some
    actions of that day (largest freed minutes first) have moved to another day of their
    own window where they fit as they are (best fit: the day left with the least free
    time). Nothing leaves the plan, so value only grows. A group whose actions cannot all
    be placed this way puts every day back as it was. The first action tries every day
    of its window; a failure is remembered for the group's shape (durations, visits)
    until a group is placed. Stops when the book has made ``max_evals`` evaluations (of a
    day for an action), so that the result does not depend on the machine's speed.

    Parameters
    ----------
    book
        The seller's days, changed in place.
    groups
        Every group that may be planned (each in chain order); the planned ones are skipped.

    Returns
    -------
    int
        The number of groups placed.
    """
    p = book.p
    todo = unplanned_groups(book, groups)
    failed: set[tuple[tuple[int, bool], ...]] = set()
    placed = 0
    for g in todo:
        if book.spent():
            break
        shape = tuple((int(p.duration[i]), bool(p.is_visit[i])) for i in g)
        if shape in failed:
            continue
        if _place_moving(book, g):
            placed += 1
            failed.clear()
        else:
            failed.add(shape)
    return placed


def _place_moving(book: DayBook, g: list[int]) -> bool:
    """Place group ``g`` by :func:`_make_room`, its first action on the earliest day that works."""
    p = book.p
    lo, hi = book.window(g[0])
    for d0 in range(lo, hi + 1):
        if p.day_cap[d0] < p.duration[g[0]]:
            continue
        book.begin()
        ok = _make_room(book, g[0], d0, g)
        for i in g[1:]:
            if not ok:
                break
            a, b = book.window(i)
            ok = any(
                _make_room(book, i, d, g) for d in range(a, b + 1) if p.day_cap[d] >= p.duration[i]
            )
        if ok:
            book.commit()
            return True
        book.rollback()
    return False


def _make_room(book: DayBook, i: int, d: int, group: list[int]) -> bool:
    """Put ``i`` on day ``d``, moving other actions of ``d`` to days where they fit."""
    p = book.p
    if book.fits(i, d):
        book.move(i, d)
        return True
    movers = [j for j in book.tasks[d] if j not in group]
    freed = {j: book.freed(j, d) for j in movers}
    need = p.duration[i] + book.insertion(i, d) - book.room(d)
    if sum(freed.values()) < need - 1e-9:
        return False
    # when the week is what is full, moving work inside the week frees nothing
    full_week = book.weekly and book.week_free(d // 7) < p.day_cap[d] - book.load(d)
    week = d // 7 if full_week else -1
    for j in sorted(movers, key=lambda j: (-freed[j], j)):
        lo, hi = book.window(j)
        best: tuple[float, int] | None = None
        for e in range(lo, hi + 1):
            if e != d and e // 7 != week and book.fits(j, e):
                left = book.room(e) - p.duration[j] - book.insertion(j, e)
                if best is None or left < best[0]:
                    best = (left, e)
        if best is None:
            continue
        book.move(j, best[1])
        if book.fits(i, d):
            book.move(i, d)
            return True
    return False


def consolidate(book: DayBook, tolerance_min: float = 0.5) -> int:
    """Gather the free minutes of the days into fewer, larger gaps; returns the moves made.

    Local search on :math:`\\sum_t s_t^2` (:math:`s_t` the free minutes of day :math:`t`),
    which grows when free time moves from a fuller day to a freer one. Days are taken
    from the freest; each of their actions may move to another day of its window where it
    fits, or swap with an action of that day, whichever grows the sum most. A move may not
    add more than ``tolerance_min`` minutes of travel, so the days only get easier to fill:
    the relocation fill that follows then finds gaps where whole chains fit. Stops after
    ``max_evals`` evaluations (see :func:`relocate_fill`).

    Parameters
    ----------
    book
        The seller's days, changed in place.
    tolerance_min
        Most travel minutes a move may add.

    Returns
    -------
    int
        The number of moves made.
    """
    p = book.p
    n_days = len(p.day_cap)
    moves = 0
    free = book.rooms()
    for d in sorted(range(n_days), key=lambda t: (-free[t], t)):
        if p.day_cap[d] <= 0:
            continue
        for j in list(book.tasks[d]):
            if book.spent():
                return moves
            if book.day[j] != d:
                continue
            best = _best_shift(book, j, d, free, tolerance_min)
            if best is None:
                continue
            e, k = best
            book.begin()
            book.move(j, e)
            if k >= 0:
                book.move(k, d)
            if book.room(d) < -1e-6 or book.room(e) < -1e-6:
                book.rollback()  # a tour re-estimate made a day longer than foreseen
                continue
            book.commit()
            if book.weekly:
                free = book.rooms()
            else:
                free[d], free[e] = book.room(d), book.room(e)
            moves += 1
    return moves


def _best_shift(
    book: DayBook, j: int, d: int, free: NDArray[np.float64], tolerance_min: float
) -> tuple[int, int] | None:
    """Best move of ``j`` off day ``d``: ``(day, swapped action or -1)``, or ``None``."""
    p = book.p
    lo, hi = book.window(j)
    out_j = book.freed(j, d)
    stops_d = [x for x in book.stops[d] if x != j]
    best: tuple[float, int, int] | None = None
    for e in range(lo, hi + 1):
        if e == d or p.day_cap[e] <= 0 or free[e] > free[d]:
            continue  # free time should flow to the freer day
        book.evals += 1
        cost = p.duration[j] + book.insertion(j, e)
        if cost <= free[e] + 1e-9 and cost <= out_j + tolerance_min:
            gain = (free[d] + out_j) ** 2 + (free[e] - cost) ** 2 - free[d] ** 2 - free[e] ** 2
            if gain > 1e-6 and (best is None or gain > best[0]):
                best = (gain, e, -1)
        for k in book.tasks[e]:
            if p.group[k] == p.group[j] or p.duration[k] > out_j:
                continue
            a, b = book.window(k)
            if not a <= d <= b:
                continue
            book.evals += 1
            out_k = book.freed(k, e)
            in_k = p.duration[k] + book.insertion_into(k, stops_d)
            in_j = p.duration[j] + book.insertion_into(j, [x for x in book.stops[e] if x != k])
            new_d, new_e = free[d] + out_j - in_k, free[e] + out_k - in_j
            if new_d < -1e-9 or new_e < -1e-9 or new_d + new_e < free[d] + free[e] - tolerance_min:
                continue
            gain = new_d**2 + new_e**2 - free[d] ** 2 - free[e] ** 2
            if gain > 1e-6 and (best is None or gain > best[0]):
                best = (gain, e, k)
    return None if best is None else (best[1], best[2])


def refill(book: DayBook, groups: list[list[int]], limit: WorkLimit | None = None) -> None:
    """Offer every unplanned group, by value per minute, to its earliest days that fit.

    Parameters
    ----------
    book
        The seller's days, changed in place.
    groups
        Every group that may be planned (each in chain order); the planned ones are skipped.
    limit
        Optional budget, one unit per day tried for an action; once it is reached, the
        groups not yet offered stay out.

    Returns
    -------
    None
    """
    p = book.p
    todo = unplanned_groups(book, groups, per_minute=True)
    free = book.rooms()
    smallest = int(p.duration.min(initial=0))
    for g in todo:
        if free.max(initial=0) < smallest:
            break
        if free.max(initial=0) < p.duration[g].min():
            continue
        if limit is not None and limit.over():
            return
        placed = _place(book, g, limit)
        if placed is None:
            continue
        if book.weekly:
            free = book.rooms()
        else:
            for d in set(placed):
                free[d] = book.room(d)


def _place(book: DayBook, g: list[int], limit: WorkLimit | None = None) -> list[int] | None:
    """Each action of ``g`` on its earliest day that fits (none if one does not, or if
    ``limit`` runs out first): their days."""
    p = book.p
    done: list[int] = []
    for i in g:  # chain order
        lo_day, hi_day = book.window(i)
        chosen: tuple[int, tuple[list[int], list[int], float] | None] | None = None
        free = book.rooms()[lo_day : hi_day + 1] if hi_day >= lo_day else np.zeros(0)
        scanned = len(free)
        for d in (np.flatnonzero(free >= p.duration[i] - 1e-9) + lo_day).tolist():
            if not p.is_visit[i]:
                chosen, scanned = (d, None), d - lo_day + 1
                break
            room = float(free[d - lo_day])
            stops = book.stops[d]
            dist = book.dist([*stops, i])
            order, length = cheapest_insertion(dist, list(range(1, len(stops) + 1)), len(stops) + 1)
            if p.duration[i] + length - book.tour[d] <= room + 1e-9:
                chosen, scanned = (d, ([*stops, i], order, length)), d - lo_day + 1
                break
        if limit is not None and limit.charge(scanned):  # one unit per day of the window tried
            chosen = None
        if chosen is None:
            for j in done:
                book.remove_one(j)
            return None
        d, tour = chosen
        book.add(i, d)
        if tour is not None:
            all_stops, order, length = tour
            book.stops[d] = [all_stops[k - 1] for k in order]
            book.tour[d] = length
            book.retour(d)
        done.append(i)
    return [int(book.day[i]) for i in done]
