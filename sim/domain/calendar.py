"""Weekly working hours, so staffed steps only progress while the office is open.

Why arithmetic instead of a shift process: a job that needs `w` working hours
finishes at a time computed directly from the weekly windows, which costs one
SimPy timeout instead of an event per shift change.
"""
from __future__ import annotations

import bisect
import math
from datetime import date, datetime

import numpy as np

from sim.domain.units import HOURS_PER_WEEK

CLOSING_TOLERANCE = 1e-9  # hours (a few microseconds)
WALK_ROUNDING = 1e-11      # hours: the rounding of (close - offset) at a few thousand hours, far below any work


def hour_zero(text) -> datetime:
    """The calendar date of the model's hour 0 (a Monday 00:00, as the working calendars assume), from
    an ISO date; ValueError with the reason otherwise."""
    try:
        day = date.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    if day.weekday() != 0:
        raise ValueError(f"{day} is a {day:%A}; the model's week starts on a Monday")
    return datetime(day.year, day.month, day.day)


class WorkingCalendar:
    """Open windows repeating every week; time 0 is Monday 00:00."""

    def __init__(self, days, open_hour: float, close_hour: float):
        windows = sorted((24.0 * d + open_hour, 24.0 * d + close_hour) for d in set(days))
        merged: list[list[float]] = []
        for start, end in windows:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        # A window that wraps (e.g. Sunday 00-24 then Monday 00-...) is fine: both stay separate
        # and `finish` walks across them.
        self.starts = [w[0] for w in merged]
        self.ends = [w[1] for w in merged]
        self.open_per_week = sum(e - s for s, e in merged)
        self.always_open = self.open_per_week >= HOURS_PER_WEEK

    @classmethod
    def from_config(cls, cal) -> "WorkingCalendar":
        return cls(cal.days, cal.open_hour, cal.close_hour)

    def next_open(self, t: float) -> float:
        """Earliest time >= t at which the calendar is open (a closing instant counts as closed)."""
        if self.always_open:
            return t
        week, offset, i = self._locate(t)
        return week * HOURS_PER_WEEK + max(offset, self.starts[i])

    def _locate(self, t: float):
        """(week, offset in week, index of the first window that ends after offset), wrapping weeks.

        The tolerance keeps an offset a few ulps below a closing hour (from adding weeks of
        168 h to a non-binary-exact hour) from counting as open at the closing instant."""
        week = math.floor(t / HOURS_PER_WEEK)
        offset = t - week * HOURS_PER_WEEK
        i = bisect.bisect_right(self.ends, offset + CLOSING_TOLERANCE)
        if i == len(self.ends):
            return week + 1, 0.0, 0
        return week, offset, i

    def finish(self, t: float, work: float) -> float:
        """Time at which `work` working hours started at t are done (waits for opening)."""
        if self.always_open:
            return t + work
        week, offset, i = self._locate(t)
        offset = max(offset, self.starts[i])
        full_weeks = math.floor(work / self.open_per_week) if work > 0 else 0
        # Keep a remainder > 0 when work is an exact multiple, so the end lands inside a window.
        if full_weeks and work - full_weeks * self.open_per_week <= 0:
            full_weeks -= 1
        week += full_weeks
        remaining = work - full_weeks * self.open_per_week
        # Walk window by window in (week, offset) form, never re-deriving the offset from an
        # absolute time, so rounding cannot stall the walk at a closing hour.
        # The tolerance: a job that ends at a closing instant (up to rounding) ends there, not at
        # the next opening a week later with a rounding-sized remainder.
        while remaining > self.ends[i] - offset + WALK_ROUNDING:
            remaining -= self.ends[i] - offset
            i += 1
            if i == len(self.ends):
                i, week = 0, week + 1
            offset = self.starts[i]
        return week * HOURS_PER_WEEK + offset + remaining

    def finish_many(self, t, work):
        """`finish` for arrays: the time each job of `work` working hours started at t is done (no
        work: the next opening, as `next_open`).

        Why a second form: plan-time steps of every consignment (a declarant's preparation, a
        consignee's pickup) need millions of finishes; counting working time as a piecewise-linear
        clock (open hours since week 0) and inverting it is one vectorised pass."""
        t = np.asarray(t, dtype=float)
        work = np.asarray(work, dtype=float)
        if self.always_open:
            return t + work
        starts = np.asarray(self.starts)
        done_before = np.concatenate(([0.0], np.cumsum(np.asarray(self.ends) - starts)))
        target = self.clock_many(t) + work
        # (week, remainder in (0, open_per_week]): a remainder of exactly 0 is the end of the week before.
        end_week = np.ceil(target / self.open_per_week) - 1
        remainder = target - end_week * self.open_per_week
        j = np.clip(np.searchsorted(done_before[1:], remainder, side="left"), 0, len(starts) - 1)
        done = end_week * HOURS_PER_WEEK + starts[j] + (remainder - done_before[j])
        return np.where(work > 0, done, self.next_open_many(t))

    def clock_many(self, t):
        """Open hours from time 0 to each t (negative before 0): working time as a clock, so the
        open hours in [a, b] are clock(b) - clock(a). Read by `finish_many` and by the staffing
        KPIs (a pool's busy and available hours in a window)."""
        t = np.asarray(t, dtype=float)
        if self.always_open:
            return t
        starts, ends = np.asarray(self.starts), np.asarray(self.ends)
        done_before = np.concatenate(([0.0], np.cumsum(ends - starts)))  # open hours before window k
        week = np.floor(t / HOURS_PER_WEEK)
        offset = t - week * HOURS_PER_WEEK
        k = np.searchsorted(starts, offset, side="right") - 1  # last window opened by the offset
        inside = np.clip(offset - starts[np.maximum(k, 0)], 0.0, (ends - starts)[np.maximum(k, 0)])
        return week * self.open_per_week + np.where(k >= 0, done_before[np.maximum(k, 0)] + inside, 0.0)

    def next_open_many(self, t):
        """`next_open` for arrays, with the same closing tolerance (`_locate`)."""
        t = np.asarray(t, dtype=float)
        if self.always_open:
            return t
        starts, ends = np.asarray(self.starts), np.asarray(self.ends)
        week = np.floor(t / HOURS_PER_WEEK)
        offset = t - week * HOURS_PER_WEEK
        i = np.searchsorted(ends, offset + CLOSING_TOLERANCE, side="right")
        later = i == len(ends)  # past the week's last window: the first one of the next week
        week, offset, i = np.where(later, week + 1, week), np.where(later, 0.0, offset), np.where(later, 0, i)
        return week * HOURS_PER_WEEK + np.maximum(offset, starts[i])

    def open_hours_between(self, a: float, b: float) -> float:
        """Working hours in [a, b], window by window (the tests' reference for `clock_many`)."""
        if b <= a:
            return 0.0
        total = 0.0
        week = math.floor(a / HOURS_PER_WEEK)
        while week * HOURS_PER_WEEK < b:
            base = week * HOURS_PER_WEEK
            for s, e in zip(self.starts, self.ends):
                lo, hi = max(a, base + s), min(b, base + e)
                if hi > lo:
                    total += hi - lo
            week += 1
        return total


def on_duty(staff_hours_per_week: float, days, open_hour: float, close_hour: float) -> int:
    """Staff on duty while the calendar is open, from a weekly pool of staff hours.

    Why: a port's customs office has a staff pool (officer-hours a week) while a regime
    sets when it works; spreading the same pool over longer opening puts fewer officers
    on each hour. Rounded to the nearest whole officer (halves up). 0 when the calendar
    is never open or the pool is not a finite number, so validation names that key.
    """
    open_hours = WorkingCalendar(days, open_hour, close_hour).open_per_week
    if not (open_hours > 0 and math.isfinite(staff_hours_per_week)):
        return 0
    return math.floor(staff_hours_per_week / open_hours + 0.5)
